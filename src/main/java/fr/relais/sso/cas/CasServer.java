package fr.relais.sso.cas;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.sso.IdentityResolver;
import fr.relais.sso.LoginRequests;
import fr.relais.sso.ReleasePolicy;
import fr.relais.sso.SsoFlow;
import fr.relais.sso.SsoPerson;
import fr.relais.sso.SsoSessions;

/**
 * Relais as a CAS 3.0 server to the tools of a school, at the paths any CAS client expects with
 * {@code casServerUrlPrefix = <relais>/cas}.
 */
@Controller
@RequestMapping("/cas")
public class CasServer {

    private static final Logger log = LoggerFactory.getLogger(CasServer.class);

    private final CasServices services;
    private final ServiceTickets tickets;
    private final SsoSessions sessions;
    private final LoginRequests requests;
    private final IdentityResolver resolver;
    private final ReleasePolicy release;
    private final ConnectorRegistry registry;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final fr.relais.audit.AuditTrail audit;
    private final ProxyGrantingTickets pgts;
    private final fr.relais.sso.BrowserBinding binding;
    private final fr.relais.sso.saml.SamlLogout samlLogout;
    private final fr.relais.licence.EntitlementDecisions decisions;
    private final fr.relais.sso.EntLogout entLogout;

    public CasServer(CasServices services, ServiceTickets tickets, SsoSessions sessions, LoginRequests requests,
                     IdentityResolver resolver, ReleasePolicy release, ConnectorRegistry registry,
                     fr.relais.audit.AuditTrail audit, ProxyGrantingTickets pgts, fr.relais.sso.BrowserBinding binding,
                     fr.relais.sso.saml.SamlLogout samlLogout, fr.relais.licence.EntitlementDecisions decisions,
                     fr.relais.sso.EntLogout entLogout) {
        this.audit = audit;
        this.pgts = pgts;
        this.binding = binding;
        this.samlLogout = samlLogout;
        this.decisions = decisions;
        this.entLogout = entLogout;
        this.services = services;
        this.tickets = tickets;
        this.sessions = sessions;
        this.requests = requests;
        this.resolver = resolver;
        this.release = release;
        this.registry = registry;
    }

