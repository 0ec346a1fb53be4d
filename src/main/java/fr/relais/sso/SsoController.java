package fr.relais.sso;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

import fr.relais.audit.AuditTrail;
import fr.relais.connector.Capability;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.directory.Directory;
import fr.relais.licence.EntitlementDecisions;
import fr.relais.sso.cas.CasServer;
import fr.relais.sso.inbound.CasIdentitySource;
import fr.relais.sso.inbound.OidcIdentitySource;
import fr.relais.sso.saml.OpenSaml;
import fr.relais.sso.saml.SamlServiceProvider;

/**
 * The user's side of single sign-on: choosing the identity source (ENT, ÉduConnect...), the round trip through
 * it, and the portal. Pages are in French.
 */
@Controller
@RequestMapping("/sso")
public class SsoController {

    static final String CHOICE_COOKIE = "RELAIS_ENT";
    /** Where a CAS ENT sends the user back, followed by the ENT's connector id. */
    public static final String CAS_CALLBACK = "/sso/cas/callback/";
    private static final Logger log = LoggerFactory.getLogger(SsoController.class);

    private final ConnectorRegistry registry;
    private final LoginRequests requests;
    private final SsoFlow flow;
    private final CasIdentitySource cas;
    private final SsoSessions sessions;
    private final IdentityResolver resolver;
    private final SsoProperties properties;
    private final SamlServiceProvider saml;
    private final OidcIdentitySource oidc;
    private final ServiceNames serviceNames;
    private final AuditTrail audit;
    private final CasServer casServer;
    private final BrowserBinding binding;
    private final EntitlementDecisions licences;
    private final Directory directory;

    public SsoController(ConnectorRegistry registry, LoginRequests requests, SsoFlow flow, CasIdentitySource cas,
                         SsoSessions sessions, IdentityResolver resolver, SsoProperties properties,
                         SamlServiceProvider saml, OidcIdentitySource oidc, ServiceNames serviceNames, AuditTrail audit,
                         CasServer casServer, BrowserBinding binding, EntitlementDecisions licences, Directory directory) {
        this.registry = registry;
        this.requests = requests;
        this.flow = flow;
        this.cas = cas;
        this.sessions = sessions;
        this.resolver = resolver;
        this.properties = properties;
        this.saml = saml;
        this.oidc = oidc;
        this.serviceNames = serviceNames;
        this.audit = audit;
        this.casServer = casServer;
        this.binding = binding;
        this.licences = licences;
        this.directory = directory;
    }

    /** The identity source choice, skipped by {@code ent=} or by a {@code uai=} served by exactly one ENT. */
    @GetMapping("/login")
    public String choose(@RequestParam(required = false) String request, @RequestParam(required = false) String ent,
                         @RequestParam(required = false) String uai, HttpServletRequest http,
                         HttpServletResponse response, Model model) {
        String browser = binding.bind(http, response);
        LoginRequests.LoginRequest pending = requests.pending(request).filter(r -> browser.equals(r.browser()))
                .orElseGet(() -> requests.create(null, false, browser));
        List<Connector> sources = registry.offering(Capability.SSO_INBOUND);
        if (ent != null) {
            Optional<Connector> chosen = flow.source(ent);
            if (chosen.isPresent()) {
                return "redirect:/sso/login/" + chosen.get().id() + "?request=" + pending.id();
            }
            model.addAttribute("notice", "L'ENT « " + ent + " » n'est pas connu de Relais : choisissez-le dans la liste.");
        }
        if (uai != null) {
            String code = uai.strip().toUpperCase();
            List<Connector> serving = sources.stream().filter(c -> serves(c, code)).toList();
            if (serving.size() == 1) {
                return "redirect:/sso/login/" + serving.get(0).id() + "?request=" + pending.id();
            }
            if (serving.isEmpty()) {
                model.addAttribute("notice", "Aucun ENT connu pour l'établissement " + code + " : choisissez le vôtre.");
            } else {
                sources = serving;
                model.addAttribute("notice", "Plusieurs ENT servent l'établissement " + code + " : choisissez le vôtre.");
            }
        }
        // in French alphabetical order ("Île-de-France" between "Hauts-de-France" and "Normandie", not after "Var"),
        // the ENTs of no territory last
        java.text.Collator french = java.text.Collator.getInstance(java.util.Locale.FRENCH);
        Map<String, List<Connector>> byTerritory = new TreeMap<>(Comparator.comparing((String t) -> t.isEmpty())
                .thenComparing(french::compare));
        for (Connector c : sources) {
            byTerritory.computeIfAbsent(c.territory() == null ? "" : c.territory(), k -> new ArrayList<>()).add(c);
        }
        byTerritory.values().forEach(l -> l.sort(Comparator.comparing(Connector::name, french::compare)));
        serviceNames.of(pending.service()).ifPresent(name -> model.addAttribute("serviceName", name));
        model.addAttribute("request", pending.id());
        model.addAttribute("territories", byTerritory);
        remembered(http).flatMap(flow::source).ifPresent(c -> model.addAttribute("remembered", c));
        return "sso-choose";
    }

