package fr.relais.classlog.tools;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import org.springframework.stereotype.Component;

import fr.relais.classlog.ClassLogEntry;
import fr.relais.classlog.ClassLogStore;
import fr.relais.classlog.ToolClient;
import fr.relais.classlog.ToolException;
import fr.relais.connector.Connector;

/**
 * The cahier de textes of Skolengo ENTs (Kosmos): a JSON:API ({@code application/vnd.api+json}) under
 * {@code /api/v1/bff-sko-app}, called with an OIDC bearer token.
 * <p>
 * Mapping of the canonical entry:
 * <ul>
 * <li>the lesson is a {@code lesson} resource of {@code /agendas}: attributes {@code title}, {@code date} (the day),
 * {@code startDateTime} / {@code endDateTime} (offset date-times in Paris time, null without a time),
 * {@code content} (HTML), {@code published}, {@code countersignedBy} (the visa), {@code attachments};
 * relationships {@code school} (UAI), {@code audience} (class or group code), {@code subject} (national code),
 * {@code teacher} (jointure) and {@code homeworkAssignments} (to-many, in the entry's order);</li>
 * <li>each piece of work is a {@code homework} resource of {@code /homework-assignments}: {@code html},
 * {@code givenOn} (date), {@code dueDateTime} (the due day at 00:00 Paris time), {@code estimatedMinutes},
 * {@code category} (the kind), {@code attachments}, and {@code title} (Skolengo wants one: the lesson's title);
 * its id is Skolengo's, so a canonical homework read from Skolengo carries Skolengo's id, and a write keeps
 * (PATCH) the homework whose id the lesson already has and creates the others;</li>
 * <li>attachments are references, never bytes: {@code {name, mimeType, size, url, sha256}}.</li>
 * </ul>
 * Writes create the new homework first and link them with the lesson's POST or PATCH (JSON:API replaces a
 * to-many relationship given in a PATCH), so that a new lesson appears once, complete; homework the entry no
 * longer has are deleted after. A DELETE of the lesson takes its homework with it.
 * <p>
 * Polling: {@code GET /agendas?filter[school]=UAI&filter[updateSequence][GT]=n&include=homeworkAssignments},
 * oldest change first, following {@code links.next}. Every change of a lesson or of one of its homework gives the
 * lesson the next value of the tool's update sequence ({@code meta.updateSequence}): it is the watermark and the
 * version, and two changes in the same second still have two values, where {@code updatedAt} (to the second)
 * would not tell them apart. A deleted lesson stays in this feed as a tombstone: no attributes,
 * {@code meta.deleted = true}.
 * <p>
 * Tokens: client_credentials at {@code classlog.tokenUrl} ({@code classlog.clientId} / {@code classlog.clientSecret},
 * client_secret_basic), kept until 30 s before {@code expires_in}; a 401 of the API renews the token once and
 * repeats the call. Credentials the identity provider refuses make the tool unavailable (nothing can be synced
 * until the descriptor is fixed), not the entry refused.
 */
@Component
public class SkolengoClient implements ToolClient {

    static final String JSON_API = "application/vnd.api+json";
    static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final int PAGE = 100;

    private final BearerTokens tokens = new BearerTokens();

    @Override
    public String family() {
        return "skolengo";
    }

    @Override
    public List<Polled> poll(Connector tool, String school, String watermark) throws ToolException {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("filter[school]", school);
        query.put("filter[updateSequence][GT]", watermark == null ? "0" : watermark);
        query.put("include", "homeworkAssignments");
        query.put("page[limit]", String.valueOf(PAGE));
        String url = ToolHttp.baseUrl(tool) + "/agendas?" + query(query);
        List<Polled> out = new ArrayList<>();
        while (url != null && !url.isBlank()) {
            JsonNode document = call(tool, "GET", url, null, false);
            Map<String, JsonNode> included = included(document);
            for (JsonNode lesson : document.path("data")) {
                JsonNode meta = lesson.path("meta");
                String sequence = meta.path("updateSequence").asText();
                boolean deleted = meta.path("deleted").asBoolean(false);
                out.add(new Polled(new ClassLogStore.ToolChange(tool.id(), lesson.path("id").asText(), sequence,
                        instant(meta.path("updatedAt").asText(null)), deleted,
                        deleted ? null : fromLesson(lesson, included)), sequence));
            }
            url = document.path("links").path("next").asText(null);
        }
        return out;
    }

