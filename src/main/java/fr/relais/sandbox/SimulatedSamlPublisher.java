package fr.relais.sandbox;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.opensaml.core.xml.XMLObject;
import org.opensaml.saml.saml2.core.Assertion;
import org.opensaml.saml.saml2.core.Response;
import org.opensaml.saml.security.impl.SAMLSignatureProfileValidator;
import org.opensaml.security.x509.BasicX509Credential;
import org.opensaml.xmlsec.signature.support.SignatureValidator;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

import fr.relais.sso.saml.OpenSaml;

/**
 * A simulated publisher platform (SAML 2.0 service provider), for the demo and the tests: it receives Relais'
 * Response at its ACS, fetches Relais' IdP metadata over HTTP, verifies the assertion's signature with the
 * certificate published there, checks audience and lifetime, and shows what it learnt: a pseudonymous id and
 * GAR attributes, never a name.
 */
@Controller
@Profile("demo")
@RequestMapping("/sandbox/publishers/{publisher}")
public class SimulatedSamlPublisher {

    /** What the simulated publisher accepted, for the tests: the publisher then the attributes. */
    public record Received(String publisher, String nameId, Map<String, List<String>> attributes, String relayState) {
    }

    public final List<Received> received = new CopyOnWriteArrayList<>();
    private final String metadataUrl;
    private final HttpClient http = HttpClient.newHttpClient();

    public SimulatedSamlPublisher(@Value("${relais.sso.base-url}") String baseUrl) {
        this.metadataUrl = baseUrl.replaceAll("/+$", "") + "/saml/idp/metadata";
    }

    @PostMapping("/acs")
    public String acs(@PathVariable String publisher, @RequestParam("SAMLResponse") String samlResponse,
                      @RequestParam(name = "RelayState", required = false) String relayState,
                      @RequestParam(name = "audience", required = false) String ignored, Model model) {
        model.addAttribute("publisher", publisher);
        try {
            XMLObject parsed = OpenSaml.parse(Base64.getMimeDecoder().decode(samlResponse));
            Assertion assertion = ((Response) parsed).getAssertions().get(0);
            new SAMLSignatureProfileValidator().validate(assertion.getSignature());
            SignatureValidator.validate(assertion.getSignature(), new BasicX509Credential(idpCertificate()));
            if (assertion.getConditions().getNotOnOrAfter().isBefore(Instant.now())) {
                throw new IllegalStateException("assertion expirée");
            }
            Map<String, List<String>> attributes = new LinkedHashMap<>();
            assertion.getAttributeStatements().forEach(s -> s.getAttributes().forEach(a -> attributes.put(a.getName(),
                    a.getAttributeValues().stream().map(v -> v.getDOM().getTextContent()).toList())));
            Received r = new Received(publisher, assertion.getSubject().getNameID().getValue(), attributes, relayState);
            received.add(r);
            model.addAttribute("received", r);
            model.addAttribute("audience", assertion.getConditions().getAudienceRestrictions().get(0).getAudiences()
                    .get(0).getURI());
        } catch (Exception e) {
            model.addAttribute("error", e.getMessage());
        }
        return "sandbox-publisher";
    }

    /** Logout requests received from Relais (publisher, NameID, SessionIndex), after their signature was checked. */
    public final List<String[]> logouts = new CopyOnWriteArrayList<>();

    /** SAML single logout, SOAP binding: Relais says the user's session ended. */
    @PostMapping(value = "/slo", consumes = "text/xml")
    @org.springframework.web.bind.annotation.ResponseBody
    public org.springframework.http.ResponseEntity<String> slo(@PathVariable String publisher,
                                                               @org.springframework.web.bind.annotation.RequestBody String soap) {
        try {
            String xml = soap.replaceAll("(?s)^.*<soap11:Body>(.*)</soap11:Body>.*$", "$1");
            var request = (org.opensaml.saml.saml2.core.LogoutRequest) OpenSaml.parse(xml.getBytes(StandardCharsets.UTF_8));
            new SAMLSignatureProfileValidator().validate(request.getSignature());
            SignatureValidator.validate(request.getSignature(), new BasicX509Credential(idpCertificate()));
            logouts.add(new String[] {publisher, request.getNameID().getValue(),
                    request.getSessionIndexes().get(0).getValue()});
            return org.springframework.http.ResponseEntity.ok("ok");
        } catch (Exception e) {
            return org.springframework.http.ResponseEntity.badRequest().body(e.getMessage());
        }
    }

    private X509Certificate idpCertificate() throws Exception {
        String metadata = http.send(HttpRequest.newBuilder(URI.create(metadataUrl)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String b64 = metadata.replaceAll("(?s).*<ds:X509Certificate>([^<]+)</ds:X509Certificate>.*", "$1");
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Base64.getMimeDecoder().decode(b64.getBytes(StandardCharsets.US_ASCII))));
    }
}
