package fr.relais.sso.saml;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.opensaml.core.xml.XMLObject;
import org.opensaml.saml.saml2.core.AuthnRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;

import fr.relais.connector.Capability;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.licence.EntitlementDecision;
import fr.relais.licence.EntitlementDecisions;
import fr.relais.sso.IdentityResolver;
import fr.relais.sso.LoginRequests;
import fr.relais.sso.ReleasePolicy;
import fr.relais.sso.SsoPerson;
import fr.relais.sso.SsoProperties;
import fr.relais.sso.SsoSessions;

/**
 * Relais as a SAML 2.0 identity provider to publishers: metadata, SP-initiated SSO (HTTP-Redirect and
 * HTTP-POST AuthnRequests) and the IdP-initiated launch link the ENT's médiacentre uses, GAR style. Every
 * assertion is preceded by an entitlement decision.
 */
@Controller
public class SamlIdpController {

    private static final Logger log = LoggerFactory.getLogger(SamlIdpController.class);

    private final ConnectorRegistry registry;
    private final SamlIdpRequests pending;
    private final LoginRequests logins;
    private final SsoSessions sessions;
    private final IdentityResolver resolver;
    private final EntitlementDecisions decisions;
    private final ReleasePolicy release;
    private final AssertionIssuer issuer;
    private final SigningKeys keys;
    private final SsoProperties properties;
    private final fr.relais.audit.AuditTrail audit;
    private final fr.relais.sso.BrowserBinding binding;

    public SamlIdpController(fr.relais.audit.AuditTrail audit, ConnectorRegistry registry, SamlIdpRequests pending, LoginRequests logins,
                             SsoSessions sessions, IdentityResolver resolver, EntitlementDecisions decisions,
                             ReleasePolicy release, AssertionIssuer issuer, SigningKeys keys, SsoProperties properties,
                             fr.relais.sso.BrowserBinding binding) {
        this.audit = audit;
        this.binding = binding;
        this.registry = registry;
        this.pending = pending;
        this.logins = logins;
        this.sessions = sessions;
        this.resolver = resolver;
        this.decisions = decisions;
        this.release = release;
        this.issuer = issuer;
        this.keys = keys;
        this.properties = properties;
    }

