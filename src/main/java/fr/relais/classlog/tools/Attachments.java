package fr.relais.classlog.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import fr.relais.classlog.ClassLogEntry;

/**
 * Attachments as JSON references, in each tool's field names: never the document itself, only its name, media
 * type, size, URL and content hash.
 */
public final class Attachments {

    /** The names a tool gives to an attachment's name, media type, size, URL and SHA-256. */
    public record Fields(String name, String mediaType, String size, String url, String sha256) {
    }

    /** Relais' own names, also NEO's. */
    public static final Fields RELAIS = new Fields("name", "mediaType", "size", "url", "sha256");

    private Attachments() {
    }

    public static List<ClassLogEntry.Attachment> read(JsonNode array) {
        return read(array, RELAIS);
    }

    public static List<ClassLogEntry.Attachment> read(JsonNode array, Fields f) {
        List<ClassLogEntry.Attachment> out = new ArrayList<>();
        for (JsonNode a : array) {
            out.add(new ClassLogEntry.Attachment(a.path(f.name()).asText(null), a.path(f.mediaType()).asText(null),
                    a.hasNonNull(f.size()) ? a.path(f.size()).asLong() : null, a.path(f.url()).asText(null),
                    a.path(f.sha256()).asText(null)));
        }
        return out;
    }

    public static List<Map<String, Object>> write(List<ClassLogEntry.Attachment> attachments) {
        return write(attachments, RELAIS);
    }

    public static List<Map<String, Object>> write(List<ClassLogEntry.Attachment> attachments, Fields f) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ClassLogEntry.Attachment a : attachments == null ? List.<ClassLogEntry.Attachment>of() : attachments) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(f.name(), a.name());
            m.put(f.mediaType(), a.mediaType());
            m.put(f.size(), a.size());
            m.put(f.url(), a.url());
            m.put(f.sha256(), a.sha256());
            out.add(m);
        }
        return out;
    }
}
