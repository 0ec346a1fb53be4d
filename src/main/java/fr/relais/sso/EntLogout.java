package fr.relais.sso;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.sso.cas.CasServices;
import fr.relais.sso.inbound.CasIdentitySource;
import fr.relais.sso.inbound.OidcIdentitySource;
import fr.relais.sso.saml.OpenSaml;
import fr.relais.sso.saml.SamlLogout;

/**
 * The end of a logout at Relais: the ENT's session ends too, or the next user of a shared computer would be let
 * in by it without a password. Once Relais has ended its session and told the tools, the browser goes to the
 * ENT's own logout (CAS {@code /logout?service=}, OpenID Connect end_session_endpoint with
 * {@code id_token_hint}, SAML LogoutRequest by HTTP-Redirect), which sends it back to {@code /sso/deconnexion};
 * that page sends it on to the {@code service} asked for only when it is a registered service, never elsewhere.
 */
@Controller
public class EntLogout {

    /** Where every ENT sends the browser back; OpenID Connect providers register it as a post-logout redirect URI. */
    public static final String LANDING = "/sso/deconnexion";

    private static final Logger log = LoggerFactory.getLogger(EntLogout.class);

    private final ConnectorRegistry registry;
    private final SsoSessions sessions;
    private final SsoProperties properties;
    private final CasServices services;
    private final CasIdentitySource cas;
    private final OidcIdentitySource oidc;
    private final SamlLogout saml;

    public EntLogout(ConnectorRegistry registry, SsoSessions sessions, SsoProperties properties, CasServices services,
                     CasIdentitySource cas, OidcIdentitySource oidc, SamlLogout saml) {
        this.registry = registry;
        this.sessions = sessions;
        this.properties = properties;
        this.services = services;
        this.cas = cas;
        this.oidc = oidc;
        this.saml = saml;
    }

    /**
     * Where to send the browser once Relais' session {@code session} has ended: the ENT's logout, or straight
     * to the landing page when the ENT offers none (the page then says to log out of the ENT too).
     */
    public String after(Optional<SsoSessions.SsoSession> session, String service) {
        // a registered service only, by its normalised URL (no open redirect, no dot segments)
        String wanted = services.match(service).map(CasServices.Found::url).orElse(null);
        if (session.isEmpty()) {
            return landing("aucune", wanted);
        }
        Optional<Connector> ent = registry.find(session.get().sourceConnector());
        if (ent.isEmpty()) {
            return landing("inconnu", wanted);
        }
        Optional<String> hint = sessions.entLogoutHint(session.get().id());
        try {
            Optional<String> url = switch (String.valueOf(ent.get().protocol())) {
                case "cas" -> Optional.of(cas.logoutUrl(ent.get(), properties.baseUrl() + landing("ok", wanted)));
                case "oidc" -> oidc.endSessionUrl(ent.get(), hint.orElse(null), properties.baseUrl() + LANDING, wanted);
                case "saml2" -> saml.toIdentitySource(ent.get(), session.get().subject(), hint.orElse(null), wanted);
                default -> Optional.empty();
            };
            if (url.isEmpty()) {
                log.info("Déconnexion : {} ne publie pas d'adresse de déconnexion, sa session reste ouverte", ent.get().id());
            }
            return url.orElseGet(() -> landing("inconnu", wanted));
        } catch (OidcIdentitySource.Refused | OpenSaml.SamlException e) {
            log.warn("Déconnexion : session de {} non terminée à l'ENT ({})", ent.get().id(), e.getMessage());
            return landing("inconnu", wanted);
        }
    }

    /** The landing page's path: {@code ent} as {@link #landing} reads it, and the service to go on to, if any. */
    public static String landing(String ent, String service) {
        return LANDING + "?ent=" + ent + (service == null ? "" : "&service=" + URLEncoder.encode(service, StandardCharsets.UTF_8));
    }

    /**
     * The last step of a logout. {@code state} is the OpenID Connect spelling of {@code service}; {@code ent}
     * says whether the ENT ended its session ({@code ok}, absent after an OpenID Connect provider), could not
     * ({@code incomplet}) or has no logout Relais can reach ({@code inconnu}).
     */
    @GetMapping(LANDING)
    public String landing(@RequestParam(required = false) String service, @RequestParam(required = false) String state,
                          @RequestParam(required = false) String ent, HttpServletResponse response, Model model) {
        String next = service != null ? service : state;
        Optional<CasServices.Found> back = services.match(next);
        if (back.isPresent() && !"incomplet".equals(ent) && !"inconnu".equals(ent)) {
            return "redirect:" + back.get().url();
        }
        sessions.clearCookie(response);
        model.addAttribute("title", "Vous êtes déconnecté");
        String message = "Votre session Relais est terminée, ainsi que celles des applications ouvertes par elle";
        model.addAttribute("message", switch (ent == null ? "ok" : ent) {
            case "incomplet" -> message + ". Votre ENT n'a pas confirmé la fin de sa propre session : fermez votre "
                    + "navigateur, surtout si l'ordinateur est partagé.";
            case "inconnu" -> message + ". Relais ne peut pas fermer la session de votre ENT : déconnectez-vous aussi "
                    + "de votre ENT, ou fermez votre navigateur si l'ordinateur est partagé.";
            case "aucune" -> "Aucune session Relais n'était ouverte dans ce navigateur. Fermez-le si l'ordinateur est partagé.";
            default -> message + ", et celle de votre ENT.";
        });
        model.addAttribute("info", true);
        if (next != null && back.isEmpty()) {
            log.info("Déconnexion : retour vers un service non enregistré ignoré ({})", next.length() > 200
                    ? next.substring(0, 200) : next);
        }
        return "sso-error";
    }
}