    @GetMapping("/login")
    public String login(@RequestParam(required = false) String service,
                        @RequestParam(defaultValue = "false") boolean renew,
                        @RequestParam(defaultValue = "false") boolean gateway,
                        @RequestParam(required = false) String ent, @RequestParam(required = false) String uai,
                        HttpServletRequest request, HttpServletResponse response, Model model) {
        Optional<Connector> target = Optional.empty();
        if (service != null) {
            CasServices.Resolution resolution = services.resolve(service);
            if (resolution instanceof CasServices.Refused refused) {
                log.warn("CAS login refusé : {}", refused.reason());
                audit.record("cas.login.refused", "navigateur", null, null, null, fr.relais.audit.AuditTrail.Outcome.REFUSED,
                        refused.reason());
                response.setStatus(HttpStatus.BAD_REQUEST.value());
                model.addAttribute("title", "Service non autorisé");
                model.addAttribute("message", switch (refused.refusal()) {
                    case UNREGISTERED -> "L'application qui vous a envoyé ici n'est pas déclarée auprès de Relais : "
                            + "aucune connexion ne lui est transmise. Prévenez l'administrateur de votre ENT ou de l'application.";
                    case AMBIGUOUS_PATH -> "L'adresse de l'application qui vous a envoyé ici contient un segment de chemin "
                            + "encodé (%2e, %2f, %5c) ou une barre oblique inverse : elle pourrait désigner une autre page que "
                            + "celle déclarée auprès de Relais, aucune connexion ne lui est transmise. Prévenez "
                            + "l'administrateur de l'application.";
                });
                return "sso-error";
            }
            CasServices.Found found = (CasServices.Found) resolution;
            target = Optional.of(found.connector());
            // from here on, the service is the normalised URL: tickets are bound to it, the browser goes there
            service = found.url();
        }
        Optional<SsoSessions.SsoSession> session = sessions.current(request);
        if (session.isPresent() && !renew) {
            if (target.isEmpty()) {
                return "redirect:/sso/portail";
            }
            if (target.get().is(fr.relais.connector.ConnectorKind.PUBLISHER)) {
                // a publisher's resource: the same decision as a SAML launch, before any ticket
                Optional<SsoPerson> person = resolver.current(session.get().personId());
                String school = uai != null ? uai : person.map(p -> p.schools().isEmpty() ? null : p.schools().get(0)).orElse(null);
                fr.relais.licence.EntitlementDecision d = person.isEmpty()
                        ? new fr.relais.licence.EntitlementDecision.Denied(fr.relais.licence.EntitlementDecision.Reason.NOT_IN_SCHOOL,
                                "Votre compte n'est pas connu de l'annuaire de votre établissement.")
                        : decisions.decide(resolver.requester(session.get(), person.get()), school,
                                target.get().id(), null, java.time.Instant.now());
                if (d instanceof fr.relais.licence.EntitlementDecision.Denied denied) {
                    response.setStatus(HttpStatus.FORBIDDEN.value());
                    model.addAttribute("title", "Accès refusé");
                    model.addAttribute("message", denied.message());
                    return "sso-error";
                }
            }
            String ticket = tickets.issue(session.get().id(), service, target.get().id(), false);
            return "redirect:" + SsoFlow.withTicket(service, ticket);
        }
        if (gateway && target.isPresent()) {
            return "redirect:" + service;
        }
        LoginRequests.LoginRequest pending = requests.create(service, renew, binding.bind(request, response));
        StringBuilder next = new StringBuilder("/sso/login?request=").append(pending.id());
        if (ent != null) {
            next.append("&ent=").append(URLEncoder.encode(ent, StandardCharsets.UTF_8));
        }
        if (uai != null) {
            next.append("&uai=").append(URLEncoder.encode(uai, StandardCharsets.UTF_8));
        }
        return "redirect:" + next;
    }

    @GetMapping(value = "/validate", produces = MediaType.TEXT_PLAIN_VALUE)
    @ResponseBody
    public String validate(@RequestParam(required = false) String service, @RequestParam(required = false) String ticket,
                           @RequestParam(defaultValue = "false") boolean renew) {
        if (tickets.validate(ticket, service, renew) instanceof ServiceTickets.Valid valid) {
            Optional<SsoPerson> person = person(valid);
            Optional<Connector> receiver = registry.find(valid.connectorId());
            if (person.isPresent()) {
                return "yes\n" + (receiver.isPresent() && receiver.get().is(fr.relais.connector.ConnectorKind.PUBLISHER)
                        ? release.pairwiseId(receiver.get(), person.get()) : person.get().id()) + "\n";
            }
        }
        return "no\n\n";
    }

    @GetMapping("/serviceValidate")
    public ResponseEntity<String> serviceValidate(@RequestParam(required = false) String service,
                                                  @RequestParam(required = false) String ticket,
                                                  @RequestParam(required = false) String pgtUrl,
                                                  @RequestParam(defaultValue = "false") boolean renew,
                                                  @RequestParam(required = false) String format) {
        return answer(service, ticket, pgtUrl, renew, "JSON".equalsIgnoreCase(format), false, false);
    }

    @GetMapping("/proxyValidate")
    public ResponseEntity<String> proxyValidate(@RequestParam(required = false) String service,
                                                @RequestParam(required = false) String ticket,
                                                @RequestParam(required = false) String pgtUrl,
                                                @RequestParam(defaultValue = "false") boolean renew,
                                                @RequestParam(required = false) String format) {
        return answer(service, ticket, pgtUrl, renew, "JSON".equalsIgnoreCase(format), false, true);
    }

