package fr.relais.classlog.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.XMLStreamWriter;
import javax.xml.stream.XMLOutputFactory;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

/**
 * An exchange file as a table: column headers, then rows of cells by header. Files are UTF-8 (a BOM is accepted
 * and dropped); anything else is refused whole, with where and why in French.
 * <p>
 * CSV: {@code ;} separated, a header line, cells quoted with {@code "} when they hold a separator, a quote or a
 * line break (RFC 4180 otherwise); empty lines are skipped; a row with more cells than the header refuses the file.
 * <p>
 * XML (no DTD, no entities):
 * <pre>{@code
 * <cahierDeTextes>
 *   <seance>
 *     <champ nom="Date">2026-11-23</champ>
 *     <champ nom="Classe">4A</champ>
 *   </seance>
 * </cahierDeTextes>
 * }</pre>
 * The headers of an XML file are the {@code nom}s used in any of its {@code seance}s; a {@code champ} missing from a
 * {@code seance} is an empty cell.
 */
public final class ExchangeTable {

    /** A row's cells by column header, and where it starts in its file ({@code ligne 12}, for messages). */
    public record Row(String where, Map<String, String> cells) {
        public String cell(String header) {
            String v = header == null ? null : cells.get(header);
            return v == null ? "" : v;
        }
    }

    public record Table(List<String> headers, List<Row> rows) {
    }

    /** The file cannot be read as a whole; the message says why and what to do, in French. */
    public static final class Unreadable extends Exception {
        public Unreadable(String message) {
            super(message);
        }
    }

    private static final CsvMapper CSV = new CsvMapper();
    private static final XMLInputFactory XML_IN = XMLInputFactory.newFactory();
    private static final XMLOutputFactory XML_OUT = XMLOutputFactory.newFactory();

    static {
        XML_IN.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        XML_IN.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        XML_IN.setProperty(XMLInputFactory.IS_COALESCING, true);
    }

    private ExchangeTable() {
    }

    public static Table read(byte[] bytes, String format) throws Unreadable {
        String text = utf8(bytes);
        return "xml".equals(format) ? readXml(text) : readCsv(text);
    }

    public static byte[] write(String format, List<String> headers, List<Map<String, String>> rows) {
        return "xml".equals(format) ? writeXml(headers, rows) : writeCsv(headers, rows);
    }

