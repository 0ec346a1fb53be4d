package fr.relais.sandbox;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A simulated EcoleDirecte (Aplim) v3 API, for the demo and the tests: {@code login.awp} (the staff account of
 * {@code relais.tools.ecoledirecte.*}), then calls with {@code X-Token}, each a POST with a {@code verbe} and a
 * {@code data={json}} form body, answered HTTP 200 with a {@code code}: 200, 505 (bad credentials), 520 (token
 * invalide), 525 (token expiré), 400 (séance refusée), 404 (séance inconnue). Contents are base64 HTML.
 * <p>
 * Routes: the establishment's cahier de textes {@code /etablissements/{uai}/cahierdetexte.awp} with
 * {@code verbe=get} (without {@code depuis}: the work to do by due date, as pupils see it; with
 * {@code depuis=n}: the séances changed after modification number n, deleted ones as tombstones),
 * {@code verbe=post|put|delete}; and the day's séances {@code /etablissements/{uai}/cahierdetexte/{date}.awp}.
 * Data is kept in memory.
 * <p>
 * It can fail: {@code PUT .../_control} with {@code {"down": true}} makes every call answer what an outage looks
 * like, HTTP 503 from the load balancer (an HTML page, no body code); {@code {"refuseTitle": "x"}} refuses writes
 * of a séance whose title contains x (code 400); {@code {"clock": "2026-11-23T10:00:00Z"}} stops the clock. Two
 * one-shot actions: {@code {"revokeTokens": true}} (next calls: 520), {@code {"expireTokens": true}} (525).
 */
@RestController
@Profile("demo")
@RequestMapping("/sandbox/ecoledirecte/v3")
public class SimulatedEcoleDirecte {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final DateTimeFormatter MODIFIED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final String OUTAGE = "<html><head><title>503 Service Temporarily Unavailable</title></head>"
            + "<body><h1>503 Service Temporarily Unavailable</h1></body></html>";

    private final String login;
    private final String password;
    private final Map<Long, Map<String, Object>> seances = new ConcurrentHashMap<>();
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger logins = new AtomicInteger();
    private volatile Map<String, Object> control = Map.of();
    private long modification;
    private long ids = 1000;

    public SimulatedEcoleDirecte(@Value("${relais.tools.ecoledirecte.login:}") String login,
                                 @Value("${relais.tools.ecoledirecte.password:}") String password) {
        this.login = login;
        this.password = password;
    }

    /** How many sessions were opened (the tests count renewals). */
    public int logins() {
        return logins.get();
    }