    @GetMapping("/p3/serviceValidate")
    public ResponseEntity<String> p3ServiceValidate(@RequestParam(required = false) String service,
                                                    @RequestParam(required = false) String ticket,
                                                    @RequestParam(required = false) String pgtUrl,
                                                    @RequestParam(defaultValue = "false") boolean renew,
                                                    @RequestParam(required = false) String format) {
        return answer(service, ticket, pgtUrl, renew, "JSON".equalsIgnoreCase(format), true, false);
    }

    @GetMapping("/p3/proxyValidate")
    public ResponseEntity<String> p3ProxyValidate(@RequestParam(required = false) String service,
                                                  @RequestParam(required = false) String ticket,
                                                  @RequestParam(required = false) String pgtUrl,
                                                  @RequestParam(defaultValue = "false") boolean renew,
                                                  @RequestParam(required = false) String format) {
        return answer(service, ticket, pgtUrl, renew, "JSON".equalsIgnoreCase(format), true, true);
    }

    /** A proxy (a portal holding a PGT) asks for a ticket to another registered service on the user's behalf. */
    @GetMapping("/proxy")
    public ResponseEntity<String> proxy(@RequestParam(required = false) String pgt,
                                        @RequestParam(required = false) String targetService,
                                        @RequestParam(required = false) String format) {
        boolean json = "JSON".equalsIgnoreCase(format);
        if (pgt == null || targetService == null) {
            return CasResponses.failure("proxyFailure", "INVALID_REQUEST", "les paramètres 'pgt' et 'targetService' "
                    + "sont obligatoires", json);
        }
        Optional<ProxyGrantingTickets.Granting> granting = pgts.find(pgt);
        if (granting.isEmpty()) {
            return CasResponses.failure("proxyFailure", "INVALID_TICKET", "ticket '" + pgt.substring(0, Math.min(40,
                    pgt.length())) + "' inconnu, expiré, ou sa session est terminée", json);
        }
        CasServices.Resolution resolution = services.resolve(targetService);
        if (resolution instanceof CasServices.Refused refused) {
            return CasResponses.failure("proxyFailure", "UNAUTHORIZED_SERVICE", refused.reason(), json);
        }
        CasServices.Found target = (CasServices.Found) resolution;
        if (!ProxyGrantingTickets.mayProxyTo(granting.get().connectorId(), target.connector())) {
            audit.record("cas.proxy.refused", granting.get().connectorId(), null, null, target.connector().id(),
                    fr.relais.audit.AuditTrail.Outcome.REFUSED, "proxy non autorisé pour ce service");
            return CasResponses.failure("proxyFailure", "UNAUTHORIZED_SERVICE_PROXY", "le service "
                    + target.connector().id() + " n'accepte pas de tickets de proxy de " + granting.get().connectorId(), json);
        }
        String pt = tickets.issueProxy(granting.get().sessionId(), target.url(), target.connector().id(), granting.get().pgtUrl());
        return CasResponses.proxySuccess(pt, json);
    }

