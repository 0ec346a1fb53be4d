package fr.relais.licence;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * The XML documents of GAR's subscription web service, read safely (no DOCTYPE, no entities) and written in
 * GAR's namespace. Reading keeps each field's raw text: the validator says what is wrong with it.
 */
public final class SubscriptionXml {

    public static final String NS = "http://www.atosworldline.com/wsabonnement/v1.0/";
    static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    static final Set<String> FIELDS = Set.of("idAbonnement", "commentaireAbonnement", "idDistributeurCom", "idRessource",
            "typeIdRessource", "libelleRessource", "debutValidite", "finValidite", "anneeFinValidite", "uaiEtab",
            "codeNatureUAI", "categorieAffectation", "typeAffectation", "nbLicenceEnseignant", "nbLicenceEleve",
            "nbLicenceProfDoc", "nbLicenceAutrePersonnel", "nbLicenceGlobale", "publicCible", "codeProjetRessource");

    /** A document refused before its fields could be read. */
    public static class Unreadable extends Exception {
        public Unreadable(String message) {
            super(message);
        }
    }

    private SubscriptionXml() {
    }

    /** Field name -> values, in document order; unknown elements under the key {@code "?"+name}. */
    public static Map<String, List<String>> read(byte[] xml, String root) throws Unreadable {
        Document document = parse(xml);
        Element top = document.getDocumentElement();
        if (!root.equals(top.getLocalName())) {
            throw new Unreadable("élément racine <" + top.getLocalName() + "> au lieu de <" + root + ">");
        }
        Map<String, List<String>> fields = new LinkedHashMap<>();
        for (Node n = top.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                String name = e.getLocalName();
                fields.computeIfAbsent(FIELDS.contains(name) ? name : "?" + name, k -> new ArrayList<>())
                        .add(e.getTextContent().strip());
            }
        }
        return fields;
    }

    /** {@code <filtres><filtre><filtreNom/><filtreValeur/></filtre>...</filtres>} -> name -> values. */
    public static Map<String, List<String>> filters(byte[] xml) throws Unreadable {
        Map<String, List<String>> filters = new LinkedHashMap<>();
        if (xml == null || xml.length == 0) {
            return filters;
        }
        Element top = parse(xml).getDocumentElement();
        if (!"filtres".equals(top.getLocalName())) {
            throw new Unreadable("élément racine <" + top.getLocalName() + "> au lieu de <filtres>");
        }
        for (Node f = top.getFirstChild(); f != null; f = f.getNextSibling()) {
            if (f instanceof Element filter && "filtre".equals(filter.getLocalName())) {
                String name = null;
                String value = null;
                for (Node c = filter.getFirstChild(); c != null; c = c.getNextSibling()) {
                    if (c instanceof Element e) {
                        if ("filtreNom".equals(e.getLocalName())) {
                            name = e.getTextContent().strip();
                        } else if ("filtreValeur".equals(e.getLocalName())) {
                            value = e.getTextContent().strip();
                        }
                    }
                }
                if (name != null && value != null) {
                    filters.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                }
            }
        }
        return filters;
    }

    private static Document parse(byte[] xml) throws Unreadable {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(new ByteArrayInputStream(xml));
        } catch (SAXException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            throw new Unreadable(m.contains("DOCTYPE") ? "DOCTYPE interdit dans un document d'abonnement"
                    : "XML mal formé : " + m);
        } catch (ParserConfigurationException | IOException e) {
            throw new Unreadable("document illisible : " + e.getMessage());
        }
    }

    /** GAR date-times: with an offset, or local to France. */
    static Instant dateTime(String text) throws DateTimeParseException {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(text).atZone(PARIS).toInstant();
            } catch (DateTimeParseException e2) {
                return LocalDate.parse(text).atStartOfDay(PARIS).toInstant();
            }
        }
    }

    public static String write(Subscription s) {
        StringBuilder b = new StringBuilder("<abonnement xmlns=\"").append(NS).append("\">");
        tag(b, "idAbonnement", s.id());
        tag(b, "commentaireAbonnement", s.comment());
        tag(b, "idDistributeurCom", s.distributorId());
        tag(b, "idRessource", s.resourceId());
        tag(b, "typeIdRessource", s.resourceIdType());
        tag(b, "libelleRessource", s.resourceLabel());
        tag(b, "debutValidite", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(s.validFrom().atZone(PARIS)));
        if (s.validUntil() != null) {
            tag(b, "finValidite", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(s.validUntil().atZone(PARIS)));
        }
        tag(b, "anneeFinValidite", s.schoolYearEnd());
        s.schools().forEach(u -> tag(b, "uaiEtab", u));
        tag(b, "codeNatureUAI", s.uaiNature());
        tag(b, "categorieAffectation", s.transferable() ? "transferable" : "non transferable");
        tag(b, "typeAffectation", s.assignmentType().name());
        count(b, "nbLicenceEnseignant", s.nbTeacher());
        count(b, "nbLicenceEleve", s.nbPupil());
        count(b, "nbLicenceProfDoc", s.nbLibrarian());
        count(b, "nbLicenceAutrePersonnel", s.nbOther());
        count(b, "nbLicenceGlobale", s.nbGlobal());
        s.audiences().forEach(a -> tag(b, "publicCible", a));
        tag(b, "codeProjetRessource", s.projectCode());
        return b.append("</abonnement>").toString();
    }

    private static void count(StringBuilder b, String name, Integer value) {
        if (value != null) {
            tag(b, name, value == Subscription.UNLIMITED ? "ILLIMITE" : String.valueOf(value));
        }
    }

    static void tag(StringBuilder b, String name, String value) {
        if (value != null) {
            b.append('<').append(name).append('>').append(escape(value)).append("</").append(name).append('>');
        }
    }

    /** A carriage return is written as a reference: a parser reads a raw one as a line feed. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;");
    }
}
