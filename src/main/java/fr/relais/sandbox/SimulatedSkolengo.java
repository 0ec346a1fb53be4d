package fr.relais.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * A simulated Skolengo (Kosmos) cahier de textes, for the demo and the tests: the JSON:API of
 * {@code /api/v1/bff-sko-app} ({@code lesson} resources under {@code /agendas}, {@code homework} resources under
 * {@code /homework-assignments}) behind OIDC bearer tokens from {@code /oidc/token} (client_credentials, the
 * demo client of {@code relais.tools.skolengo-cahier-de-textes.*}). Data is kept in memory.
 * <p>
 * Every change of a lesson or of one of its homework gives the lesson the next update sequence
 * ({@code meta.updateSequence}); {@code filter[updateSequence][GT]} lists the changes after one, deleted lessons
 * included as tombstones ({@code meta.deleted}). {@code updatedAt} is to the second, like the tool's.
 * <p>
 * It can fail: {@code PUT .../_control} with {@code {"down": true}} makes the API answer 503 (the identity
 * provider, another server, still answers), {@code {"refuseTitle": "x"}} makes writes of a lesson or homework
 * whose title contains x answer 422, {@code {"clock": "2026-11-23T10:00:00Z"}} stops the clock. Two one-shot
 * actions: {@code {"revokeTokens": true}} forgets every token issued, {@code {"expireTokens": true}} expires them.
 */
@RestController
@Profile("demo")
@RequestMapping("/sandbox/skolengo")
public class SimulatedSkolengo {

    static final String API = "/api/v1/bff-sko-app";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    static final MediaType JSON_API = MediaType.parseMediaType("application/vnd.api+json");

    private final String clientId;
    private final String clientSecret;
    private final Map<String, Map<String, Object>> lessons = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Object>> homework = new ConcurrentHashMap<>();
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private volatile Map<String, Object> control = Map.of();
    private long sequence;

    public SimulatedSkolengo(@Value("${relais.tools.skolengo-cahier-de-textes.client-id:relais}") String clientId,
                             @Value("${relais.tools.skolengo-cahier-de-textes.client-secret:}") String clientSecret) {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
    }

    /** How many access tokens the identity provider issued (the tests count renewals). */
    public int tokensIssued() {
        return tokensIssued.get();
    }