    @PostMapping(value = "/login.awp", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    public ResponseEntity<?> login(@RequestParam(required = false) String data) {
        if (down()) {
            return outage();
        }
        Map<String, Object> credentials = parse(data);
        if (credentials == null || login.isEmpty() || !login.equals(credentials.get("identifiant")) || !password.equals(credentials.get("motdepasse"))) {
            return answer(505, "", "Identifiant et/ou mot de passe invalide !", Map.of());
        }
        String token = UUID.randomUUID().toString();
        tokens.put(token, Instant.now().plusSeconds(((Number) control.getOrDefault("tokenLifetime", 1800)).longValue()));
        logins.incrementAndGet();
        return answer(200, token, "", Map.of("accounts", List.of(Map.of("id", 1, "identifiant", login,
                "typeCompte", "P", "nomEtablissement", "Établissement de démonstration"))));
    }

    @PutMapping("/_control")
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

    /** Every séance held, as stored (contents in base64), and how many sessions were opened. */
    @GetMapping("/_all")
    public synchronized Map<String, Object> all() {
        return JSON.convertValue(Map.of("seances", seances.values().stream()
                .sorted(Comparator.comparingLong(s -> (long) s.get("numModif"))).toList(), "logins", logins.get()),
                new TypeReference<Map<String, Object>>() { });
    }

    @PostMapping("/etablissements/{uai}/cahierdetexte.awp")
    public synchronized ResponseEntity<?> cahierDeTexte(@PathVariable String uai, @RequestParam String verbe,
                                                        @RequestParam(required = false) String depuis,
                                                        @RequestParam(required = false) String data,
                                                        @RequestHeader(value = "X-Token", required = false) String token) {
        ResponseEntity<?> refused = session(token);
        if (refused != null) {
            return refused;
        }
        Map<String, Object> body = parse(data);
        if (body == null) {
            return answer(400, token, "Données invalides : data doit être un objet JSON", Map.of());
        }
        return switch (verbe) {
            case "get" -> depuis == null ? answer(200, token, "", toDo(uai)) : changes(uai, depuis, token);
            case "post" -> write(uai, null, body, token);
            case "put" -> body.get("id") == null ? answer(400, token, "Données invalides : id manquant", Map.of())
                    : write(uai, body.get("id"), body, token);
            case "delete" -> delete(uai, body.get("id"), token);
            default -> answer(400, token, "Verbe inconnu : " + verbe, Map.of());
        };
    }

    /** The day's séances of the establishment (the shape of the pupils' {@code cahierdetexte/{date}.awp}). */
    @PostMapping("/etablissements/{uai}/cahierdetexte/{date}.awp")
    public synchronized ResponseEntity<?> day(@PathVariable String uai, @PathVariable String date,
                                              @RequestHeader(value = "X-Token", required = false) String token) {
        ResponseEntity<?> refused = session(token);
        if (refused != null) {
            return refused;
        }
        List<Map<String, Object>> day = seances.values().stream()
                .filter(s -> uai.equals(s.get("uai")) && date.equals(s.get("date")) && !Boolean.TRUE.equals(s.get("supprime")))
                .sorted(Comparator.comparing(s -> String.valueOf(s.get("heureDebut")))).map(this::render).toList();
        return answer(200, token, "", Map.of("date", date, "matieres", day));
    }

    private ResponseEntity<?> changes(String uai, String depuis, String token) {
        if (!depuis.matches("[0-9]{1,18}")) {
            return answer(400, token, "depuis attend un numéro de modification, reçu '" + depuis + "'", Map.of());
        }
        long after = Long.parseLong(depuis);
        List<Map<String, Object>> changed = seances.values().stream()
                .filter(s -> uai.equals(s.get("uai")) && (long) s.get("numModif") > after)
                .sorted(Comparator.comparingLong(s -> (long) s.get("numModif"))).map(this::render).toList();
        return answer(200, token, "", Map.of("seances", changed, "numModif", modification));
    }

    /** The work to do by due date, as EcoleDirecte lists it for a pupil ({@code cahierdetexte.awp?verbe=get}). */
    private Map<String, Object> toDo(String uai) {
        Map<String, Object> byDay = new TreeMap<>();
        for (Map<String, Object> s : seances.values()) {
            if (!uai.equals(s.get("uai")) || Boolean.TRUE.equals(s.get("supprime"))) {
                continue;
            }
            for (Map<String, Object> w : work(s)) {
                @SuppressWarnings("unchecked")
                List<Object> due = (List<Object>) byDay.computeIfAbsent(String.valueOf(w.get("pourLe")), d -> new ArrayList<>());
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("matiere", s.get("codeMatiere"));
                item.put("codeMatiere", s.get("codeMatiere"));
                item.put("aFaire", true);
                item.put("idDevoir", w.get("idDevoir"));
                item.put("documentsAFaire", w.get("documents") instanceof List<?> l && !l.isEmpty());
                item.put("donneLe", w.get("donneLe"));
                item.put("effectue", false);
                item.put("interrogation", Boolean.TRUE.equals(w.get("interrogation")));
                item.put("rendreEnLigne", false);
                due.add(item);
            }
        }
        return byDay;
    }

    private ResponseEntity<?> write(String uai, Object id, Map<String, Object> body, String token) {
        Map<String, Object> existing = id == null ? null : seances.get(number(id));
        if (id != null && (existing == null || Boolean.TRUE.equals(existing.get("supprime")) || !uai.equals(existing.get("uai")))) {
            return answer(404, token, "Séance inconnue : " + id, Map.of());
        }
        Object refuse = control.get("refuseTitle");
        if (refuse != null && String.valueOf(body.get("titre")).contains(String.valueOf(refuse))) {
            return answer(400, token, "Séance refusée par l'établissement : le titre « " + body.get("titre")
                    + " » contient « " + refuse + " »", Map.of());
        }
        List<Object> kept = existing == null ? List.of() : work(existing).stream().map(w -> w.get("idDevoir")).toList();
        Map<String, Object> s = new LinkedHashMap<>(body);
        s.put("id", existing == null ? ++ids : existing.get("id"));
        s.put("uai", uai);
        s.put("supprime", false);
        for (Map<String, Object> w : work(s)) { // a devoir keeps its number only within its séance
            if (w.get("idDevoir") == null || !kept.contains(number(w.get("idDevoir")))) {
                w.put("idDevoir", ++ids);
            } else {
                w.put("idDevoir", number(w.get("idDevoir")));
            }
        }
        touch(s);
        seances.put((Long) s.get("id"), s);
        return answer(200, token, "", render(s));
    }

    private ResponseEntity<?> delete(String uai, Object id, String token) {
        Map<String, Object> s = id == null ? null : seances.get(number(id));
        if (s == null || Boolean.TRUE.equals(s.get("supprime")) || !uai.equals(s.get("uai"))) {
            return answer(404, token, "Séance inconnue : " + id, Map.of());
        }
        Map<String, Object> tombstone = new LinkedHashMap<>();
        tombstone.put("id", s.get("id"));
        tombstone.put("uai", uai);
        tombstone.put("supprime", true);
        touch(tombstone);
        seances.put((Long) s.get("id"), tombstone);
        return answer(200, token, "", Map.of("id", s.get("id")));
    }

    /** The answer when the module is down or the token is not a live session; null when the call may go on. */
    private ResponseEntity<?> session(String token) {
        if (down()) {
            return outage();
        }
        Instant expiry = token == null ? null : tokens.get(token);
        if (expiry == null) {
            return answer(520, "", "Token invalide !", Map.of());
        }
        if (expiry.isBefore(Instant.now())) {
            return answer(525, "", "Token expiré !", Map.of());
        }
        return null;
    }

    private void touch(Map<String, Object> s) {
        Object clock = control.get("clock");
        Instant now = clock == null ? Instant.now() : Instant.parse(String.valueOf(clock));
        s.put("numModif", ++modification);
        s.put("modifieLe", now.truncatedTo(ChronoUnit.SECONDS).atZone(PARIS).format(MODIFIED));
    }

    private Map<String, Object> render(Map<String, Object> s) {
        Map<String, Object> out = JSON.convertValue(s, new TypeReference<Map<String, Object>>() { });
        out.remove("uai");
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> work(Map<String, Object> s) {
        return s.get("aFaire") instanceof List<?> l
                ? l.stream().filter(Map.class::isInstance).map(w -> (Map<String, Object>) w).toList() : List.of();
    }

    private boolean down() {
        return Boolean.TRUE.equals(control.get("down"));
    }

    private static ResponseEntity<?> outage() {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).contentType(MediaType.TEXT_HTML).body(OUTAGE);
    }

    private static ResponseEntity<?> answer(int code, String token, String message, Object data) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("token", token);
        body.put("message", message);
        body.put("data", data);
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
    }

    /** The {@code data} form field; null when it is not a JSON object. */
    private static Map<String, Object> parse(String data) {
        try {
            return data == null || data.isBlank() ? Map.of() : JSON.readValue(data, new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static Long number(Object id) {
        try {
            return Long.valueOf(String.valueOf(id));
        } catch (NumberFormatException e) {
            return -1L;
        }
    }
}
