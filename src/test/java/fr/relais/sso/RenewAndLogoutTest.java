package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apereo.cas.client.validation.Cas30ServiceTicketValidator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.sandbox.SimulatedCasEnt;
import fr.relais.sandbox.SimulatedOidcProvider;
import fr.relais.sandbox.SimulatedSamlIdp;

/**
 * {@code renew} / {@code ForceAuthn} reach the ENT, and a logout at Relais ends the ENT's session too, for the
 * three inbound families (CAS: agora06, SAML: ent77, OpenID Connect: enc92), against the sandbox's ENTs, which
 * keep their own sessions as real ones do: without the ENT's part, the next user of a shared computer gets in as
 * the previous one without a password.
 */
class RenewAndLogoutTest extends SsoTestBase {

    private static final String SERVICE = URLEncoder.encode(TOOL, StandardCharsets.UTF_8);
    private static final Pattern HIDDEN = Pattern.compile("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"");

    @Autowired
    SimulatedCasEnt casEnt;
    @Autowired
    SimulatedSamlIdp samlIdp;
    @Autowired
    SimulatedOidcProvider oidcProvider;

    @AfterEach
    void honestEnts() {
        casEnt.ignoreRenew.clear();
        samlIdp.ignoreForceAuthn.clear();
        oidcProvider.ignorePromptLogin.clear();
    }

    /** Follows redirects; the ENT's password form, or the page past it. */
    private static HttpResponse<String> go(Browser b, String url) throws Exception {
        return through(b, b.get(url));
    }

    /** Follows redirects and the automatic SAML POST forms, up to a page that asks nothing more of the browser. */
    private static HttpResponse<String> through(Browser b, HttpResponse<String> r) throws Exception {
        r = b.follow(r);
        while (r.body().contains("name=\"SAMLResponse\"")) {
            r = b.follow(b.post(action(r.body()), hidden(r.body())));
        }
        return r;
    }

    private static boolean asksPassword(HttpResponse<String> page) {
        return page.statusCode() == 200 && page.body().contains("name=\"password\"");
    }

    /** Types the user's password into the ENT's form and follows everything back. */
    private static HttpResponse<String> typePassword(Browser b, HttpResponse<String> form, String user) throws Exception {
        assertThat(asksPassword(form)).as(form.uri() + "\n" + form.body()).isTrue();
        Map<String, String> fields = hidden(form.body());
        fields.put("username", user);
        fields.put("password", "demo");
        return through(b, b.post(action(form.body()), fields));
    }

    private static Map<String, String> hidden(String html) {
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher m = HIDDEN.matcher(html);
        while (m.find()) {
            fields.put(m.group(1), unescape(m.group(2)));
        }
        return fields;
    }

    private static String action(String html) {
        return unescape(html.replaceAll("(?s).*<form method=\"post\" action=\"([^\"]+)\".*", "$1"));
    }

    private static String unescape(String s) {
        return s.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<")
                .replace("&gt;", ">");
    }

    /** A logged-in browser: the tool, the ENT's password form, back in the tool. */
    private static Browser loggedIn(String ent, String user) throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> tool = typePassword(b, go(b, "/cas/login?service=" + SERVICE + "&ent=" + ent), user);
        assertThat(tool.body()).as(tool.body()).contains("Connecté : " + user);
        return b;
    }

