package fr.relais.sso;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.sso.cas.CasServices;
import fr.relais.sso.cas.ServiceTickets;

/** What happens once an identity source has vouched for the user: the session, then back where they wanted to go. */
@Component
public class SsoFlow {

    private static final Logger log = LoggerFactory.getLogger(SsoFlow.class);

    private final IdentityResolver resolver;
    private final SsoSessions sessions;
    private final LoginRequests requests;
    private final ServiceTickets tickets;
    private final CasServices services;
    private final ConnectorRegistry registry;
    private final fr.relais.audit.AuditTrail audit;

    public SsoFlow(IdentityResolver resolver, SsoSessions sessions, LoginRequests requests, ServiceTickets tickets,
                   CasServices services, ConnectorRegistry registry, fr.relais.audit.AuditTrail audit) {
        this.audit = audit;
        this.resolver = resolver;
        this.sessions = sessions;
        this.requests = requests;
        this.tickets = tickets;
        this.services = services;
        this.registry = registry;
    }

    /** @return the URL to send the browser to */
    public String authenticated(Connector source, Identity identity, LoginRequests.LoginRequest request,
                                HttpServletResponse response) {
        return authenticated(source, identity, request, EntLogin.of(null), response);
    }

    /**
     * @param ent what the ENT said about the authentication; when the request asked for a renewed one, the caller
     *            has checked that the ENT did it, so that the session and its tickets may say so
     */
    public String authenticated(Connector source, Identity identity, LoginRequests.LoginRequest request,
                                EntLogin ent, HttpServletResponse response) {
        SsoPerson person = resolver.resolve(source, identity);
        SsoSessions.SsoSession session = sessions.start(person, identity, request.renew(), ent, response);
        log.info("Connexion SSO de {} par {} (sujet {})", person.id(), source.id(), identity.subject());
        audit.record("sso.login", source.id(), person.id(), "identité", null, fr.relais.audit.AuditTrail.Outcome.DONE,
                "sujet " + identity.subject() + (person.unlinked() ? ", personne créée à la volée" : ""));
        if (request.service() == null) {
            return "/sso/portail";
        }
        if (request.service().startsWith(fr.relais.sso.saml.SamlIdpController.CONTINUE)) {
            // a publisher's request waiting for this login (SAML IdP)
            return request.service();
        }
        Optional<CasServices.Found> target = services.match(request.service());
        if (target.isEmpty()) {
            return "/sso/portail";
        }
        if (target.get().connector().is(fr.relais.connector.ConnectorKind.PUBLISHER)) {
            // a publisher's resource needs its entitlement decision: /cas/login makes it, now with a session
            return "/cas/login?service=" + java.net.URLEncoder.encode(target.get().url(), StandardCharsets.UTF_8);
        }
        return withTicket(target.get().url(), tickets.issue(session.id(), target.get().url(),
                target.get().connector().id(), request.renew()));
    }

    public Optional<Connector> source(String connectorId) {
        return registry.find(connectorId).filter(c -> c.can(fr.relais.connector.Capability.SSO_INBOUND));
    }

    public static String withTicket(String service, String ticket) {
        int hash = service.indexOf('#');
        String base = hash >= 0 ? service.substring(0, hash) : service;
        String fragment = hash >= 0 ? service.substring(hash) : "";
        return base + (base.contains("?") ? "&" : "?") + "ticket=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8)
                + fragment;
    }
}