    private ResponseEntity<String> answer(String service, String ticket, String pgtUrl, boolean renew, boolean json,
                                          boolean attributes, boolean proxiesAccepted) {
        ServiceTickets.Validation validation = tickets.validate(ticket, service, renew, proxiesAccepted);
        if (validation instanceof ServiceTickets.Invalid invalid) {
            log.warn("Validation CAS refusée ({}) : {}", invalid.code(), invalid.description());
            audit.record("cas.validation.refused", "service " + service, null, null, null,
                    fr.relais.audit.AuditTrail.Outcome.REFUSED, invalid.code() + " : " + invalid.description());
            return CasResponses.failure(invalid.code(), invalid.description(), json);
        }
        ServiceTickets.Valid valid = (ServiceTickets.Valid) validation;
        String iou = null;
        if (pgtUrl != null) {
            Optional<Connector> requester = registry.find(valid.connectorId());
            if (!pgtUrl.startsWith("https://") || requester.isEmpty()
                    || !ProxyGrantingTickets.callbackAllowed(requester.get(), pgtUrl)) {
                return CasResponses.failure("INVALID_PROXY_CALLBACK", "l'URL de rappel du proxy doit être en https "
                        + "et déclarée pour ce service (sso.outbound.proxyCallbackPatterns) : " + pgtUrl, json);
            }
            iou = pgts.grant(valid.sessionId(), valid.connectorId(), pgtUrl).orElse(null);
        }
        Optional<SsoPerson> person = person(valid);
        if (person.isEmpty()) {
            return CasResponses.failure("INVALID_TICKET", "la personne de cette session n'existe plus", json);
        }
        Map<String, List<String>> released = null;
        Optional<Connector> receiver = registry.find(valid.connectorId());
        boolean publisher = receiver.map(c -> c.is(fr.relais.connector.ConnectorKind.PUBLISHER)).orElse(false);
        if (attributes) {
            released = receiver.map(c -> release.release(c, person.get())).orElse(new LinkedHashMap<>());
        }
        // a publisher knows the person only by its pairwise pseudonym
        String user = publisher ? release.pairwiseId(receiver.get(), person.get()) : person.get().id();
        if (publisher) {
            decisions.released(receiver.get().id(), user, person.get().id());
        }
        audit.record("cas.ticket.validated", "service " + valid.connectorId(), person.get().id(),
                released == null ? "identifiant" : String.join(",", released.keySet()), valid.connectorId(),
                fr.relais.audit.AuditTrail.Outcome.ALLOWED, null);
        return CasResponses.success(user, released, iou, valid.proxiedBy(), json);
    }

    private Optional<SsoPerson> person(ServiceTickets.Valid valid) {
        return resolver.current(valid.personId());
    }

    /**
     * Ends Relais' session and the tools' (back-channel), then sends the browser to the ENT's own logout, which
     * comes back to the "déconnecté" page or to {@code service} when it is a registered service.
     */
    @GetMapping("/logout")
    public String logout(@RequestParam(required = false) String service, HttpServletRequest request,
                         HttpServletResponse response) {
        Optional<SsoSessions.SsoSession> session = sessions.current(request);
        session.ifPresent(s -> {
            sessions.end(s.id());
            singleLogout(s.id());
            audit.record("sso.logout", "navigateur", s.personId(), null, null, fr.relais.audit.AuditTrail.Outcome.DONE,
                    "déconnexion demandée à Relais ; fin de session demandée à " + s.sourceConnector());
        });
        sessions.clearCookie(response);
        return "redirect:" + entLogout.after(session, service);
    }

    /** Back-channel single logout: a SAML LogoutRequest POSTed to every service that got a ticket in the session. */
    public void singleLogout(String sessionId) {
        samlLogout.notifyPublishers(sessionId);
        Map<String, String> seen = new LinkedHashMap<>();
        for (String[] issued : tickets.issuedIn(sessionId)) {
            seen.put(issued[0], issued[1]);
        }
        seen.forEach((service, ticket) -> {
            String body = "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                    + "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" + fr.relais.platform.Tokens.random("LR-")
                    + "\" Version=\"2.0\" IssueInstant=\"" + Instant.now() + "\"><saml:NameID>@NOT_USED@</saml:NameID>"
                    + "<samlp:SessionIndex>" + ticket + "</samlp:SessionIndex></samlp:LogoutRequest>";
            HttpRequest post = HttpRequest.newBuilder(URI.create(service)).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("logoutRequest="
                            + URLEncoder.encode(body, StandardCharsets.UTF_8))).build();
            CompletableFuture<HttpResponse<Void>> sent = http.sendAsync(post, HttpResponse.BodyHandlers.discarding());
            sent.whenComplete((r, e) -> {
                if (e != null) {
                    log.warn("Déconnexion unique : {} injoignable ({})", service, e.toString());
                } else {
                    log.info("Déconnexion unique envoyée à {} : HTTP {}", service, r.statusCode());
                }
            });
        });
    }
}