    /** Up to the redirect back to the tool; answers its ticket. */
    private static String ticketFrom(Browser b, HttpResponse<String> r) throws Exception {
        while (r.statusCode() / 100 == 3 && !Browser.location(r).startsWith(TOOL)) {
            r = b.get(Browser.location(r));
        }
        if (r.body().contains("name=\"SAMLResponse\"")) {
            return ticketFrom(b, b.post(action(r.body()), hidden(r.body())));
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        return Browser.query(Browser.location(r), "ticket");
    }

    private static String renewValidation(String ticket) throws Exception {
        return new Browser(BASE).get("/cas/p3/serviceValidate?renew=true&service=" + SERVICE + "&ticket=" + ticket).body();
    }

    // ---- renew / ForceAuthn / prompt=login ----

    @ParameterizedTest
    @ValueSource(strings = {"agora06", "ent77", "enc92"})
    void renewMakesTheEntAskForThePasswordAgainAndOnlyThenIsTheTicketFresh(String ent) throws Exception {
        Browser b = loggedIn(ent, "2000001");
        // the ENT keeps its session: a new Relais login in this browser passes through it without the password
        jdbc.update("UPDATE sso_session SET ended_at = CURRENT_TIMESTAMP WHERE person_id = '2000001'");
        assertThat(go(b, "/cas/login?service=" + SERVICE + "&ent=" + ent).body()).contains("Connecté : 2000001");

        HttpResponse<String> form = go(b, "/cas/login?renew=true&service=" + SERVICE + "&ent=" + ent);
        assertThat(asksPassword(form)).as("the ENT asks for the password again: " + form.uri()).isTrue();
        assertThat(form.uri().toString()).satisfiesAnyOf(
                u -> assertThat(u).contains("renew=true"),
                u -> assertThat(u).contains("prompt=login").contains("max_age=0"),
                u -> assertThat(u).contains("/saml/sso?SAMLRequest="));
        Map<String, String> fields = hidden(form.body());
        fields.put("username", "2000001");
        fields.put("password", "demo");
        String ticket = ticketFrom(b, b.post(action(form.body()), fields));
        assertThat(renewValidation(ticket)).contains("<cas:authenticationSuccess>").contains("<cas:user>2000001</cas:user>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"agora06", "ent77", "enc92"})
    void anEntThatIgnoresRenewGetsTheLoginRefusedAndNoTicketSaysFresh(String ent) throws Exception {
        Browser b = loggedIn(ent, "2000002");
        casEnt.ignoreRenew.add(ent);
        samlIdp.ignoreForceAuthn.add(ent);
        oidcProvider.ignorePromptLogin.add(ent);
        // the ENT's session was opened a while ago (another pupil, earlier in the lesson)
        samlIdp.backdate(ent, Duration.ofMinutes(10));
        oidcProvider.backdate(ent, Duration.ofMinutes(10));
        int before = jdbc.queryForObject("SELECT COUNT(*) FROM cas_service_ticket WHERE from_renew", Integer.class);

        HttpResponse<String> page = go(b, "/cas/login?renew=true&service=" + SERVICE + "&ent=" + ent);
        assertThat(asksPassword(page)).isFalse();
        assertThat(page.statusCode()).as(page.body()).isEqualTo(401);
        assertThat(page.body().replace("&#39;", "'")).contains("Connexion refusée")
                .containsAnyOf("ne l'a pas redemandé", "n'a pas redemandé le mot de passe");
        assertThat(page.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("RELAIS_TGC=TGC-"));
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM cas_service_ticket WHERE from_renew", Integer.class))
                .isEqualTo(before);
    }

    // ---- logout at Relais ends the ENT's session ----

    @ParameterizedTest
    @ValueSource(strings = {"agora06", "ent77", "enc92"})
    void afterALogoutAtRelaisTheEntAsksForThePasswordAgain(String ent) throws Exception {
        Browser b = loggedIn(ent, "2000003");
        String ticket = ticketFrom(b, b.get("/cas/login?service=" + SERVICE));
        new Cas30ServiceTicketValidator(BASE + "/cas").validate(ticket, TOOL);

        HttpResponse<String> out = b.get("/cas/logout?service=" + SERVICE);
        String toEnt = Browser.location(out);
        assertThat(toEnt).as("Relais sends the browser to the ENT's logout").contains(switch (ent) {
            case "agora06" -> "/sandbox/ent/agora06/cas/logout?service=";
            case "ent77" -> "/sandbox/ent/ent77/saml/slo?SAMLRequest=";
            default -> "/sandbox/oidc/enc92/logout?client_id=";
        });
        if (ent.equals("ent77")) {
            assertThat(toEnt).contains("&SigAlg=").contains("&Signature=");
        }
        if (ent.equals("enc92")) {
            assertThat(Browser.query(toEnt, "id_token_hint")).isNotBlank();
            assertThat(Browser.query(toEnt, "post_logout_redirect_uri")).isEqualTo(BASE + "/sso/deconnexion");
        }
        // ... which comes back to Relais, then to the registered service that asked
        HttpResponse<String> r = out;
        while (r.statusCode() / 100 == 3 && !Browser.location(r).startsWith(TOOL)) {
            r = b.get(Browser.location(r));
        }
        assertThat(Browser.location(r)).isEqualTo(TOOL);
        awaitLogoutNotice(ticket);

        HttpResponse<String> next = go(b, "/cas/login?service=" + SERVICE + "&ent=" + ent);
        assertThat(asksPassword(next)).as("the next user at this computer must type a password: " + next.body()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example/phish", "//evil.example/", "javascript:alert(1)"})
    void aLogoutNeverSendsTheBrowserToAnUnregisteredService(String service) throws Exception {
        Browser b = loggedIn("agora06", "2000004");
        HttpResponse<String> r = b.get("/cas/logout?service=" + URLEncoder.encode(service, StandardCharsets.UTF_8));
        assertThat(Browser.location(r)).doesNotContain("evil").doesNotContain("javascript");
        HttpResponse<String> last = b.follow(r);
        assertThat(last.statusCode()).isEqualTo(200);
        assertThat(last.body()).contains("Vous êtes déconnecté").contains("et celle de votre ENT").doesNotContain("evil");
        HttpResponse<String> direct = b.get("/sso/deconnexion?ent=ok&service=" + URLEncoder.encode(service, StandardCharsets.UTF_8));
        assertThat(direct.statusCode()).isEqualTo(200);
        assertThat(direct.headers().firstValue("Location")).isEmpty();
    }

    // ---- logout started at the ENT ----

    @ParameterizedTest
    @ValueSource(strings = {"agora06", "ent77", "enc92"})
    void aLogoutStartedAtTheEntEndsRelaisSessionAndTheTools(String ent) throws Exception {
        Browser b = loggedIn(ent, "2000005");
        String ticket = ticketFrom(b, b.get("/cas/login?service=" + SERVICE));
        new Cas30ServiceTicketValidator(BASE + "/cas").validate(ticket, TOOL);

        switch (ent) {
            // the user clicks "se déconnecter" in the ENT: CAS back-channel LogoutRequest to Relais
            case "agora06" -> assertThat(b.get("/sandbox/ent/agora06/cas/logout").statusCode()).isEqualTo(200);
            // SAML front-channel: the IdP sends the browser to Relais with a signed LogoutRequest, Relais answers
            case "ent77" -> {
                HttpResponse<String> r = b.get("/sandbox/ent/ent77/saml/logout");
                String toRelais = Browser.location(r);
                assertThat(toRelais).startsWith(BASE + "/saml/sp/slo?SAMLRequest=");
                HttpResponse<String> back = b.get(toRelais);
                assertThat(Browser.location(back)).startsWith(BASE + "/sandbox/ent/ent77/saml/slo?SAMLResponse=");
                assertThat(b.get(Browser.location(back)).body()).contains("Vous êtes déconnecté");
                assertThat(samlIdp.logoutMessages.get(samlIdp.logoutMessages.size() - 1))
                        .contains("LogoutResponse").contains("urn:oasis:names:tc:SAML:2.0:status:Success");
            }
            // OpenID Connect back-channel logout token
            default -> assertThat(new Browser(BASE).post("/sandbox/oidc/enc92/logout", Map.of("username", "2000005"))
                    .body()).startsWith("200 ");
        }
        awaitLogoutNotice(ticket);
        assertThat(Browser.location(b.get("/cas/login?service=" + SERVICE))).contains("/sso/login?request=");
        assertThat(asksPassword(go(b, "/cas/login?service=" + SERVICE + "&ent=" + ent))).isTrue();
    }

    private void awaitLogoutNotice(String ticket) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (tool.logoutRequests.stream().noneMatch(l -> l.contains(ticket)) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(tool.logoutRequests).as("the tool is told the session ended")
                .anyMatch(l -> l.contains("<samlp:SessionIndex>" + ticket + "</samlp:SessionIndex>"));
    }
}