    @Override
    public Written write(Connector tool, String toolEntryId, ClassLogEntry entry) throws ToolException {
        String base = ToolHttp.baseUrl(tool);
        Set<String> had = new LinkedHashSet<>();
        if (toolEntryId != null) {
            JsonNode current = call(tool, "GET", base + "/agendas/" + enc(toolEntryId), null, false);
            current.path("data").path("relationships").path("homeworkAssignments").path("data")
                    .forEach(h -> had.add(h.path("id").asText()));
        }
        List<String> created = new ArrayList<>();
        List<Map<String, Object>> linkage = new ArrayList<>();
        JsonNode stored;
        try {
            for (ClassLogEntry.Homework h : entry.homework()) {
                Map<String, Object> resource = homeworkResource(h, entry.title());
                String id;
                if (h.id() != null && had.contains(h.id())) {
                    id = h.id();
                    resource.put("id", id);
                    call(tool, "PATCH", base + "/homework-assignments/" + enc(id), Map.of("data", resource), false);
                } else {
                    id = call(tool, "POST", base + "/homework-assignments", Map.of("data", resource), false)
                            .path("data").path("id").asText();
                    created.add(id);
                }
                linkage.add(Map.of("type", "homework", "id", id));
            }
            Map<String, Object> lesson = lessonResource(entry, linkage);
            if (toolEntryId == null) {
                stored = call(tool, "POST", base + "/agendas", Map.of("data", lesson), false);
            } else {
                lesson.put("id", toolEntryId);
                stored = call(tool, "PATCH", base + "/agendas/" + enc(toolEntryId), Map.of("data", lesson), false);
            }
        } catch (ToolException e) {
            for (String id : created) { // homework no lesson links would stay invisible forever
                try {
                    call(tool, "DELETE", base + "/homework-assignments/" + enc(id), null, true);
                } catch (ToolException ignored) {
                    // the first error is the one to report
                }
            }
            throw e;
        }
        for (String dropped : had) {
            if (linkage.stream().noneMatch(l -> dropped.equals(l.get("id")))) {
                call(tool, "DELETE", base + "/homework-assignments/" + enc(dropped), null, true);
            }
        }
        JsonNode data = stored.path("data");
        return new Written(data.path("id").asText(), data.path("meta").path("updateSequence").asText());
    }

    @Override
    public void delete(Connector tool, String school, String toolEntryId) throws ToolException {
        call(tool, "DELETE", ToolHttp.baseUrl(tool) + "/agendas/" + enc(toolEntryId), null, true);
    }

    @Override
    public Optional<Written> find(Connector tool, ClassLogEntry entry) throws ToolException {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("filter[school]", entry.school());
        query.put("filter[audience]", entry.audience());
        query.put("filter[date]", entry.date().toString());
        query.put("include", "homeworkAssignments");
        JsonNode document = call(tool, "GET", ToolHttp.baseUrl(tool) + "/agendas?" + query(query), null, false);
        Map<String, JsonNode> included = included(document);
        for (JsonNode lesson : document.path("data")) {
            JsonNode a = lesson.path("attributes");
            if (!lesson.path("meta").path("deleted").asBoolean(false)
                    && Objects.equals(entry.title(), a.path("title").asText(null))
                    && Objects.equals(entry.start(), localTime(a.path("startDateTime").asText(null)))) {
                return Optional.of(new Written(lesson.path("id").asText(),
                        lesson.path("meta").path("updateSequence").asText(), fromLesson(lesson, included)));
            }
        }
        return Optional.empty();
    }

    /** A lesson resource (and its included homework) -> the canonical entry; unreadable dates and times are null. */
    static ClassLogEntry fromLesson(JsonNode lesson, Map<String, JsonNode> included) {
        JsonNode a = lesson.path("attributes");
        JsonNode r = lesson.path("relationships");
        List<ClassLogEntry.Homework> homework = new ArrayList<>();
        for (JsonNode link : r.path("homeworkAssignments").path("data")) {
            String id = link.path("id").asText();
            JsonNode h = included.getOrDefault("homework/" + id, MissingNode.getInstance()).path("attributes");
            homework.add(new ClassLogEntry.Homework(id, NeoDiaryClient.date(h.path("givenOn").asText(null)),
                    localDate(h.path("dueDateTime").asText(null)), h.path("html").asText(""),
                    h.hasNonNull("estimatedMinutes") ? h.path("estimatedMinutes").asInt() : null,
                    h.path("category").asText(null), attachments(h.path("attachments"))));
        }
        return new ClassLogEntry(related(r, "school"), related(r, "audience"), related(r, "subject"),
                related(r, "teacher"), NeoDiaryClient.date(a.path("date").asText(null)),
                localTime(a.path("startDateTime").asText(null)), localTime(a.path("endDateTime").asText(null)),
                a.path("title").asText(null), a.path("content").asText(""), homework, attachments(a.path("attachments")),
                a.path("published").asBoolean(true), a.path("countersignedBy").asText(null));
    }

