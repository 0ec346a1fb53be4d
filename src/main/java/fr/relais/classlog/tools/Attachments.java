package fr.relais.classlog.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import fr.relais.classlog.ClassLogEntry;

/** Attachments as JSON references ({@code name}, {@code mediaType}, {@code size}, {@code url}, {@code sha256}). */
public final class Attachments {

    private Attachments() {
    }

    public static List<ClassLogEntry.Attachment> read(JsonNode array) {
        List<ClassLogEntry.Attachment> out = new ArrayList<>();
        for (JsonNode a : array) {
            out.add(new ClassLogEntry.Attachment(a.path("name").asText(null), a.path("mediaType").asText(null),
                    a.hasNonNull("size") ? a.path("size").asLong() : null, a.path("url").asText(null),
                    a.path("sha256").asText(null)));
        }
        return out;
    }

    public static List<Map<String, Object>> write(List<ClassLogEntry.Attachment> attachments) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ClassLogEntry.Attachment a : attachments == null ? List.<ClassLogEntry.Attachment>of() : attachments) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", a.name());
            m.put("mediaType", a.mediaType());
            m.put("size", a.size());
            m.put("url", a.url());
            m.put("sha256", a.sha256());
            out.add(m);
        }
        return out;
    }
}