    @GetMapping(value = "/saml/idp/metadata", produces = "application/samlmetadata+xml")
    public ResponseEntity<String> metadata() {
        String sso = properties.baseUrl() + "/saml/idp/sso";
        String xml = "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
                + "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" + escape(properties.idpEntityId()) + "\">\n"
                + "  <md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\" "
                + "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
                + OpenSaml.keyDescriptors(keys, "signing")
                + "    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>\n"
                + "    <md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\""
                + escape(sso) + "\"/>\n"
                + "    <md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\""
                + escape(sso) + "\"/>\n"
                + "  </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n";
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("application/samlmetadata+xml")).body(xml);
    }

    /** SP-initiated: an AuthnRequest from a registered publisher, by HTTP-Redirect (GET) or HTTP-POST. */
    @RequestMapping(value = "/saml/idp/sso", method = {RequestMethod.GET, RequestMethod.POST})
    public String sso(@RequestParam(name = "SAMLRequest", required = false) String samlRequest,
                      @RequestParam(name = "RelayState", required = false) String relayState,
                      HttpServletRequest http, HttpServletResponse response, Model model) {
        if (samlRequest == null) {
            return error(response, model, HttpStatus.BAD_REQUEST, "Demande incomplète",
                    "Aucune demande SAML (paramètre SAMLRequest) n'accompagne ce lien.");
        }
        AuthnRequest request;
        try {
            byte[] xml = "GET".equals(http.getMethod()) ? OpenSaml.inflate(samlRequest)
                    : Base64.getMimeDecoder().decode(samlRequest);
            XMLObject parsed = OpenSaml.parse(xml);
            if (!(parsed instanceof AuthnRequest authn)) {
                throw new OpenSaml.SamlException("une AuthnRequest était attendue");
            }
            request = authn;
        } catch (OpenSaml.SamlException | IllegalArgumentException e) {
            log.warn("AuthnRequest refusée : {}", e.getMessage());
            return error(response, model, HttpStatus.BAD_REQUEST, "Demande refusée",
                    "La demande de connexion de l'éditeur est illisible : " + e.getMessage());
        }
        String issuerId = request.getIssuer() == null ? null : request.getIssuer().getValue();
        Optional<Connector> publisher = publisherByEntityId(issuerId);
        if (publisher.isEmpty()) {
            log.warn("AuthnRequest d'un fournisseur inconnu : {}", issuerId);
            return error(response, model, HttpStatus.BAD_REQUEST, "Éditeur inconnu",
                    "Cette plateforme n'est pas déclarée auprès de Relais : aucune information ne lui est transmise.");
        }
        String acs = acsUrl(publisher.get());
        if (request.getAssertionConsumerServiceURL() != null && !acs.equals(request.getAssertionConsumerServiceURL())) {
            log.warn("AuthnRequest de {} : ACS {} différente de l'adresse déclarée", issuerId,
                    request.getAssertionConsumerServiceURL());
            return error(response, model, HttpStatus.BAD_REQUEST, "Adresse de retour refusée",
                    "L'adresse de retour demandée par l'éditeur n'est pas celle qu'il a déclarée.");
        }
        String id = request.getID();
        if (id == null || id.isBlank() || id.length() > SamlIdpRequests.MAX_REQUEST_ID) {
            log.warn("AuthnRequest de {} refusée : identifiant (ID) absent ou de plus de {} caractères", issuerId,
                    SamlIdpRequests.MAX_REQUEST_ID);
            return error(response, model, HttpStatus.BAD_REQUEST, "Demande refusée",
                    "La demande de connexion de l'éditeur n'a pas d'identifiant (ID) valable : relancez la ressource "
                            + "depuis le site de l'éditeur ; si cela se répète, prévenez l'éditeur.");
        }
        if (!pending.firstReceipt(publisher.get().id(), id)) {
            log.warn("AuthnRequest {} de {} déjà reçue : rejeu refusé", id, issuerId);
            audit.record("saml.authnrequest.replayed", publisher.get().id(), null, null, publisher.get().id(),
                    fr.relais.audit.AuditTrail.Outcome.REFUSED, "AuthnRequest " + id + " déjà reçue");
            return error(response, model, HttpStatus.BAD_REQUEST, "Demande déjà reçue",
                    "Cette demande de connexion de l'éditeur a déjà été reçue par Relais et ne sert qu'une fois : "
                            + "relancez la ressource depuis le site de l'éditeur.");
        }
        boolean force = Boolean.TRUE.equals(request.isForceAuthn());
        SamlIdpRequests.Pending p = pending.create(publisher.get().id(), acs, id, relayState, null, null,
                force);
        return continueOrLogin(p, http, response, null);
    }

    /** IdP-initiated, GAR style: the médiacentre's link to a resource of a publisher, for a school. */
    @GetMapping("/launch/{publisherId}")
    public String launch(@PathVariable String publisherId, @RequestParam(required = false) String resource,
                         @RequestParam(required = false) String uai, HttpServletRequest http,
                         HttpServletResponse response, Model model) {
        Optional<Connector> publisher = registry.find(publisherId).filter(c -> c.can(Capability.SSO_OUTBOUND))
                .filter(c -> c.is(fr.relais.connector.ConnectorKind.PUBLISHER))
                .filter(c -> "saml2".equals(c.descriptor().path("sso").path("outbound").path("protocol").asText()));
        if (publisher.isEmpty()) {
            return error(response, model, HttpStatus.NOT_FOUND, "Ressource inconnue",
                    "Cet éditeur n'est pas déclaré auprès de Relais.");
        }
        if (uai != null && !uai.matches("\\d{7}[A-Z]")) {
            return error(response, model, HttpStatus.BAD_REQUEST, "Lien incorrect",
                    "Le code établissement (UAI) du lien est mal formé : " + uai);
        }
        SamlIdpRequests.Pending p = pending.create(publisherId, acsUrl(publisher.get()), null, resource, resource, uai);
        return continueOrLogin(p, http, response, uai);
    }

    private String continueOrLogin(SamlIdpRequests.Pending p, HttpServletRequest http, HttpServletResponse response,
                                   String uai) {
        String next = CONTINUE + p.id();
        Optional<SsoSessions.SsoSession> current = sessions.current(http);
        if (current.filter(s -> fresh(s, p)).isPresent()) {
            return "redirect:" + next;
        }
        // ForceAuthn goes to the ENT as a renewed login (CAS renew, SAML ForceAuthn, OpenID Connect prompt=login),
        // the ENT of the open session when there is one: the same person types their password again
        LoginRequests.LoginRequest login = logins.create(next, p.forceAuthn(), binding.bind(http, response));
        return "redirect:/sso/login?request=" + login.id() + (uai == null ? "" : "&uai=" + uai)
                + current.map(s -> "&ent=" + java.net.URLEncoder.encode(s.sourceConnector(),
                        java.nio.charset.StandardCharsets.UTF_8)).orElse("");
    }

    /** After login: decide, then post the signed assertion to the publisher, or say why not. */
    /** Where a publisher's login resumes once the user is authenticated, followed by the request's id. */
    public static final String CONTINUE = "/saml/idp/continue?request=";

    @GetMapping("/saml/idp/continue")
    public String resume(@RequestParam(required = false) String request, HttpServletRequest http,
                         HttpServletResponse response, Model model) {
        Optional<SsoSessions.SsoSession> session = sessions.current(http);
        if (session.isEmpty()) {
            return "redirect:/sso/login";
        }
        Optional<SamlIdpRequests.Pending> waiting = pending.peek(request);
        if (waiting.isPresent() && !fresh(session.get(), waiting.get())) {
            // a session older than the publisher's ForceAuthn does not answer it, whoever reaches this link
            return continueOrLogin(waiting.get(), http, response, waiting.get().uai());
        }
        Optional<SamlIdpRequests.Pending> p = pending.consume(request);
        Optional<SsoPerson> person = resolver.current(session.get().personId());
        if (p.isEmpty() || person.isEmpty()) {
            return error(response, model, HttpStatus.BAD_REQUEST, "Lien expiré",
                    "Cette demande d'accès a expiré ou a déjà servi : relancez la ressource depuis votre ENT.");
        }
        Connector publisher = registry.find(p.get().publisherId()).orElseThrow();
        String uai = p.get().uai() != null ? p.get().uai()
                : person.get().schools().isEmpty() ? null : person.get().schools().get(0);
        EntitlementDecision decision = decisions.decide(resolver.requester(session.get(), person.get()), uai,
                publisher.id(), p.get().resourceId(), Instant.now());
        if (decision instanceof EntitlementDecision.Denied denied) {
            log.info("Accès refusé à {} pour {} ({}) : {}", publisher.id(), person.get().id(), uai, denied.reason());
            response.setStatus(HttpStatus.FORBIDDEN.value());
            model.addAttribute("title", "Accès refusé");
            model.addAttribute("message", denied.message());
            return "sso-error";
        }
        Map<String, List<String>> attributes = release.release(publisher, person.get(), uai);
        AssertionIssuer.Issued issued = issuer.issue(publisher.descriptor().path("sso").path("outbound").path("entityId").asText(),
                p.get().acsUrl(), p.get().inResponseTo(), release.pairwiseId(publisher, person.get()), attributes,
                session.get().authenticatedAt());
        pending.recordIssued(issued.assertionId(), session.get().id(), p.get());
        decisions.released(publisher.id(), release.pairwiseId(publisher, person.get()), person.get().id());
        audit.record("saml.assertion.issued", "relais", person.get().id(), String.join(",", attributes.keySet()),
                publisher.id(), fr.relais.audit.AuditTrail.Outcome.ALLOWED, "assertion " + issued.assertionId() + " ; UAI " + uai
                        + " ; ressource " + p.get().resourceId());
        model.addAttribute("action", p.get().acsUrl());
        model.addAttribute("samlResponse", OpenSaml.base64(issued.responseXml()));
        model.addAttribute("relayState", p.get().relayState());
        model.addAttribute("publisher", publisher.name());
        return "saml-post";
    }

    /** A session answers a ForceAuthn request only if the ENT authenticated the user after that request. */
    private static boolean fresh(SsoSessions.SsoSession session, SamlIdpRequests.Pending p) {
        return !p.forceAuthn() || (session.renewed()
                && !session.authenticatedAt().isBefore(p.createdAt().minus(fr.relais.sso.EntLogin.FRESH_SKEW)));
    }

    private Optional<Connector> publisherByEntityId(String entityId) {
        if (entityId == null) {
            return Optional.empty();
        }
        return registry.offering(Capability.SSO_OUTBOUND).stream()
                .filter(c -> "saml2".equals(c.descriptor().path("sso").path("outbound").path("protocol").asText()))
                .filter(c -> entityId.equals(c.descriptor().path("sso").path("outbound").path("entityId").asText()))
                .findFirst();
    }

    private static String acsUrl(Connector publisher) {
        return publisher.descriptor().path("sso").path("outbound").path("acsUrl").asText();
    }

    private static String error(HttpServletResponse response, Model model, HttpStatus status, String title,
                                String message) {
        response.setStatus(status.value());
        model.addAttribute("title", title);
        model.addAttribute("message", message);
        return "sso-error";
    }

    private static String escape(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).replace("&", "&amp;")
                .replace("\"", "&quot;").replace("<", "&lt;");
    }
}
