package fr.relais.classlog.tools;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

import fr.relais.classlog.ToolException;
import fr.relais.connector.Connector;

/**
 * A file-exchange tool's {@code classlog:} block, read once per call:
 * <ul>
 * <li>{@code dropFolder}: a local path (or {@code file:} URI); SFTP is not supported yet.</li>
 * <li>{@code format}: {@code csv} or {@code xml} ({@link ExchangeTable}).</li>
 * <li>{@code columns}: canonical field ({@link ExchangeField}) -> column header. Absent: every field, each column
 * named after its field. {@code date} and {@code className} must be mapped.</li>
 * <li>{@code fullExport} (default false): each export file is a full snapshot, so a lesson missing from it was
 * deleted in the tool. Otherwise exports are incremental and deletions come only through a {@code deleted} column.</li>
 * <li>{@code maxFileBytes} (default 10 MiB): larger export files are rejected unread.</li>
 * <li>{@code dateFormat} (default {@code yyyy-MM-dd}, or {@code dd/MM/yyyy}): how Relais writes dates; both are read.</li>
 * <li>{@code quietPeriod} (default PT5S): an export file modified more recently is left for the next poll (the tool
 * may still be writing it).</li>
 * <li>{@code keepProcessed} (default P30D): how long read export files stay in {@code processed/}.</li>
 * </ul>
 */
public record FileExchangeSettings(String toolId, String source, Path dropFolder, String format,
                                   Map<ExchangeField, String> columns, boolean fullExport, long maxFileBytes,
                                   String dateFormat, Duration quietPeriod, Duration keepProcessed) {

    public static final long DEFAULT_MAX_FILE_BYTES = 10L * 1024 * 1024;

    /** Reads the descriptor; a setting Relais cannot use is a refusal naming the field and what to do. */
    public static FileExchangeSettings of(Connector tool) throws ToolException {
        JsonNode c = tool.descriptor() == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
                : tool.descriptor().path("classlog");
        String where = (tool.source() == null ? tool.id() : tool.source()) + ": classlog.";
        String folder = c.path("dropFolder").asText("");
        if (folder.isBlank()) {
            throw ToolException.refused(where + "dropFolder : obligatoire (chemin du dossier d'échange)");
        }
        if (folder.regionMatches(true, 0, "sftp:", 0, 5)) {
            throw ToolException.refused(where + "dropFolder : '" + folder + "' : les dossiers SFTP ne sont pas encore "
                    + "pris en charge ; monter le dossier sur le serveur de Relais (partage réseau, sshfs) et donner "
                    + "son chemin local");
        }
        Path path;
        try {
            path = folder.regionMatches(true, 0, "file:", 0, 5) ? Path.of(java.net.URI.create(folder)) : Path.of(folder);
        } catch (IllegalArgumentException e) {
            throw ToolException.refused(where + "dropFolder : '" + folder + "' n'est pas un chemin de dossier : "
                    + e.getMessage());
        }
        String format = c.path("format").asText("csv");
        if (!format.equals("csv") && !format.equals("xml")) {
            throw ToolException.refused(where + "format : csv ou xml, trouvé '" + format + "'");
        }
        String dateFormat = c.path("dateFormat").asText("yyyy-MM-dd");
        if (!dateFormat.equals("yyyy-MM-dd") && !dateFormat.equals("dd/MM/yyyy")) {
            throw ToolException.refused(where + "dateFormat : yyyy-MM-dd ou dd/MM/yyyy, trouvé '" + dateFormat + "'");
        }
        long max = DEFAULT_MAX_FILE_BYTES;
        if (c.has("maxFileBytes")) {
            max = c.path("maxFileBytes").asLong(-1);
            if (max <= 0) {
                throw ToolException.refused(where + "maxFileBytes : un nombre d'octets positif, trouvé '"
                        + c.path("maxFileBytes").asText() + "'");
            }
        }
        return new FileExchangeSettings(tool.id(), tool.source(), path, format, columns(c.path("columns"), where),
                c.path("fullExport").asBoolean(false), max, dateFormat,
                duration(c, "quietPeriod", Duration.ofSeconds(5), where),
                duration(c, "keepProcessed", Duration.ofDays(30), where));
    }

    public boolean maps(ExchangeField field) {
        return columns.containsKey(field);
    }

    public String column(ExchangeField field) {
        return columns.get(field);
    }

    private static Map<ExchangeField, String> columns(JsonNode node, String where) throws ToolException {
        Map<ExchangeField, String> columns = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            Arrays.stream(ExchangeField.values()).forEach(f -> columns.put(f, f.key()));
            return Collections.unmodifiableMap(columns);
        }
        var fields = node.fields();
        while (fields.hasNext()) {
            var f = fields.next();
            ExchangeField field = ExchangeField.byKey(f.getKey()).orElseThrow(() -> ToolException.refused(where
                    + "columns." + f.getKey() + " : champ inconnu (connus : " + Arrays.stream(ExchangeField.values())
                    .map(ExchangeField::key).collect(Collectors.joining(", ")) + ")"));
            String header = f.getValue().asText("").trim();
            if (header.isEmpty()) {
                throw ToolException.refused(where + "columns." + f.getKey() + " : nom de colonne vide");
            }
            if (columns.containsValue(header)) {
                throw ToolException.refused(where + "columns." + f.getKey() + " : la colonne '" + header
                        + "' est déjà associée à un autre champ");
            }
            columns.put(field, header);
        }
        for (ExchangeField required : new ExchangeField[] {ExchangeField.DATE, ExchangeField.CLASS_NAME}) {
            if (!columns.containsKey(required)) {
                throw ToolException.refused(where + "columns." + required.key() + " : obligatoire (nom de la colonne)");
            }
        }
        return Collections.unmodifiableMap(columns);
    }

    private static Duration duration(JsonNode c, String name, Duration fallback, String where) throws ToolException {
        if (!c.hasNonNull(name)) {
            return fallback;
        }
        try {
            Duration d = Duration.parse(c.path(name).asText());
            if (d.isNegative()) {
                throw ToolException.refused(where + name + " : durée négative");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw ToolException.refused(where + name + " : durée ISO-8601 attendue (PT5S, P30D), trouvé '"
                    + c.path(name).asText() + "'");
        }
    }
}