    @PostMapping(value = "/oidc/token", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    public ResponseEntity<Map<String, Object>> token(@RequestHeader(value = "Authorization", required = false) String authorization,
                                                     @RequestParam(value = "grant_type", required = false) String grantType,
                                                     @RequestParam(value = "client_id", required = false) String id,
                                                     @RequestParam(value = "client_secret", required = false) String secret) {
        if (authorization != null && authorization.startsWith("Basic ")) {
            String[] pair = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8)
                    .split(":", 2);
            id = java.net.URLDecoder.decode(pair[0], StandardCharsets.UTF_8);
            secret = pair.length > 1 ? java.net.URLDecoder.decode(pair[1], StandardCharsets.UTF_8) : "";
        }
        if (!clientId.equals(id) || clientSecret.isEmpty() || !clientSecret.equals(secret)) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).header("WWW-Authenticate", "Basic realm=\"skolengo\"")
                    .body(Map.of("error", "invalid_client", "error_description",
                            "client '" + id + "' inconnu ou secret invalide"));
        }
        if (!"client_credentials".equals(grantType)) {
            return ResponseEntity.badRequest().body(Map.of("error", "unsupported_grant_type",
                    "error_description", "seul client_credentials est accepté, reçu '" + grantType + "'"));
        }
        String token = UUID.randomUUID().toString();
        long lifetime = ((Number) control.getOrDefault("tokenLifetime", 300)).longValue();
        tokens.put(token, Instant.now().plusSeconds(lifetime));
        tokensIssued.incrementAndGet();
        return ResponseEntity.ok().header("Cache-Control", "no-store")
                .body(Map.of("access_token", token, "token_type", "Bearer", "expires_in", lifetime));
    }

    @PutMapping(API + "/_control")
    public Map<String, Object> control(@RequestBody Map<String, Object> body) {
        Map<String, Object> kept = new ConcurrentHashMap<>(body);
        if (Boolean.TRUE.equals(kept.remove("revokeTokens"))) {
            tokens.clear();
        }
        if (Boolean.TRUE.equals(kept.remove("expireTokens"))) {
            tokens.replaceAll((t, expiry) -> Instant.now().minusSeconds(1));
        }
        control = kept;
        return kept;
    }

    /** Everything the tool holds, as stored (the tests' and the demo's view), and the tokens it issued. */
    @GetMapping(API + "/_all")
    public synchronized Map<String, Object> all() {
        return JSON.convertValue(Map.of("lessons", lessons.values().stream()
                        .sorted(Comparator.comparingLong(l -> (long) l.get("sequence"))).toList(),
                "homework", List.copyOf(homework.values()), "tokensIssued", tokensIssued.get()),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
    }

    /**
     * Lessons of a school: the changes after an update sequence (tombstones included) when
     * {@code filter[updateSequence][GT]} is given, oldest first and paged by {@code links.next}; otherwise the current
     * lessons, filtered by {@code filter[audience]} and {@code filter[date]}.
     */
    @GetMapping(API + "/agendas")
    public ResponseEntity<Map<String, Object>> agendas(@RequestHeader(value = "Authorization", required = false) String bearer,
                                                       @RequestParam Map<String, String> query,
                                                       HttpServletRequest request) {
        ResponseEntity<Map<String, Object>> refused = guard(bearer);
        if (refused != null) {
            return refused;
        }
        String school = query.get("filter[school]");
        if (school == null) {
            return error(HttpStatus.BAD_REQUEST, "filtre manquant", "filter[school] (UAI) est obligatoire", "filter[school]");
        }
        String after = query.get("filter[updateSequence][GT]");
        if (after != null && !after.matches("[0-9]{1,18}")) {
            return error(HttpStatus.BAD_REQUEST, "filtre invalide", "filter[updateSequence][GT] attend un entier, reçu '"
                    + after + "'", "filter[updateSequence][GT]");
        }
        String pageLimit = query.getOrDefault("page[limit]", "100");
        int limit = pageLimit.matches("[0-9]{1,3}") ? Math.max(1, Math.min(100, Integer.parseInt(pageLimit))) : 100;
        List<Map<String, Object>> data = new ArrayList<>();
        Map<String, Object> document = new LinkedHashMap<>();
        synchronized (this) {
            List<Map<String, Object>> found = lessons.values().stream()
                    .filter(l -> school.equals(related(l, "school")))
                    .filter(l -> after == null ? !Boolean.TRUE.equals(l.get("deleted"))
                            : (long) l.get("sequence") > Long.parseLong(after))
                    .filter(l -> !query.containsKey("filter[audience]") || query.get("filter[audience]").equals(related(l, "audience")))
                    .filter(l -> !query.containsKey("filter[date]") || query.get("filter[date]").equals(attributes(l).get("date")))
                    .sorted(Comparator.comparingLong(l -> (long) l.get("sequence"))).toList();
            List<Map<String, Object>> included = new ArrayList<>();
            for (Map<String, Object> l : found.subList(0, Math.min(limit, found.size()))) {
                data.add(lesson(l));
                if (!Boolean.TRUE.equals(l.get("deleted"))) {
                    ids(l).forEach(h -> included.add(homework(homework.get(h))));
                }
            }
            document.put("data", data);
            if (String.valueOf(query.get("include")).contains("homeworkAssignments")) {
                document.put("included", included);
            }
            if (after != null && found.size() > limit) {
                Map<String, String> next = new LinkedHashMap<>(query);
                next.put("filter[updateSequence][GT]", String.valueOf(found.get(limit - 1).get("sequence")));
                document.put("links", Map.of("next", request.getRequestURL() + "?" + next.entrySet().stream()
                        .map(p -> enc(p.getKey()) + "=" + enc(p.getValue())).collect(Collectors.joining("&"))));
            }
        }
        return ok(HttpStatus.OK, document);
    }

    @GetMapping(API + "/agendas/{id}")
    public synchronized ResponseEntity<Map<String, Object>> lesson(@RequestHeader(value = "Authorization", required = false) String bearer,
                                                                   @PathVariable String id) {
        ResponseEntity<Map<String, Object>> refused = guard(bearer);
        if (refused != null) {
            return refused;
        }
        Map<String, Object> l = lessons.get(id);
        if (l == null || Boolean.TRUE.equals(l.get("deleted"))) {
            return error(HttpStatus.NOT_FOUND, "introuvable", "pas de séance " + id, null);
        }
        return ok(HttpStatus.OK, document(l));
    }

    @PostMapping(value = API + "/agendas", consumes = "application/vnd.api+json")
    public synchronized ResponseEntity<Map<String, Object>> createLesson(
            @RequestHeader(value = "Authorization", required = false) String bearer, @RequestBody Map<String, Object> body) {
        Map<String, Object> data = data(body);
        ResponseEntity<Map<String, Object>> refused = guardCreate(bearer, data, "lesson");
        if (refused != null) {
            return refused;
        }
        ResponseEntity<Map<String, Object>> unknown = unknownHomework(data);
        if (unknown != null) {
            return unknown;
        }
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("id", UUID.randomUUID().toString());
        l.put("attributes", new LinkedHashMap<>(attributes(data)));
        l.put("relationships", new LinkedHashMap<>(relationshipsOf(data)));
        link(l, data);
        lessons.put((String) l.get("id"), l);
        touch(l);
        return ResponseEntity.status(HttpStatus.CREATED).contentType(JSON_API)
                .header("Location", ServletUriComponentsBuilder.fromCurrentRequest().path("/" + l.get("id")).toUriString())
                .body(document(l));
    }

    @PatchMapping(value = API + "/agendas/{id}", consumes = "application/vnd.api+json")
    public synchronized ResponseEntity<Map<String, Object>> updateLesson(
            @RequestHeader(value = "Authorization", required = false) String bearer, @PathVariable String id,
            @RequestBody Map<String, Object> body) {
        Map<String, Object> data = data(body);
        ResponseEntity<Map<String, Object>> refused = guardWrite(bearer, data, "lesson");
        if (refused != null) {
            return refused;
        }
        Map<String, Object> l = lessons.get(id);
        if (l == null || Boolean.TRUE.equals(l.get("deleted"))) {
            return error(HttpStatus.NOT_FOUND, "introuvable", "pas de séance " + id, null);
        }
        if (!id.equals(data.get("id"))) {
            return error(HttpStatus.CONFLICT, "identifiant", "data.id doit être " + id, "/data/id");
        }
        ResponseEntity<Map<String, Object>> unknown = unknownHomework(data);
        if (unknown != null) {
            return unknown;
        }
        attributes(l).putAll(attributes(data)); // JSON:API: attributes not sent keep their value
        relationshipsOf(l).putAll(relationshipsOf(data));
        link(l, data);
        touch(l);
        return ok(HttpStatus.OK, document(l));
    }

    @DeleteMapping(API + "/agendas/{id}")
    public synchronized ResponseEntity<Map<String, Object>> deleteLesson(
            @RequestHeader(value = "Authorization", required = false) String bearer, @PathVariable String id) {
        ResponseEntity<Map<String, Object>> refused = guard(bearer);
        if (refused != null) {
            return refused;
        }
        Map<String, Object> l = lessons.get(id);
        if (l == null || Boolean.TRUE.equals(l.get("deleted"))) {
            return error(HttpStatus.NOT_FOUND, "introuvable", "pas de séance " + id, null);
        }
        ids(l).forEach(homework::remove); // a lesson's homework go with it
        l.put("homework", new ArrayList<String>());
        l.put("deleted", true);
        touch(l);
        return ResponseEntity.noContent().build();
    }

    @PostMapping(value = API + "/homework-assignments", consumes = "application/vnd.api+json")
    public synchronized ResponseEntity<Map<String, Object>> createHomework(
            @RequestHeader(value = "Authorization", required = false) String bearer, @RequestBody Map<String, Object> body) {
        Map<String, Object> data = data(body);
        ResponseEntity<Map<String, Object>> refused = guardCreate(bearer, data, "homework");
        if (refused != null) {
            return refused;
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("id", UUID.randomUUID().toString());
        h.put("attributes", new LinkedHashMap<>(attributes(data)));
        String lesson = related(data, "lesson");
        if (lesson != null) { // created from a lesson's page in the tool: appended to that lesson
            Map<String, Object> l = lessons.get(lesson);
            if (l == null || Boolean.TRUE.equals(l.get("deleted"))) {
                return error(HttpStatus.NOT_FOUND, "introuvable", "pas de séance " + lesson, "/data/relationships/lesson");
            }
            homework.put((String) h.get("id"), h);
            ids(l).add((String) h.get("id"));
            touch(l);
        } else {
            homework.put((String) h.get("id"), h);
        }
        return ResponseEntity.status(HttpStatus.CREATED).contentType(JSON_API).body(Map.of("data", homework(h)));
    }

    @PatchMapping(value = API + "/homework-assignments/{id}", consumes = "application/vnd.api+json")
    public synchronized ResponseEntity<Map<String, Object>> updateHomework(
            @RequestHeader(value = "Authorization", required = false) String bearer, @PathVariable String id,
            @RequestBody Map<String, Object> body) {
        Map<String, Object> data = data(body);
        ResponseEntity<Map<String, Object>> refused = guardWrite(bearer, data, "homework");
        if (refused != null) {
            return refused;
        }
        Map<String, Object> h = homework.get(id);
        if (h == null) {
            return error(HttpStatus.NOT_FOUND, "introuvable", "pas de travail " + id, null);
        }
        attributes(h).putAll(attributes(data));
        owner(id).ifPresent(this::touch);
        return ok(HttpStatus.OK, Map.of("data", homework(h)));
    }

    @DeleteMapping(API + "/homework-assignments/{id}")
    public synchronized ResponseEntity<Map<String, Object>> deleteHomework(
            @RequestHeader(value = "Authorization", required = false) String bearer, @PathVariable String id) {
        ResponseEntity<Map<String, Object>> refused = guard(bearer);
        if (refused != null) {
            return refused;
        }
        if (homework.remove(id) == null) {
            return error(HttpStatus.NOT_FOUND, "introuvable", "pas de travail " + id, null);
        }
        owner(id).ifPresent(l -> {
            ids(l).remove(id);
            touch(l);
        });
        return ResponseEntity.noContent().build();
    }

    /** A homework the request links to that the tool does not hold, as an error; null when all are known. */
    private ResponseEntity<Map<String, Object>> unknownHomework(Map<String, Object> data) {
        for (String id : linked(data)) {
            if (!homework.containsKey(id)) {
                return error(HttpStatus.NOT_FOUND, "introuvable", "pas de travail " + id,
                        "/data/relationships/homeworkAssignments");
            }
        }
        return null;
    }

    /** The lesson's to-many {@code homeworkAssignments}, when sent, replaces its homework (JSON:API PATCH). */
    private static void link(Map<String, Object> l, Map<String, Object> data) {
        relationshipsOf(l).remove("homeworkAssignments");
        if (relationshipsOf(data).containsKey("homeworkAssignments") || !l.containsKey("homework")) {
            l.put("homework", new ArrayList<>(linked(data)));
        }
    }

    private static List<String> linked(Map<String, Object> data) {
        List<String> ids = new ArrayList<>();
        if (relationshipsOf(data).get("homeworkAssignments") instanceof Map<?, ?> m && m.get("data") instanceof List<?> list) {
            list.forEach(item -> ids.add(String.valueOf(((Map<?, ?>) item).get("id"))));
        }
        return ids;
    }

    private ResponseEntity<Map<String, Object>> guard(String bearer) {
        if (Boolean.TRUE.equals(control.get("down"))) {
            return error(HttpStatus.SERVICE_UNAVAILABLE, "service indisponible", "maintenance en cours", null);
        }
        String token = bearer != null && bearer.startsWith("Bearer ") ? bearer.substring(7) : null;
        Instant expiry = token == null ? null : tokens.get(token);
        String problem = token == null ? "jeton d'accès absent" : expiry == null ? "jeton d'accès inconnu ou révoqué"
                : expiry.isBefore(Instant.now()) ? "jeton d'accès expiré" : null;
        if (problem == null) {
            return null;
        }
        ResponseEntity<Map<String, Object>> e = error(HttpStatus.UNAUTHORIZED, "non authentifié", problem, null);
        return ResponseEntity.status(e.getStatusCode()).contentType(JSON_API)
                .header("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"" + problem + "\"")
                .body(e.getBody());
    }

    /** {@link #guardWrite}, and ids are Skolengo's to give: a create that brings one is refused. */
    private ResponseEntity<Map<String, Object>> guardCreate(String bearer, Map<String, Object> data, String type) {
        ResponseEntity<Map<String, Object>> refused = guardWrite(bearer, data, type);
        if (refused == null && data.containsKey("id")) {
            return error(HttpStatus.FORBIDDEN, "identifiant fourni", "les identifiants sont attribués par Skolengo", "/data/id");
        }
        return refused;
    }

    private ResponseEntity<Map<String, Object>> guardWrite(String bearer, Map<String, Object> data, String type) {
        ResponseEntity<Map<String, Object>> refused = guard(bearer);
        if (refused != null) {
            return refused;
        }
        if (!type.equals(data.get("type"))) {
            return error(HttpStatus.CONFLICT, "type", "type attendu '" + type + "', reçu '" + data.get("type") + "'", "/data/type");
        }
        Object refuse = control.get("refuseTitle");
        Object title = attributes(data).get("title");
        if (refuse != null && title != null && String.valueOf(title).contains(String.valueOf(refuse))) {
            return error(HttpStatus.UNPROCESSABLE_ENTITY, "titre refusé", "le titre « " + title
                    + " » n'est pas accepté par l'établissement (mot refusé : " + refuse + ")", "/data/attributes/title");
        }
        return null;
    }

    private void touch(Map<String, Object> l) {
        Object clock = control.get("clock");
        Instant now = clock == null ? Instant.now() : Instant.parse(String.valueOf(clock));
        l.put("sequence", ++sequence);
        l.put("updatedAt", now.truncatedTo(ChronoUnit.SECONDS).toString());
    }

    private java.util.Optional<Map<String, Object>> owner(String homeworkId) {
        return lessons.values().stream().filter(l -> ids(l).contains(homeworkId)).findFirst();
    }

    private Map<String, Object> document(Map<String, Object> l) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("data", lesson(l));
        document.put("included", ids(l).stream().map(homework::get).filter(Objects::nonNull).map(this::homework).toList());
        return document;
    }

    private Map<String, Object> lesson(Map<String, Object> l) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("updateSequence", l.get("sequence"));
        meta.put("updatedAt", l.get("updatedAt"));
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("type", "lesson");
        resource.put("id", l.get("id"));
        if (Boolean.TRUE.equals(l.get("deleted"))) {
            meta.put("deleted", true);
            resource.put("meta", meta);
            return resource;
        }
        Map<String, Object> relationships = new LinkedHashMap<>(relationshipsOf(l));
        relationships.put("homeworkAssignments", Map.of("data",
                ids(l).stream().map(h -> Map.of("type", "homework", "id", h)).toList()));
        resource.put("attributes", new LinkedHashMap<>(attributes(l)));
        resource.put("relationships", relationships);
        resource.put("meta", meta);
        resource.put("links", Map.of("self", SimulatedSkolengo.API + "/agendas/" + l.get("id")));
        return resource;
    }

    private Map<String, Object> homework(Map<String, Object> h) {
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("type", "homework");
        resource.put("id", h.get("id"));
        resource.put("attributes", new LinkedHashMap<>(attributes(h)));
        Object lesson = owner((String) h.get("id")).map(l -> l.get("id")).orElse(null);
        resource.put("relationships", Map.of("lesson", java.util.Collections.singletonMap("data",
                lesson == null ? null : Map.of("type", "lesson", "id", lesson))));
        return resource;
    }

    private static ResponseEntity<Map<String, Object>> ok(HttpStatus status, Map<String, Object> document) {
        Map<String, Object> out = new LinkedHashMap<>(document);
        out.put("jsonapi", Map.of("version", "1.0"));
        return ResponseEntity.status(status).contentType(JSON_API).body(out);
    }

    private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String title, String detail, String pointer) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("status", String.valueOf(status.value()));
        e.put("title", title);
        e.put("detail", detail);
        if (pointer != null) {
            e.put("source", pointer.startsWith("/") ? Map.of("pointer", pointer) : Map.of("parameter", pointer));
        }
        return ResponseEntity.status(status).contentType(JSON_API).body(Map.of("errors", List.of(e)));
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(Map<String, Object> body) {
        return body.get("data") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> attributes(Map<String, Object> resource) {
        return resource.get("attributes") instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> relationshipsOf(Map<String, Object> resource) {
        return resource.get("relationships") instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
    }

    @SuppressWarnings("unchecked")
    private static List<String> ids(Map<String, Object> lesson) {
        return (List<String>) lesson.computeIfAbsent("homework", k -> new ArrayList<String>());
    }

    private static String related(Map<String, Object> lesson, String name) {
        return relationshipsOf(lesson).get(name) instanceof Map<?, ?> m && m.get("data") instanceof Map<?, ?> d
                ? String.valueOf(d.get("id")) : null;
    }
}
