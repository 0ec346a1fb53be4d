package fr.relais.sandbox;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A simulated publisher platform (SAML 2.0 service provider), for the demo and the tests: it receives Relais'
 * Response at its ACS, fetches Relais' IdP metadata over HTTP, verifies the assertion's signature with the
 * certificate published there, checks audience and lifetime, and shows what it learnt: a pseudonymous id and
 * GAR attributes, never a name. It checks through {@link SandboxSaml} (the JDK's XML signature API), never
 * through Relais' own SAML code.
 */
@Controller
@Profile("demo")
@RequestMapping("/sandbox/publishers/{publisher}")
public class SimulatedSamlPublisher {

    /** What the simulated publisher accepted, for the tests: the publisher then the attributes. */
    public record Received(String publisher, String nameId, Map<String, List<String>> attributes, String relayState) {
    }

    /** A logout request received from Relais, after its signature was checked. */
    public record Logout(String publisher, String nameId, String sessionIndex) {
    }

    public final List<Received> received = new CopyOnWriteArrayList<>();
    public final List<Logout> logouts = new CopyOnWriteArrayList<>();
    private final String metadataUrl;
    private final HttpClient http = HttpClient.newHttpClient();

    public SimulatedSamlPublisher(@Value("${relais.sso.base-url}") String baseUrl) {
        this.metadataUrl = baseUrl.replaceAll("/+$", "") + "/saml/idp/metadata";
    }

    @PostMapping("/acs")
    public String acs(@PathVariable String publisher, @RequestParam("SAMLResponse") String samlResponse,
                      @RequestParam(name = "RelayState", required = false) String relayState, Model model) {
        model.addAttribute("publisher", publisher);
        try {
            Element response = SandboxSaml.parse(Base64.getMimeDecoder().decode(samlResponse)).getDocumentElement();
            if (!SandboxSaml.PROTOCOL_NS.equals(response.getNamespaceURI()) || !"Response".equals(response.getLocalName())) {
                throw new IllegalArgumentException("une Response SAML était attendue");
            }
            List<Element> assertions = SandboxSaml.children(response, SandboxSaml.ASSERTION_NS, "Assertion");
            if (assertions.size() != 1) {
                throw new IllegalArgumentException("exactement une assertion attendue, " + assertions.size() + " reçues");
            }
            Element assertion = assertions.get(0);
            SandboxSaml.verify(assertion, idpCertificate());
            Element conditions = required(assertion, "Conditions");
            if (!Instant.parse(conditions.getAttribute("NotOnOrAfter")).isAfter(Instant.now())) {
                throw new IllegalArgumentException("assertion expirée");
            }
            Element audience = required(required(conditions, "AudienceRestriction"), "Audience");
            Map<String, List<String>> attributes = new LinkedHashMap<>();
            Element statement = SandboxSaml.child(assertion, SandboxSaml.ASSERTION_NS, "AttributeStatement");
            if (statement != null) {
                for (Element attribute : SandboxSaml.children(statement, SandboxSaml.ASSERTION_NS, "Attribute")) {
                    List<String> values = new ArrayList<>();
                    SandboxSaml.children(attribute, SandboxSaml.ASSERTION_NS, "AttributeValue")
                            .forEach(v -> values.add(v.getTextContent()));
                    attributes.put(attribute.getAttribute("Name"), values);
                }
            }
            Received r = new Received(publisher, required(required(assertion, "Subject"), "NameID").getTextContent(),
                    attributes, relayState);
            received.add(r);
            model.addAttribute("received", r);
            model.addAttribute("audience", audience.getTextContent());
        } catch (Exception e) {
            model.addAttribute("error", e.getMessage());
        }
        return "sandbox-publisher";
    }

    /** SAML single logout, SOAP binding: Relais says the user's session ended. */
    @PostMapping(value = "/slo", consumes = "text/xml")
    @ResponseBody
    public ResponseEntity<String> slo(@PathVariable String publisher, @RequestBody String soap) {
        try {
            Document envelope = SandboxSaml.parse(soap);
            Element body = SandboxSaml.child(envelope.getDocumentElement(), "http://schemas.xmlsoap.org/soap/envelope/", "Body");
            Element request = body == null ? null : SandboxSaml.child(body, SandboxSaml.PROTOCOL_NS, "LogoutRequest");
            if (request == null) {
                throw new IllegalArgumentException("aucune LogoutRequest dans l'enveloppe SOAP");
            }
            SandboxSaml.verify(request, idpCertificate());
            Element sessionIndex = SandboxSaml.child(request, SandboxSaml.PROTOCOL_NS, "SessionIndex");
            logouts.add(new Logout(publisher, required(request, "NameID").getTextContent(),
                    sessionIndex == null ? null : sessionIndex.getTextContent()));
            return ResponseEntity.ok("ok");
        } catch (Exception e) {
            return ResponseEntity.badRequest().body(e.getMessage());
        }
    }

    private static Element required(Element parent, String localName) {
        Element child = SandboxSaml.child(parent, SandboxSaml.ASSERTION_NS, localName);
        if (child == null) {
            throw new IllegalArgumentException("élément " + localName + " absent de " + parent.getLocalName());
        }
        return child;
    }

    private X509Certificate idpCertificate() throws Exception {
        return SandboxSaml.certificateFromMetadata(http.send(HttpRequest.newBuilder(URI.create(metadataUrl)).build(),
                HttpResponse.BodyHandlers.ofString()).body(), "signing");
    }
}