    @GetMapping("/login/{connectorId}")
    public String start(@PathVariable String connectorId, @RequestParam(required = false) String request,
                        HttpServletRequest http, HttpServletResponse response, Model model) {
        Optional<Connector> source = flow.source(connectorId);
        Optional<LoginRequests.LoginRequest> pending = requests.pending(request);
        if (pending.isPresent() && !binding.matches(http, pending.get().browser())) {
            return notThisBrowser(connectorId, response, model);
        }
        if (source.isEmpty() || pending.isEmpty()) {
            return error(response, model, HttpStatus.BAD_REQUEST, "Connexion impossible",
                    source.isEmpty() ? "Cet ENT n'est pas connu de Relais." : "Cette demande de connexion a expiré : "
                            + "revenez à l'application et recommencez.");
        }
        requests.choose(pending.get().id(), connectorId);
        response.addHeader("Set-Cookie", ResponseCookie.from(CHOICE_COOKIE, connectorId).path("/sso")
                .maxAge(Duration.ofDays(365)).httpOnly(true).secure(properties.secureCookies()).sameSite("Lax")
                .build().toString());
        return switch (String.valueOf(source.get().protocol())) {
            case "cas" -> "redirect:" + cas.loginUrl(source.get(), callback(connectorId, pending.get().id()),
                    pending.get().renew());
            case "oidc" -> {
                try {
                    yield "redirect:" + oidc.authorizationUrl(source.get(), pending.get().id(), pending.get().renew());
                } catch (OidcIdentitySource.Refused e) {
                    log.warn("Connexion OpenID Connect impossible vers {} : {}", connectorId, e.getMessage());
                    yield error(response, model, HttpStatus.BAD_GATEWAY, "ENT indisponible",
                            source.get().name() + " ne répond pas correctement (" + e.getMessage()
                                    + "). Réessayez plus tard ou choisissez un autre moyen de connexion.");
                }
            }
            case "saml2" -> {
                try {
                    yield "redirect:" + saml.authnRequestUrl(source.get(), pending.get().id(), pending.get().renew());
                } catch (OpenSaml.SamlException e) {
                    log.warn("Connexion SAML impossible vers {} : {}", connectorId, e.getMessage());
                    yield error(response, model, HttpStatus.BAD_GATEWAY, "ENT indisponible",
                            source.get().name() + " ne répond pas correctement (" + e.getMessage()
                                    + "). Réessayez plus tard ou choisissez un autre moyen de connexion.");
                }
            }
            default -> error(response, model, HttpStatus.SERVICE_UNAVAILABLE, "Pas encore disponible",
                    "La connexion par " + source.get().name() + " (" + source.get().protocol()
                            + ") n'est pas encore proposée par Relais. Choisissez un autre moyen de connexion.");
        };
    }

    @GetMapping("/cas/callback/{connectorId}")
    public String casCallback(@PathVariable String connectorId, @RequestParam(required = false) String request,
                              @RequestParam(required = false) String ticket, HttpServletRequest http,
                              HttpServletResponse response, Model model) {
        Optional<LoginRequests.LoginRequest> found = requests.pending(request);
        if (found.filter(r -> binding.matches(http, r.browser())).isEmpty()) {
            return notThisBrowser(connectorId, response, model);
        }
        Optional<Connector> source = flow.source(connectorId).filter(c -> "cas".equals(c.protocol()));
        Optional<LoginRequests.LoginRequest> pending = found.filter(r -> connectorId.equals(r.connectorId()));
        if (source.isEmpty() || pending.isEmpty() || ticket == null) {
            return error(response, model, HttpStatus.BAD_REQUEST, "Connexion impossible",
                    "Cette réponse de l'ENT ne correspond à aucune demande de connexion en cours.");
        }
        if (!requests.consume(pending.get().id())) {
            return error(response, model, HttpStatus.BAD_REQUEST, "Connexion impossible",
                    "Cette réponse de l'ENT a déjà été utilisée.");
        }
        try {
            CasIdentitySource.Answer answer = cas.validate(source.get(), ticket, callback(connectorId, pending.get().id()),
                    pending.get().renew(), pending.get().createdAt());
            return "redirect:" + flow.authenticated(source.get(), answer.identity(), pending.get(), answer.login(),
                    response);
        } catch (CasIdentitySource.NotFresh e) {
            log.warn("Ticket de {} refusé : {}", connectorId, e.getMessage());
            audit.record("cas.inbound.refused", connectorId, null, null, null, AuditTrail.Outcome.REFUSED,
                    e.getMessage());
            return error(response, model, HttpStatus.UNAUTHORIZED, "Connexion refusée",
                    "L'application demande que vous saisissiez de nouveau votre mot de passe, mais "
                            + source.get().name() + " ne l'a pas redemandé (" + e.getMessage()
                            + "). Recommencez depuis l'application ; si cela se répète, prévenez l'administrateur de l'ENT.");
        } catch (CasIdentitySource.Refused e) {
            log.warn("Ticket de {} refusé : {}", connectorId, e.getMessage());
            audit.record("cas.inbound.refused", connectorId, null, null, null, AuditTrail.Outcome.REFUSED,
                    e.getMessage());
            return error(response, model, HttpStatus.UNAUTHORIZED, "Connexion refusée",
                    source.get().name() + " n'a pas confirmé votre identité. Recommencez depuis l'application.");
        }
    }

