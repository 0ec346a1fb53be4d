package fr.relais.sso.inbound;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;

import org.apereo.cas.client.validation.TicketValidationException;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * An ENT's answer to {@code serviceValidate} (CAS protocol 2.0 and 3.0), read in one pass of the JDK's SAX
 * parser: the user, the released attributes, or the failure. The Apereo client reads the same answer five
 * times, each time looking up a parser factory on the class path; this reads it once, with a parser taken
 * from the JDK directly and kept per thread.
 *
 * <p>What is accepted is what the Apereo client accepts: attributes as {@code <cas:attributes>} children (CAS 3.0 and
 * the usual 2.0 extension), or, in CAS 3.0, inlined as {@code <cas:attribute name=".." value=".."/>} elements,
 * which then take precedence. It is stricter in two places: any {@code authenticationFailure} refuses, even one
 * without text, and the user is the {@code user} child of {@code authenticationSuccess}, not every element
 * named {@code user} in the answer. No DTD, no entity: an answer that declares one is refused unread.
 */
record CasServiceResponse(String user, Map<String, List<String>> attributes) {

    private static final SAXParserFactory FACTORY = secureFactory();
    /** Parsers are not thread-safe; a parser reset after each answer is, per thread, reused. */
    private static final ThreadLocal<SAXParser> PARSER = ThreadLocal.withInitial(() -> {
        try {
            return FACTORY.newSAXParser();
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("analyseur XML du JDK indisponible", e);
        }
    });

    /**
     * @param inlineAttributes CAS 3.0: {@code <cas:attribute name value>} elements are read (the Apereo CAS 3.0
     *                         validator does, its 2.0 validator does not)
     * @throws TicketValidationException the ENT refused the ticket, named no user, or answered something unreadable
     */
    static CasServiceResponse parse(String xml, boolean inlineAttributes) throws TicketValidationException {
        Reader reader = new Reader(inlineAttributes);
        SAXParser parser = PARSER.get();
        try {
            parser.parse(new InputSource(new StringReader(xml)), reader);
        } catch (SAXException | IOException e) {
            throw new TicketValidationException("réponse de l'ENT illisible (" + e.getMessage() + ")");
        } finally {
            parser.reset();
        }
        if (reader.failure != null) {
            String text = reader.failure.toString().strip();
            throw new TicketValidationException(text.isEmpty() ? "code " + reader.failureCode : text);
        }
        if (reader.user == null || reader.user.isEmpty()) {
            throw new TicketValidationException("la réponse de l'ENT ne nomme aucun utilisateur (cas:user absent ou vide)");
        }
        return new CasServiceResponse(reader.user.toString(),
                reader.inline.isEmpty() ? reader.children : reader.inline);
    }

    private static SAXParserFactory secureFactory() {
        // newDefaultInstance: the JDK's own implementation, with no look-up of META-INF/services on the class path
        SAXParserFactory factory = SAXParserFactory.newDefaultInstance();
        factory.setNamespaceAware(true);
        factory.setValidating(false);
        factory.setXIncludeAware(false);
        try {
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("l'analyseur XML du JDK refuse une protection attendue", e);
        }
        return factory;
    }

    /** One pass: tracks where it is by the local names of the open elements. */
    private static final class Reader extends DefaultHandler {
        private final boolean inlineAttributes;
        private final Deque<String> open = new ArrayDeque<>();
        private StringBuilder failure;
        private String failureCode;
        /** Depth of the open {@code authenticationFailure} elements: their text, nested text included, is the reason. */
        private int inFailure;
        private StringBuilder user;
        private boolean inUser;
        /** Inside {@code <attributes>}: the child being read and its text so far (nested elements' text included). */
        private String attribute;
        private StringBuilder value;
        private final Map<String, List<String>> children = new LinkedHashMap<>();
        private final Map<String, List<String>> inline = new LinkedHashMap<>();

        Reader(boolean inlineAttributes) {
            this.inlineAttributes = inlineAttributes;
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes atts) {
            String parent = open.peek();
            if ("authenticationFailure".equals(localName)) {
                if (failure == null) {
                    failure = new StringBuilder();
                    failureCode = atts.getValue("code");
                }
                inFailure++;
            } else if ("user".equals(localName) && "authenticationSuccess".equals(parent) && user == null) {
                user = new StringBuilder();
                inUser = true;
            } else if ("attributes".equals(parent) && attribute == null) {
                attribute = localName;
                value = new StringBuilder();
            }
            if (inlineAttributes && "cas:attribute".equals(qName) && atts.getValue("name") != null
                    && atts.getValue("value") != null) {
                inline.computeIfAbsent(atts.getValue("name"), k -> new ArrayList<>()).add(atts.getValue("value"));
            }
            open.push(localName);
        }

        @Override
        public void endElement(String uri, String localName, String qName) {
            open.pop();
            if ("authenticationFailure".equals(localName)) {
                inFailure--;
            } else if (inUser && "user".equals(localName) && "authenticationSuccess".equals(open.peek())) {
                inUser = false;
            } else if (attribute != null && "attributes".equals(open.peek())) {
                children.computeIfAbsent(attribute, k -> new ArrayList<>()).add(value.toString());
                attribute = null;
                value = null;
            }
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            if (inFailure > 0) {
                failure.append(ch, start, length);
            } else if (inUser) {
                user.append(ch, start, length);
            } else if (value != null) {
                value.append(ch, start, length);
            }
        }
    }
}
