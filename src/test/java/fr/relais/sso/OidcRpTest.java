package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.sandbox.SimulatedOidcProvider;
import fr.relais.sandbox.SimulatedOidcProvider.Tamper;

/** Relais as an OpenID Connect relying party of the Keycloak-based ENTs, against the sandbox's provider. */
class OidcRpTest extends SsoTestBase {

    @Autowired
    SimulatedOidcProvider provider;

    /** Up to the provider's authorization endpoint; answers its URL (with Relais' state, nonce and challenge). */
    private static String toProvider(Browser b, String ent) throws Exception {
        HttpResponse<String> r = b.get("/cas/login?service=" + URLEncoder.encode(TOOL, "UTF-8") + "&ent=" + ent);
        r = b.get(Browser.location(r));
        r = b.get(Browser.location(r));
        String authorize = Browser.location(r);
        assertThat(authorize).startsWith(BASE + "/sandbox/oidc/" + ent + "/authorize?response_type=code");
        assertThat(Browser.query(authorize, "code_challenge_method")).isEqualTo("S256");
        assertThat(Browser.query(authorize, "state")).hasSizeGreaterThanOrEqualTo(43);
        assertThat(Browser.query(authorize, "nonce")).hasSizeGreaterThanOrEqualTo(43);
        return authorize;
    }

    @Test
    void aWrongPasswordAtTheProviderShowsTheFormAgainWithItsRequest() throws Exception {
        Browser b = new Browser(BASE);
        String authorize = toProvider(b, "monlycee");
        String state = Browser.query(authorize, "state");
        HttpResponse<String> page = b.post("/sandbox/oidc/monlycee/authorize", Map.of("client_id",
                Browser.query(authorize, "client_id"), "redirect_uri", Browser.query(authorize, "redirect_uri"),
                "state", state, "nonce", Browser.query(authorize, "nonce"),
                "code_challenge", Browser.query(authorize, "code_challenge"), "username", "2000001", "password", "faux"));
        assertThat(page.statusCode()).isEqualTo(401);
        assertThat(page.body()).contains("Identifiant ou mot de passe incorrect.")
                .contains("name=\"state\" value=\"" + state + "\"")
                .contains("action=\"/sandbox/oidc/monlycee/authorize\"");
    }

    /** Every OpenID Connect identity source of connectors/ (read from the catalogue, see EntCatalogue). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("fr.relais.sso.EntCatalogue#oidc")
    void everyOidcEntLogsAPupilIntoTheTool(String ent) throws Exception {
        Browser b = new Browser(BASE);
        String authorize = toProvider(b, ent);
        Map<String, String> fields = Map.of("client_id", Browser.query(authorize, "client_id"),
                "redirect_uri", Browser.query(authorize, "redirect_uri"), "state", Browser.query(authorize, "state"),
                "nonce", Browser.query(authorize, "nonce"), "code_challenge", Browser.query(authorize, "code_challenge"),
                "username", "2000001", "password", "demo");
        HttpResponse<String> page = b.follow(b.post("/sandbox/oidc/" + ent + "/authorize", fields));
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("Connecté : 2000001").contains("<th>categories</th><td>National_1</td>");
        // an ENT serving the pupil's school (Rhône) opens its resources; the others (today both OpenID Connect ENTs
        // of the catalogue) open nothing of it
        if (EntCatalogue.servesRhone(ent)) {
            assertThat(launchPublisher(b)).isPresent();
        } else {
            assertThat(launchPublisher(b)).isEmpty();
        }
    }

    private HttpResponse<String> callbackWith(Browser b, String ent, Tamper tamper) throws Exception {
        String authorize = toProvider(b, ent);
        String code = provider.issueCode(ent, "2000001", Browser.query(authorize, "client_id"),
                Browser.query(authorize, "redirect_uri"), Browser.query(authorize, "nonce"),
                Browser.query(authorize, "code_challenge"), tamper);
        return b.get(Browser.query(authorize, "redirect_uri") + "?code=" + code + "&state="
                + URLEncoder.encode(Browser.query(authorize, "state"), "UTF-8"));
    }

    @ParameterizedTest
    @EnumSource(value = Tamper.class, names = {"WRONG_NONCE", "OTHER_KEY", "ALG_NONE", "EXPIRED", "WRONG_AUDIENCE"})
    void badIdTokensAreRefused(Tamper tamper) throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> r = callbackWith(b, "monlycee", tamper);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.body()).contains("Connexion refusée").contains("jeton d");
        assertThat(r.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("RELAIS_TGC="));
    }

    @Test
    void wrongOrReplayedStateIsRefused() throws Exception {
        Browser b = new Browser(BASE);
        String authorize = toProvider(b, "monlycee");
        String redirect = Browser.query(authorize, "redirect_uri");
        HttpResponse<String> wrong = b.get(redirect + "?code=x&state=pas-le-bon");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("state inconnu");
        HttpResponse<String> ok = callbackWith(b, "monlycee", Tamper.NONE);
        assertThat(ok.statusCode()).isEqualTo(302);
        String state = Browser.query(authorize, "state");
        HttpResponse<String> again = b.get(redirect + "?code=y&state=" + URLEncoder.encode(state, "UTF-8"));
        // a code the provider never issued: the provider refuses it, and the state is used up
        assertThat(again.statusCode()).isEqualTo(401);
        assertThat(again.body()).contains("le fournisseur a refusé le code (HTTP 400)");
        HttpResponse<String> replay = b.get(redirect + "?code=y&state=" + URLEncoder.encode(state, "UTF-8"));
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(replay.body()).contains("déjà utilisé");
    }

    @Test
    void aLogoutSignalledByTheProviderEndsTheSession() throws Exception {
        Browser b = new Browser(BASE);
        String authorize = toProvider(b, "enc92");
        HttpResponse<String> page = b.follow(b.post("/sandbox/oidc/enc92/authorize", Map.of("client_id",
                Browser.query(authorize, "client_id"), "redirect_uri", Browser.query(authorize, "redirect_uri"), "state",
                Browser.query(authorize, "state"), "nonce", Browser.query(authorize, "nonce"), "code_challenge",
                Browser.query(authorize, "code_challenge"), "username", "2000004", "password", "demo")));
        assertThat(page.body()).contains("Connecté : 2000004");
        assertThat(Browser.location(b.get("/cas/login?service=" + URLEncoder.encode(TOOL, "UTF-8")))).startsWith(TOOL);

        Browser provider = new Browser(BASE);
        assertThat(provider.post("/sandbox/oidc/enc92/logout", Map.of("username", "2000004", "forge", "nonce")).body())
                .startsWith("400 un jeton de déconnexion ne porte pas de nonce");
        assertThat(provider.post("/sandbox/oidc/enc92/logout", Map.of("username", "2000004", "forge", "key")).body())
                .startsWith("400 jeton de déconnexion refusé");
        assertThat(Browser.location(b.get("/cas/login?service=" + URLEncoder.encode(TOOL, "UTF-8")))).startsWith(TOOL);

        assertThat(provider.post("/sandbox/oidc/enc92/logout", Map.of("username", "2000004")).body())
                .isEqualTo("200 1 session(s) terminée(s)");
        assertThat(Browser.location(b.get("/cas/login?service=" + URLEncoder.encode(TOOL, "UTF-8"))))
                .contains("/sso/login?request=");
    }
}