    /** Strict UTF-8: the first byte that is not, with its line, refuses the file. */
    static String utf8(byte[] bytes) throws Unreadable {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw new Unreadable(String.format("fichier non lu : il n'est pas en UTF-8 (octet 0x%02X ligne %d, "
                    + "position %d dans le fichier, probablement un accent en Windows-1252 ou ISO-8859-1) ; régler "
                    + "l'export de l'outil sur UTF-8 (avec ou sans BOM) puis exporter à nouveau",
                    bytes[at] & 0xFF, line, at + 1));
        }
        out.flip();
        String text = out.toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static Table readCsv(String text) throws Unreadable {
        List<String> headers = null;
        List<Row> rows = new ArrayList<>();
        CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(';').withQuoteChar('"');
        try (MappingIterator<String[]> it = CSV.readerFor(String[].class).with(CsvParser.Feature.WRAP_AS_ARRAY)
                .with(CsvParser.Feature.SKIP_EMPTY_LINES).with(schema).readValues(text)) {
            int next = 1; // where the parser stood after the previous row: where this one starts
            while (it.hasNextValue()) {
                int line = next;
                String[] cells = it.nextValue();
                next = it.getParser().currentLocation().getLineNr();
                if (headers == null) {
                    headers = headers(cells, "ligne " + line);
                    continue;
                }
                if (cells.length == 1 && cells[0].isBlank()) {
                    continue;
                }
                if (cells.length > headers.size()) {
                    throw new Unreadable("fichier non lu : ligne " + line + " : " + cells.length + " cellules pour "
                            + headers.size() + " colonnes dans l'en-tête (un ';' hors guillemets ?) ; corriger "
                            + "l'export de l'outil");
                }
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < headers.size(); i++) {
                    row.put(headers.get(i), i < cells.length ? cells[i] : "");
                }
                rows.add(new Row("ligne " + line, row));
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new Unreadable("fichier non lu : CSV mal formé" + (at == null ? "" : " ligne " + at.getLineNr())
                    + " : " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Unreadable("fichier non lu : " + e.getMessage());
        }
        if (headers == null) {
            throw new Unreadable("fichier non lu : vide, sans ligne d'en-tête");
        }
        return new Table(headers, rows);
    }

    private static List<String> headers(String[] cells, String where) throws Unreadable {
        List<String> headers = new ArrayList<>();
        for (String cell : cells) {
            String h = cell.trim();
            if (headers.contains(h)) {
                throw new Unreadable("fichier non lu : " + where + " : la colonne '" + h + "' figure deux fois dans l'en-tête");
            }
            headers.add(h);
        }
        return List.copyOf(headers);
    }

    private static Table readXml(String text) throws Unreadable {
        Set<String> headers = new LinkedHashSet<>();
        List<Row> rows = new ArrayList<>();
        XMLStreamReader xml = null;
        try {
            xml = XML_IN.createXMLStreamReader(new StringReader(text));
            xml.nextTag();
            if (!"cahierDeTextes".equals(xml.getLocalName())) {
                throw new Unreadable("fichier non lu : l'élément racine doit être <cahierDeTextes>, trouvé <"
                        + xml.getLocalName() + ">");
            }
            while (xml.nextTag() == XMLStreamConstants.START_ELEMENT) {
                if (!"seance".equals(xml.getLocalName())) {
                    throw new Unreadable("fichier non lu : ligne " + xml.getLocation().getLineNumber()
                            + " : <seance> attendu dans <cahierDeTextes>, trouvé <" + xml.getLocalName() + ">");
                }
                String where = "séance ligne " + xml.getLocation().getLineNumber();
                Map<String, String> cells = new LinkedHashMap<>();
                while (xml.nextTag() == XMLStreamConstants.START_ELEMENT) {
                    String name = xml.getAttributeValue(null, "nom");
                    if (!"champ".equals(xml.getLocalName()) || name == null || name.isBlank()) {
                        throw new Unreadable("fichier non lu : ligne " + xml.getLocation().getLineNumber()
                                + " : <champ nom=\"...\"> attendu dans <seance>, trouvé <" + xml.getLocalName() + ">");
                    }
                    cells.put(name.trim(), xml.getElementText());
                    headers.add(name.trim());
                }
                rows.add(new Row(where, cells));
            }
        } catch (XMLStreamException e) {
            throw new Unreadable("fichier non lu : XML mal formé"
                    + (e.getLocation() == null ? "" : " ligne " + e.getLocation().getLineNumber()) + " : "
                    + e.getMessage().replaceFirst("(?s)^ParseError at \\[row,col\\]:\\[\\d+,\\d+\\]\\s*Message:\\s*", ""));
        } finally {
            close(xml);
        }
        return new Table(List.copyOf(headers), rows);
    }

    private static byte[] writeCsv(List<String> headers, List<Map<String, String>> rows) {
        CsvSchema.Builder schema = CsvSchema.builder().setColumnSeparator(';').setQuoteChar('"')
                .setLineSeparator("\r\n").setUseHeader(true);
        headers.forEach(schema::addColumn);
        try {
            return CSV.writer(schema.build()).writeValueAsBytes(rows.stream().map(r -> complete(headers, r)).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("CSV not written: " + e.getMessage(), e);
        }
    }

    private static byte[] writeXml(List<String> headers, List<Map<String, String>> rows) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            XMLStreamWriter xml = XML_OUT.createXMLStreamWriter(bytes, "UTF-8");
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.writeStartElement("cahierDeTextes");
            for (Map<String, String> row : rows) {
                xml.writeCharacters("\n  ");
                xml.writeStartElement("seance");
                for (Map.Entry<String, String> cell : complete(headers, row).entrySet()) {
                    xml.writeCharacters("\n    ");
                    xml.writeStartElement("champ");
                    xml.writeAttribute("nom", cell.getKey());
                    xml.writeCharacters(xmlChars(cell.getValue()));
                    xml.writeEndElement();
                }
                xml.writeCharacters("\n  ");
                xml.writeEndElement();
            }
            xml.writeCharacters("\n");
            xml.writeEndElement();
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("XML not written: " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    private static Map<String, String> complete(List<String> headers, Map<String, String> row) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.forEach(h -> out.put(h, row.getOrDefault(h, "") == null ? "" : row.getOrDefault(h, "")));
        return out;
    }

    /** XML 1.0 cannot carry control characters other than tab and line breaks. */
    private static String xmlChars(String s) {
        return s.replaceAll("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]", "");
    }

    private static void close(XMLStreamReader xml) {
        if (xml != null) {
            try {
                xml.close();
            } catch (XMLStreamException ignored) {
                // nothing held open: the reader reads a string
            }
        }
    }
}
