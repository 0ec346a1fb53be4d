package fr.relais.directory.aaf;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Streams the records of one AAF file: constant memory whatever the file size. The encoding is the one the
 * XML declaration names, ISO-8859-15 when there is none, and bytes that are not valid in it stop the file.
 * The DTD named by the DOCTYPE is never fetched; a DOCTYPE that declares entities is refused.
 */
public final class AafReader implements AutoCloseable {

    public static final Charset DEFAULT_CHARSET = Charset.forName("ISO-8859-15");
    private static final Pattern DECLARED_ENCODING = Pattern.compile(
            "^<\\?xml[^>]*encoding\\s*=\\s*[\"']([A-Za-z0-9._:-]+)[\"']");
    private static final Set<String> RECORDS = Set.of("addRequest", "modifyRequest", "deleteRequest");
    private static final XMLInputFactory FACTORY = factory();

    private final InputStream in;
    private final XMLStreamReader xml;
    private final Charset charset;
    private final String fileName;

    private AafReader(InputStream in, XMLStreamReader xml, Charset charset, String fileName) {
        this.in = in;
        this.xml = xml;
        this.charset = charset;
        this.fileName = fileName;
    }

    public static AafReader open(Path file) throws AafFileUnusableException {
        String name = file.getFileName().toString();
        try {
            if (Files.size(file) == 0) {
                throw new AafFileUnusableException("fichier vide (0 octet) : rien à importer");
            }
            InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            Charset charset;
            try {
                charset = detectCharset(in);
            } catch (AafFileUnusableException e) {
                in.close();
                throw e;
            }
            InputStream checked = charset.equals(StandardCharsets.UTF_8) ? in
                    : new Latin9Guard(in, !charset.name().equals("windows-1252"));
            Reader reader = new InputStreamReader(checked, charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT));
            try {
                return new AafReader(in, FACTORY.createXMLStreamReader(reader), charset, name);
            } catch (XMLStreamException e) {
                in.close();
                throw unusable(e, charset);
            } catch (java.util.MissingResourceException e) {
                in.close();
                throw new AafFileUnusableException("XML mal formé : déclaration invalide (" + e.getKey() + ")", e);
            }
        } catch (IOException e) {
            throw new AafFileUnusableException("fichier illisible : " + e.getMessage(), e);
        }
    }

    public Charset charset() {
        return charset;
    }

    /**
     * Checks the rest of the file and answers, for each record, its category and id (null when absent), without
     * building the records: the cheap first pass of an import.
     */
    public void scan(java.util.function.BiConsumer<String, String> categoryAndId) throws AafFileUnusableException {
        try {
            String category = null;
            String id = null;
            String attr = null;
            boolean inRecord = false;
            while (xml.hasNext()) {
                int event = xml.next();
                if (event == XMLStreamConstants.START_ELEMENT) {
                    String name = xml.getLocalName();
                    if (RECORDS.contains(name)) {
                        inRecord = true;
                        category = null;
                        id = null;
                    } else if (inRecord && name.equals("attr")) {
                        attr = xml.getAttributeValue(null, "name");
                    } else if (inRecord && name.equals("id")) {
                        id = xml.getElementText().strip();
                    } else if (inRecord && name.equals("value")
                            && ("categoriePersonne".equals(attr) || "categorieStructure".equals(attr))) {
                        category = xml.getElementText().strip();
                        attr = null;
                    }
                } else if (event == XMLStreamConstants.END_ELEMENT && RECORDS.contains(xml.getLocalName())) {
                    inRecord = false;
                    categoryAndId.accept(category, id == null || id.isEmpty() ? null : id);
                } else if (event == XMLStreamConstants.ENTITY_REFERENCE) {
                    throw new AafFileUnusableException("référence à l'entité '" + xml.getLocalName()
                            + "' ligne " + xml.getLocation().getLineNumber() + " : les entités sont refusées");
                }
            }
        } catch (XMLStreamException e) {
            throw unusable(e, charset);
        } catch (java.util.MissingResourceException e) {
            throw malformed(e, xml);
        }
    }

    /** The next record, or null at the end of the file. */
    public AafRecord next() throws AafFileUnusableException {
        try {
            while (xml.hasNext()) {
                int event = xml.next();
                if (event == XMLStreamConstants.DTD) {
                    checkDoctype(xml.getText());
                } else if (event == XMLStreamConstants.ENTITY_REFERENCE) {
                    throw new AafFileUnusableException("référence à l'entité '" + xml.getLocalName()
                            + "' ligne " + xml.getLocation().getLineNumber() + " : les entités sont refusées");
                } else if (event == XMLStreamConstants.START_ELEMENT && RECORDS.contains(xml.getLocalName())) {
                    return readRecord();
                }
            }
            return null;
        } catch (XMLStreamException e) {
            throw unusable(e, charset);
        } catch (java.util.MissingResourceException e) {
            throw malformed(e, xml);
        }
    }

    private AafRecord readRecord() throws XMLStreamException, AafFileUnusableException {
        AafRecord.Operation operation = switch (xml.getLocalName()) {
            case "addRequest" -> AafRecord.Operation.ADD;
            case "modifyRequest" -> AafRecord.Operation.MODIFY;
            default -> AafRecord.Operation.DELETE;
        };
        int line = xml.getLocation().getLineNumber();
        String section = null;
        String category = null;
        String id = null;
        String currentAttr = null;
        Map<String, List<String>> attributes = new LinkedHashMap<>();
        int depth = 1;
        while (depth > 0) {
            int event = xml.next();
            switch (event) {
                case XMLStreamConstants.START_ELEMENT -> {
                    depth++;
                    String name = xml.getLocalName();
                    switch (name) {
                        case "operationalAttributes", "identifier", "attributes", "modifications" -> section = name;
                        case "attr", "modification" -> {
                            currentAttr = xml.getAttributeValue(null, "name");
                            if ("attributes".equals(section) || "modifications".equals(section)) {
                                attributes.computeIfAbsent(currentAttr == null ? "" : currentAttr, k -> new ArrayList<>());
                            }
                        }
                        case "id" -> {
                            String text = xml.getElementText().strip();
                            depth--;
                            if ("identifier".equals(section)) {
                                id = text.isEmpty() ? null : text;
                            }
                        }
                        case "value" -> {
                            String text = xml.getElementText();
                            depth--;
                            if ("operationalAttributes".equals(section)) {
                                if ("categoriePersonne".equals(currentAttr) || "categorieStructure".equals(currentAttr)) {
                                    category = text.strip();
                                }
                            } else if (currentAttr != null && attributes.containsKey(currentAttr)) {
                                attributes.get(currentAttr).add(text.strip());
                            }
                        }
                        default -> { }
                    }
                }
                case XMLStreamConstants.END_ELEMENT -> depth--;
                case XMLStreamConstants.ENTITY_REFERENCE -> throw new AafFileUnusableException("référence à l'entité '"
                        + xml.getLocalName() + "' ligne " + xml.getLocation().getLineNumber() + " : les entités sont refusées");
                case XMLStreamConstants.END_DOCUMENT -> throw new XMLStreamException("fin de fichier au milieu d'un enregistrement");
                default -> { }
            }
        }
        return new AafRecord(operation, category, id, attributes, line);
    }

    private static void checkDoctype(String doctype) throws AafFileUnusableException {
        if (doctype != null && (doctype.contains("<!ENTITY") || doctype.contains("<!ELEMENT"))) {
            throw new AafFileUnusableException("DOCTYPE refusé : il déclare des entités ou des éléments "
                    + "(seul <!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\"> est accepté, la DTD n'est jamais lue)");
        }
    }

    /**
     * A DOCTYPE may name the AAF DTD, never carry an internal subset: that is where entity bombs and external
     * entities live. Looked at in the prolog's bytes, before any parser sees them.
     */
    private static void checkDoctype(InputStream in) throws IOException, AafFileUnusableException {
        in.mark(1 << 16);
        String prolog = new String(in.readNBytes(1 << 16), StandardCharsets.ISO_8859_1);
        in.reset();
        int doctype = prolog.indexOf("<!DOCTYPE");
        int root = firstElement(prolog);
        if (doctype >= 0 && (root < 0 || doctype < root)) {
            int end = prolog.indexOf('>', doctype);
            int subset = prolog.indexOf('[', doctype);
            if (subset >= 0 && (end < 0 || subset < end)) {
                checkDoctype("<!ENTITY");
            }
        }
    }

    private static int firstElement(String text) {
        for (int i = text.indexOf('<'); i >= 0 && i + 1 < text.length(); i = text.indexOf('<', i + 1)) {
            char next = text.charAt(i + 1);
            if (next != '?' && next != '!') {
                return i;
            }
        }
        return -1;
    }

    /** Reads the XML declaration (or BOM) without consuming it. */
    static Charset detectCharset(InputStream in) throws IOException, AafFileUnusableException {
        in.mark(512);
        byte[] head = in.readNBytes(512);
        in.reset();
        if (head.length >= 3 && (head[0] & 0xFF) == 0xEF && (head[1] & 0xFF) == 0xBB && (head[2] & 0xFF) == 0xBF) {
            in.skip(3);
            checkDoctype(in);
            return StandardCharsets.UTF_8;
        }
        if (head.length >= 2 && ((head[0] & 0xFF) == 0xFE || (head[0] & 0xFF) == 0xFF)) {
            throw new AafFileUnusableException("encodage UTF-16 non pris en charge : un fichier AAF est en ISO-8859-15 ou UTF-8");
        }
        String start = new String(head, StandardCharsets.ISO_8859_1).stripLeading();
        if (start.isEmpty()) {
            throw new AafFileUnusableException("fichier vide (seulement des blancs) : rien à importer");
        }
        checkDoctype(in);
        Matcher m = DECLARED_ENCODING.matcher(start);
        if (!m.find()) {
            return DEFAULT_CHARSET;
        }
        String declared = m.group(1);
        try {
            Charset charset = Charset.forName(declared);
            if (!charset.equals(StandardCharsets.UTF_8) && !charset.equals(DEFAULT_CHARSET)
                    && !charset.equals(StandardCharsets.ISO_8859_1) && !charset.name().equals("windows-1252")) {
                throw new AafFileUnusableException("encodage déclaré '" + declared
                        + "' non pris en charge : un fichier AAF est en ISO-8859-15 ou UTF-8");
            }
            return charset;
        } catch (IllegalArgumentException e) {
            throw new AafFileUnusableException("encodage déclaré '" + declared + "' inconnu");
        }
    }

    /**
     * Every byte is valid ISO-8859-15, so a UTF-8 file without a declaration would import as "DUPRÃ©". Bytes
     * that are C1 controls, or pairs that spell a UTF-8 sequence of a Latin letter, never occur in a real
     * Latin-9 AAF file: they stop it.
     */
    static final class Latin9Guard extends java.io.FilterInputStream {
        private final boolean refuseC1;
        private int previous = -1;
        private long offset;

        Latin9Guard(InputStream in, boolean refuseC1) {
            super(in);
            this.refuseC1 = refuseC1;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                check(b);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            int n = super.read(buffer, off, len);
            for (int i = 0; i < n; i++) {
                check(buffer[off + i] & 0xFF);
            }
            return n;
        }

        private void check(int b) throws IOException {
            boolean utf8Pair = (previous == 0xC2 || previous == 0xC3 || previous == 0xC5) && b >= 0x80 && b <= 0xBF;
            if (utf8Pair || (refuseC1 && b >= 0x80 && b <= 0x9F)) {
                throw new java.nio.charset.MalformedInputException(1) {
                    @Override
                    public String getMessage() {
                        return "octet 0x" + Integer.toHexString(b).toUpperCase() + " à la position " + offset
                                + (utf8Pair ? " : le fichier semble encodé en UTF-8" : " : caractère de contrôle C1");
                    }
                };
            }
            previous = b;
            offset++;
        }
    }

    /**
     * The JDK's XML reader reports some faults of a DOCTYPE with a message key its own bundle lacks
     * ({@code InvalidCharInDTD}), as a MissingResourceException instead of an XMLStreamException: the file is
     * still malformed XML, found by fuzzing.
     */
    private static AafFileUnusableException malformed(java.util.MissingResourceException e, XMLStreamReader xml) {
        int line = xml.getLocation() == null ? -1 : xml.getLocation().getLineNumber();
        return new AafFileUnusableException("XML mal formé" + (line > 0 ? " ligne " + line : "")
                + " : déclaration DOCTYPE invalide (" + e.getKey() + ")", e);
    }

    private static AafFileUnusableException unusable(XMLStreamException e, Charset charset) {
        Throwable cause = e;
        while (cause != null) {
            if (cause instanceof CharacterCodingException
                    || (cause.getMessage() != null && cause.getMessage().matches("(?s).*Input length = \\d+.*"))) {
                int line = e.getLocation() == null ? -1 : e.getLocation().getLineNumber();
                String detail = cause.getMessage() != null && cause.getMessage().startsWith("octet ")
                        ? " (" + cause.getMessage() + ")" : "";
                return new AafFileUnusableException("encodage invalide : le contenu n'est pas du " + charset.name()
                        + " valide" + (line > 0 ? " (vers la ligne " + line + ")" : "") + detail
                        + " ; vérifiez l'attribut encoding de la déclaration XML", e);
            }
            cause = cause.getCause() != null ? cause.getCause()
                    : cause instanceof XMLStreamException x ? x.getNestedException() : null;
        }
        int line = e.getLocation() == null ? -1 : e.getLocation().getLineNumber();
        String message = e.getMessage() == null ? "" : e.getMessage().replaceFirst("(?s)^ParseError at \\[row,col\\]:\\[\\d+,\\d+\\]\\s*Message: ", "");
        if (message.contains("was referenced, but not declared")) {
            return new AafFileUnusableException("entité non déclarée" + (line > 0 ? " ligne " + line : "")
                    + " : les entités sont refusées dans un fichier AAF (" + message.strip() + ")", e);
        }
        return new AafFileUnusableException("XML mal formé ou fichier tronqué" + (line > 0 ? " ligne " + line : "")
                + " : " + message.strip(), e);
    }

    private static XMLInputFactory factory() {
        XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        factory.setProperty(XMLInputFactory.IS_COALESCING, true);
        factory.setXMLResolver((publicId, systemId, baseUri, namespace) -> {
            throw new XMLStreamException("ressource externe refusée : " + systemId);
        });
        return factory;
    }

    @Override
    public void close() {
        try {
            xml.close();
        } catch (XMLStreamException ignored) {
            // closing the stream below is what matters
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public String toString() {
        return "AafReader[" + fileName + "]";
    }
}
