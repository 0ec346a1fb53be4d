package fr.relais.sso.saml;

import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

import fr.relais.sso.LoginRequests;
import fr.relais.sso.SsoFlow;

/** Relais' SAML service provider endpoints: its metadata and the assertion consumer service. */
@Controller
public class SamlSpController {

    private static final Logger log = LoggerFactory.getLogger(SamlSpController.class);

    private final SamlServiceProvider sp;
    private final LoginRequests logins;
    private final SsoFlow flow;
    private final fr.relais.audit.AuditTrail audit;
    private final SigningKeys keys;
    private final SamlLogout logout;
    private final fr.relais.sso.BrowserBinding binding;
    private final fr.relais.sso.SsoSessions sessions;
    private final fr.relais.sso.cas.CasServer casServer;

    public SamlSpController(SamlServiceProvider sp, LoginRequests logins, SsoFlow flow, fr.relais.audit.AuditTrail audit,
                            SigningKeys keys, SamlLogout logout, fr.relais.sso.BrowserBinding binding,
                            fr.relais.sso.SsoSessions sessions, fr.relais.sso.cas.CasServer casServer) {
        this.audit = audit;
        this.keys = keys;
        this.logout = logout;
        this.binding = binding;
        this.sessions = sessions;
        this.casServer = casServer;
        this.sp = sp;
        this.logins = logins;
        this.flow = flow;
    }

    @GetMapping("/saml/sp/metadata")
    public ResponseEntity<String> metadata() {
        String xml = "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
                + "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" + sp.entityId()
                + "\">\n  <md:SPSSODescriptor AuthnRequestsSigned=\"true\" WantAssertionsSigned=\"true\" "
                + "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
                + OpenSaml.keyDescriptors(keys, "signing") + OpenSaml.keyDescriptors(keys, "encryption")
                + "    <md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\""
                + sp.acsUrl() + "\" index=\"0\"/>\n"
                + "    <md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\""
                + sp.entityId() + "/slo\"/>\n  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n";
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("application/samlmetadata+xml")).body(xml);
    }

    /** Back-channel logout from a SAML identity source: a LogoutRequest it signed (HTTP-POST or SOAP body). */
    @PostMapping("/saml/sp/slo")
    @org.springframework.web.bind.annotation.ResponseBody
    public ResponseEntity<String> slo(@RequestParam(name = "SAMLRequest", required = false) String samlRequest) {
        if (samlRequest == null) {
            return ResponseEntity.badRequest().body("SAMLRequest attendu");
        }
        try {
            java.util.List<String> ended = logout.fromIdentitySource(java.util.Base64.getMimeDecoder().decode(samlRequest));
            for (String session : ended) {
                sessions.end(session);
                casServer.singleLogout(session);
                audit.record("sso.logout", "fournisseur d'identité SAML", null, null, null,
                        fr.relais.audit.AuditTrail.Outcome.DONE, "déconnexion signalée par l'ENT (SAML)");
            }
            return ResponseEntity.ok(ended.size() + " session(s) terminée(s)");
        } catch (OpenSaml.SamlException | IllegalArgumentException e) {
            audit.record("saml.logout.refused", "fournisseur d'identité SAML", null, null, null,
                    fr.relais.audit.AuditTrail.Outcome.REFUSED, e.getMessage());
            return ResponseEntity.badRequest().body(e.getMessage());
        }
    }

    /**
     * Front-channel logout, HTTP-Redirect: the identity source's LogoutResponse to Relais' own LogoutRequest (the
     * browser then reaches the "déconnecté" page or the tool that asked), or its LogoutRequest when the user
     * logged out at the ENT (Relais ends the sessions, tells the tools, and answers with a LogoutResponse).
     */
    @GetMapping("/saml/sp/slo")
    public String frontChannelLogout(jakarta.servlet.http.HttpServletRequest http, HttpServletResponse response,
                                     Model model) {
        try {
            SamlLogout.FrontChannel message = logout.fromIdentitySourceRedirect(http.getQueryString());
            if (message instanceof SamlLogout.IdpLoggedOut done) {
                if (!done.success()) {
                    log.warn("Déconnexion SAML : l'ENT répond {} à la demande de Relais", done.status());
                }
                return "redirect:" + fr.relais.sso.EntLogout.landing(done.success() ? "ok" : "incomplet",
                        done.relayState());
            }
            SamlLogout.IdpAsksLogout asked = (SamlLogout.IdpAsksLogout) message;
            for (String session : asked.sessions()) {
                sessions.end(session);
                casServer.singleLogout(session);
                audit.record("sso.logout", asked.idpId(), null, null, null, fr.relais.audit.AuditTrail.Outcome.DONE,
                        "déconnexion demandée par l'ENT (SAML, navigateur)");
            }
            sessions.clearCookie(response);
            return "redirect:" + asked.responseUrl();
        } catch (OpenSaml.SamlException e) {
            log.warn("Déconnexion SAML refusée : {}", e.getMessage());
            audit.record("saml.logout.refused", "fournisseur d'identité SAML", null, null, null,
                    fr.relais.audit.AuditTrail.Outcome.REFUSED, e.getMessage());
            response.setStatus(HttpStatus.BAD_REQUEST.value());
            model.addAttribute("title", "Déconnexion refusée");
            model.addAttribute("message", "Le message de déconnexion de votre ENT a été refusé (" + e.getMessage()
                    + "). Fermez votre navigateur si l'ordinateur est partagé.");
            return "sso-error";
        }
    }

    @PostMapping("/saml/sp/acs")
    public String acs(@RequestParam(name = "SAMLResponse", required = false) String samlResponse,
                      jakarta.servlet.http.HttpServletRequest http, HttpServletResponse response, Model model) {
        try {
            SamlServiceProvider.Accepted accepted = sp.accept(samlResponse);
            var pending = logins.pending(accepted.loginRequestId());
            if (pending.isPresent() && !binding.matches(http, pending.get().browser())) {
                throw new OpenSaml.SamlException("réponse reçue dans un autre navigateur que celui de la connexion");
            }
            if (pending.isEmpty() || !logins.consume(accepted.loginRequestId())) {
                throw new OpenSaml.SamlException("la demande de connexion a expiré");
            }
            if (pending.get().renew()) {
                // ForceAuthn was sent: the ENT's AuthnInstant must come after it
                var stale = accepted.login().notFreshFor(accepted.requestedAt());
                if (stale.isPresent()) {
                    throw new OpenSaml.SamlException(stale.get());
                }
            }
            return "redirect:" + flow.authenticated(accepted.source(), accepted.identity(), pending.get(),
                    accepted.login(), response);
        } catch (OpenSaml.SamlException e) {
            log.warn("Réponse SAML refusée : {}", e.getMessage());
            audit.record("saml.response.refused", "fournisseur d'identité", null, null, null,
                    fr.relais.audit.AuditTrail.Outcome.REFUSED, e.getMessage());
            response.setStatus(HttpStatus.UNAUTHORIZED.value());
            model.addAttribute("title", "Connexion refusée");
            model.addAttribute("message", "La réponse de votre ENT a été refusée (" + e.getMessage()
                    + "). Recommencez depuis l'application ; si cela se répète, prévenez l'administrateur de l'ENT.");
            return "sso-error";
        }
    }
}