    static Map<String, Object> lessonResource(ClassLogEntry e, List<Map<String, Object>> homework) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("title", e.title());
        attributes.put("date", e.date() == null ? null : e.date().toString());
        attributes.put("startDateTime", dateTime(e.date(), e.start()));
        attributes.put("endDateTime", dateTime(e.date(), e.end()));
        attributes.put("content", e.content());
        attributes.put("published", e.published());
        attributes.put("countersignedBy", e.visaBy());
        attributes.put("attachments", attachments(e.attachments()));
        Map<String, Object> relationships = new LinkedHashMap<>();
        relationships.put("school", toOne("school", e.school()));
        relationships.put("audience", toOne("audience", e.audience()));
        relationships.put("subject", toOne("subject", e.subject()));
        relationships.put("teacher", toOne("teacher", e.teacher()));
        relationships.put("homeworkAssignments", Map.of("data", homework));
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("type", "lesson");
        resource.put("attributes", attributes);
        resource.put("relationships", relationships);
        return resource;
    }

    static Map<String, Object> homeworkResource(ClassLogEntry.Homework h, String lessonTitle) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("title", lessonTitle);
        attributes.put("html", h.description());
        attributes.put("givenOn", h.givenOn() == null ? null : h.givenOn().toString());
        attributes.put("dueDateTime", h.dueOn() == null ? null
                : h.dueOn().atStartOfDay(PARIS).toOffsetDateTime().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        attributes.put("estimatedMinutes", h.estimatedMinutes());
        attributes.put("category", h.kind());
        attributes.put("attachments", attachments(h.attachments()));
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("type", "homework");
        resource.put("attributes", attributes);
        return resource;
    }

    /**
     * One call to the API with the cached bearer token; a 401 renews the token once and repeats the call. Answers
     * the JSON:API document (missing for 204, and for 404 when {@code notFoundIsAnswer}).
     */
    private JsonNode call(Connector tool, String method, String url, Object document, boolean notFoundIsAnswer)
            throws ToolException {
        for (int attempt = 0; ; attempt++) {
            HttpRequest.Builder builder = ToolHttp.request(url).header("Accept", JSON_API)
                    .header("Authorization", "Bearer " + tokens.token(tool, attempt > 0));
            if (document != null) {
                builder.header("Content-Type", JSON_API);
            }
            HttpRequest request = builder.method(method, document == null ? HttpRequest.BodyPublishers.noBody()
                    : ToolHttp.json(document)).build();
            HttpResponse<String> r = ToolHttp.exchange(tool, request);
            if (r.statusCode() == 401 && attempt == 0) {
                continue;
            }
            if (r.statusCode() == 401) {
                throw ToolException.unavailable(tool.id() + " refuse le jeton tout juste obtenu de "
                        + BearerTokens.field(tool, "tokenUrl") + " (" + errors(r.body()) + ") : vérifier les droits du client '"
                        + BearerTokens.field(tool, "clientId") + "' (classlog.clientId)", null);
            }
            ToolHttp.check(tool, request, r, notFoundIsAnswer, SkolengoClient::errors);
            return r.statusCode() == 204 || r.statusCode() == 404 || r.body() == null || r.body().isBlank()
                    ? MissingNode.getInstance() : ToolHttp.read(tool, r);
        }
    }

    /** The details of a JSON:API {@code errors} body, or the body itself. */
    static String errors(String body) {
        try {
            List<String> details = new ArrayList<>();
            for (JsonNode e : ToolHttp.JSON.readTree(body).path("errors")) {
                details.add(e.hasNonNull("detail") ? e.path("detail").asText() : e.path("title").asText());
            }
            return details.isEmpty() ? body : String.join(" ; ", details);
        } catch (java.io.IOException e) {
            return body;
        }
    }

    private static Map<String, JsonNode> included(JsonNode document) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode r : document.path("included")) {
            out.put(r.path("type").asText() + "/" + r.path("id").asText(), r);
        }
        return out;
    }

    private static String related(JsonNode relationships, String name) {
        return relationships.path(name).path("data").path("id").asText(null);
    }

    private static Map<String, Object> toOne(String type, String id) {
        Map<String, Object> data = id == null ? null : Map.of("type", type, "id", id);
        Map<String, Object> relationship = new LinkedHashMap<>();
        relationship.put("data", data);
        return relationship;
    }

    /** Skolengo's names for an attachment. */
    static final Attachments.Fields ATTACHMENT = new Attachments.Fields("name", "mimeType", "size", "url", "sha256");

    static List<ClassLogEntry.Attachment> attachments(JsonNode array) {
        return Attachments.read(array, ATTACHMENT);
    }

    static List<Map<String, Object>> attachments(List<ClassLogEntry.Attachment> attachments) {
        return Attachments.write(attachments, ATTACHMENT);
    }

    private static String dateTime(LocalDate date, LocalTime time) {
        return date == null || time == null ? null
                : date.atTime(time).atZone(PARIS).toOffsetDateTime().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    static LocalTime localTime(String dateTime) {
        try {
            return dateTime == null ? null : OffsetDateTime.parse(dateTime).atZoneSameInstant(PARIS).toLocalTime();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static LocalDate localDate(String dateTime) {
        try {
            return dateTime == null ? null : OffsetDateTime.parse(dateTime).atZoneSameInstant(PARIS).toLocalDate();
        } catch (DateTimeParseException e) {
            return NeoDiaryClient.date(dateTime != null && dateTime.length() == 10 ? dateTime : null);
        }
    }

    private static Instant instant(String text) {
        try {
            return text == null ? Instant.now() : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return Instant.now();
        }
    }

    private static String query(Map<String, String> parameters) {
        StringBuilder out = new StringBuilder();
        parameters.forEach((k, v) -> out.append(out.isEmpty() ? "" : "&").append(enc(k)).append('=').append(enc(v)));
        return out.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