    /**
     * Back-channel logout from a CAS ENT: it POSTs a LogoutRequest naming the ticket it gave Relais to the URL
     * that received it; the session started with that ticket ends, and with it every tool's.
     */
    @org.springframework.web.bind.annotation.PostMapping("/cas/callback/{connectorId}")
    @org.springframework.web.bind.annotation.ResponseBody
    public org.springframework.http.ResponseEntity<String> casLogout(@PathVariable String connectorId,
            @RequestParam(required = false) String logoutRequest) {
        if (logoutRequest == null || flow.source(connectorId).isEmpty()) {
            return org.springframework.http.ResponseEntity.badRequest().body("logoutRequest attendu");
        }
        try {
            var parsed = fr.relais.sso.saml.OpenSaml.parse(logoutRequest.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (!(parsed instanceof org.opensaml.saml.saml2.core.LogoutRequest request)) {
                return org.springframework.http.ResponseEntity.badRequest().body("LogoutRequest attendu");
            }
            int ended = 0;
            for (var index : request.getSessionIndexes()) {
                for (String session : sessions.bySourceTicket(connectorId, index.getValue())) {
                    sessions.end(session);
                    casServer.singleLogout(session);
                    audit.record("sso.logout", connectorId, null, null, null, AuditTrail.Outcome.DONE,
                            "déconnexion signalée par l'ENT");
                    ended++;
                }
            }
            return org.springframework.http.ResponseEntity.ok(ended + " session(s) terminée(s)");
        } catch (OpenSaml.SamlException e) {
            return org.springframework.http.ResponseEntity.badRequest().body(e.getMessage());
        }
    }

    /** OpenID Connect back-channel logout: the provider POSTs a signed logout token; its sessions end, with every tool's. */
    @org.springframework.web.bind.annotation.PostMapping("/oidc/backchannel-logout/{connectorId}")
    @org.springframework.web.bind.annotation.ResponseBody
    public org.springframework.http.ResponseEntity<String> oidcLogout(@PathVariable String connectorId,
            @RequestParam(name = "logout_token", required = false) String token) {
        Optional<Connector> source = flow.source(connectorId).filter(c -> "oidc".equals(c.protocol()));
        if (source.isEmpty() || token == null) {
            return org.springframework.http.ResponseEntity.badRequest().body("logout_token attendu");
        }
        try {
            var logout = oidc.verifyLogout(source.get(), token);
            java.util.Set<String> ended = new java.util.LinkedHashSet<>();
            if (logout.sid() != null) {
                ended.addAll(sessions.bySourceTicket(connectorId, logout.sid()));
            }
            if (logout.sid() == null && logout.subject() != null) {
                ended.addAll(sessions.bySubject(connectorId, logout.subject()));
            }
            for (String session : ended) {
                sessions.end(session);
                casServer.singleLogout(session);
                audit.record("sso.logout", connectorId, null, null, null, AuditTrail.Outcome.DONE,
                        "déconnexion signalée par l'ENT (OpenID Connect)");
            }
            return org.springframework.http.ResponseEntity.ok(ended.size() + " session(s) terminée(s)");
        } catch (OidcIdentitySource.Refused e) {
            log.warn("Déconnexion OpenID Connect de {} refusée : {}", connectorId, e.getMessage());
            audit.record("oidc.logout.refused", connectorId, null, null, null, AuditTrail.Outcome.REFUSED,
                    e.getMessage());
            return org.springframework.http.ResponseEntity.badRequest().body(e.getMessage());
        }
    }

    @GetMapping("/oidc/callback/{connectorId}")
    public String oidcCallback(@PathVariable String connectorId, @RequestParam(required = false) String state,
                               @RequestParam(required = false) String code, @RequestParam(required = false) String error,
                               HttpServletRequest http, HttpServletResponse response, Model model) {
        Optional<Connector> source = flow.source(connectorId).filter(c -> "oidc".equals(c.protocol()));
        if (source.isEmpty()) {
            return error(response, model, HttpStatus.BAD_REQUEST, "Connexion impossible", "Cet ENT n'est pas connu de Relais.");
        }
        if (error != null) {
            return error(response, model, HttpStatus.UNAUTHORIZED, "Connexion refusée",
                    source.get().name() + " n'a pas confirmé votre identité (" + error + ").");
        }
        try {
            var answer = oidc.complete(source.get(), state, code);
            Optional<LoginRequests.LoginRequest> pending = requests.pending(answer.loginRequestId());
            if (pending.filter(r -> binding.matches(http, r.browser())).isEmpty()) {
                return notThisBrowser(connectorId, response, model);
            }
            if (pending.isEmpty() || !requests.consume(answer.loginRequestId())) {
                throw new OidcIdentitySource.Refused("la demande de connexion a expiré");
            }
            if (pending.get().renew()) {
                // prompt=login and max_age=0 were sent: auth_time must say the provider authenticated after them
                Optional<String> stale = answer.login().notFreshFor(answer.requestedAt());
                if (stale.isPresent()) {
                    throw new OidcIdentitySource.Refused(stale.get());
                }
            }
            return "redirect:" + flow.authenticated(source.get(), answer.identity(), pending.get(), answer.login(),
                    response);
        } catch (OidcIdentitySource.Refused e) {
            log.warn("Réponse OpenID Connect de {} refusée : {}", connectorId, e.getMessage());
            audit.record("oidc.response.refused", connectorId, null, null, null,
                    AuditTrail.Outcome.REFUSED, e.getMessage());
            return error(response, model, HttpStatus.UNAUTHORIZED, "Connexion refusée",
                    "La réponse de " + source.get().name() + " a été refusée (" + e.getMessage()
                            + "). Recommencez depuis l'application.");
        }
    }

    @GetMapping("/portail")
    public String portal(HttpServletRequest request, Model model) {
        Optional<SsoSessions.SsoSession> session = sessions.current(request);
        if (session.isEmpty()) {
            return "redirect:/sso/login";
        }
        Optional<SsoPerson> person = resolver.current(session.get().personId());
        if (person.isEmpty()) {
            return "redirect:/cas/logout";
        }
        model.addAttribute("person", person.get());
        java.util.List<java.util.Map<String, Object>> resources = new java.util.ArrayList<>();
        if (!person.get().unlinked()) {
            directory.person(person.get().id()).ifPresent(p -> p.schools().forEach(uai ->
                    resources.addAll(licences.resources(p, uai))));
        }
        model.addAttribute("resources", resources);
        model.addAttribute("tools", registry.offering(Capability.SSO_OUTBOUND).stream()
                .filter(c -> c.descriptor().path("sso").path("outbound").hasNonNull("launchUrl")).toList());
        return "sso-portal";
    }

    private String callback(String connectorId, String requestId) {
        return properties.baseUrl() + CAS_CALLBACK + connectorId + "?request="
                + URLEncoder.encode(requestId, StandardCharsets.UTF_8);
    }

    /**
     * Whether a {@code ?uai=} hint leads to this source: it serves the school by its prefixes or its list of UAIs.
     * A national source (ÉduConnect) serves every school, so it is offered on the page, never chosen by a hint.
     */
    private static boolean serves(Connector c, String uai) {
        fr.relais.connector.Territory territory = fr.relais.connector.Territory.of(c);
        return !territory.national() && territory.serves(uai);
    }

    private static Optional<String> remembered(HttpServletRequest request) {
        return cookie(request, CHOICE_COOKIE);
    }

    private static Optional<String> cookie(HttpServletRequest request, String name) {
        if (request.getCookies() == null) {
            return Optional.empty();
        }
        for (Cookie c : request.getCookies()) {
            if (name.equals(c.getName())) {
                return Optional.ofNullable(c.getValue());
            }
        }
        return Optional.empty();
    }

    String notThisBrowser(String connectorId, HttpServletResponse response, Model model) {
        audit.record("sso.login.refused", connectorId, null, null, null, AuditTrail.Outcome.REFUSED,
                "réponse de l'ENT reçue dans un autre navigateur que celui de la connexion");
        return error(response, model, HttpStatus.BAD_REQUEST, "Connexion refusée", "Cette réponse de l'ENT ne "
                + "correspond pas à une connexion commencée dans ce navigateur. Recommencez depuis l'application.");
    }

    static String error(HttpServletResponse response, Model model, HttpStatus status, String title, String message) {
        response.setStatus(status.value());
        model.addAttribute("title", title);
        model.addAttribute("message", message);
        return "sso-error";
    }
}
