package fr.relais.classlog.tools;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;

import fr.relais.classlog.ClassLogEntry;
import fr.relais.classlog.ClassLogStore;
import fr.relais.classlog.ToolClient;
import fr.relais.classlog.ToolException;
import fr.relais.connector.Connector;

/**
 * The NEO / ONE cahier de textes ("diary" module of Open Digital Education / Edifice): sessions with their
 * homework, in the module's field names ({@code structure_id}, {@code audience_id}, {@code due_date},
 * {@code is_published}...). Changes are read per school after a modification sequence ({@code modified}), which
 * is the watermark and the version of each session.
 */
@Component
public class NeoDiaryClient implements ToolClient {

    /** Changes read per call; the engine calls again while a school's changes keep coming. */
    static final int PAGE = 500;

    @Override
    public String family() {
        return "neo-diary";
    }

    @Override
    public List<Polled> poll(Connector tool, String school, String watermark) throws ToolException {
        String url = ToolHttp.baseUrl(tool) + "/sessions/changes/" + enc(school) + "?since=" + enc(watermark == null ? "0" : watermark)
                + "&limit=" + PAGE;
        JsonNode sessions = ToolHttp.read(tool, ToolHttp.send(tool, ToolHttp.request(url).GET().build(), false));
        List<Polled> out = new ArrayList<>();
        for (JsonNode s : sessions) {
            boolean deleted = s.path("deleted").asBoolean(false);
            String version = s.path("modified").asText();
            Instant at = instant(s.path("modified_at").asText(null));
            out.add(new Polled(new ClassLogStore.ToolChange(tool.id(), s.path("id").asText(), version, at, deleted,
                    deleted ? null : fromNeo(s)), version));
        }
        return out;
    }

    @Override
    public Written write(Connector tool, String toolEntryId, ClassLogEntry entry) throws ToolException {
        String url = ToolHttp.baseUrl(tool) + "/session" + (toolEntryId == null ? "" : "/" + enc(toolEntryId));
        var request = ToolHttp.request(url).header("Content-Type", "application/json");
        JsonNode answer = ToolHttp.read(tool, ToolHttp.send(tool, (toolEntryId == null
                ? request.POST(ToolHttp.json(toNeo(entry))) : request.PUT(ToolHttp.json(toNeo(entry)))).build(), false));
        return new Written(answer.path("id").asText(), answer.path("modified").asText());
    }

    @Override
    public void delete(Connector tool, String school, String toolEntryId) throws ToolException {
        ToolHttp.send(tool, ToolHttp.request(ToolHttp.baseUrl(tool) + "/session/" + enc(toolEntryId)).DELETE().build(), true);
    }

    @Override
    public Optional<Written> find(Connector tool, ClassLogEntry entry) throws ToolException {
        String day = entry.date().toString();
        String url = ToolHttp.baseUrl(tool) + "/sessions/own/" + day + "/" + day + "/" + enc(entry.school());
        for (JsonNode s : ToolHttp.read(tool, ToolHttp.send(tool, ToolHttp.request(url).GET().build(), false))) {
            if (!s.path("deleted").asBoolean(false) && entry.audience().equals(s.path("audience_id").asText())
                    && Objects.equals(entry.title(), s.path("title").asText(null))
                    && Objects.equals(entry.start(), time(s.path("start_time").asText(null)))) {
                return Optional.of(new Written(s.path("id").asText(), s.path("modified").asText(), fromNeo(s)));
            }
        }
        return Optional.empty();
    }

    /** NEO's session (with its homework) -> the canonical entry. */
    static ClassLogEntry fromNeo(JsonNode s) {
        List<ClassLogEntry.Homework> homework = new ArrayList<>();
        for (JsonNode h : s.path("homeworks")) {
            homework.add(new ClassLogEntry.Homework(h.path("id").asText(null), date(h.path("given_date").asText(
                    s.path("date").asText(null))), date(h.path("due_date").asText(null)), h.path("description").asText(""),
                    h.hasNonNull("workload") ? h.path("workload").asInt() : null, h.path("type_id").asText(null),
                    Attachments.read(h.path("attachments"))));
        }
        return new ClassLogEntry(s.path("structure_id").asText(null), s.path("audience_id").asText(null),
                s.path("subject_id").asText(null), s.path("teacher_id").asText(null), date(s.path("date").asText(null)),
                time(s.path("start_time").asText(null)), time(s.path("end_time").asText(null)), s.path("title").asText(null),
                s.path("description").asText(""), homework, Attachments.read(s.path("attachments")),
                s.path("is_published").asBoolean(true), s.path("visa_by").asText(null));
    }

    static Map<String, Object> toNeo(ClassLogEntry e) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("structure_id", e.school());
        s.put("audience_id", e.audience());
        s.put("subject_id", e.subject());
        s.put("teacher_id", e.teacher());
        s.put("date", e.date().toString());
        s.put("start_time", e.start() == null ? null : e.start().toString());
        s.put("end_time", e.end() == null ? null : e.end().toString());
        s.put("title", e.title());
        s.put("description", e.content());
        s.put("is_published", e.published());
        s.put("attachments", Attachments.write(e.attachments()));
        List<Map<String, Object>> homeworks = new ArrayList<>();
        for (ClassLogEntry.Homework h : e.homework()) {
            Map<String, Object> hw = new LinkedHashMap<>();
            hw.put("id", h.id());
            hw.put("description", h.description());
            hw.put("given_date", h.givenOn().toString());
            hw.put("due_date", h.dueOn().toString());
            hw.put("workload", h.estimatedMinutes());
            hw.put("type_id", h.kind());
            hw.put("attachments", Attachments.write(h.attachments()));
            homeworks.add(hw);
        }
        s.put("homeworks", homeworks);
        return s;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A date the tool sent, or null when absent or not a date (the normaliser then refuses the entry). */
    public static LocalDate date(String text) {
        try {
            return text == null || text.isBlank() ? null : LocalDate.parse(text.length() > 10 ? text.substring(0, 10) : text);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    public static LocalTime time(String text) {
        try {
            return text == null || text.isBlank() ? null : LocalTime.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    static Instant instant(String text) {
        try {
            return text == null ? Instant.now() : Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.now();
        }
    }
}
