package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apereo.cas.client.validation.Assertion;
import org.apereo.cas.client.validation.Cas30ServiceTicketValidator;
import org.apereo.cas.client.validation.TicketValidationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.sandbox.SimulatedCasTool;

/**
 * Single sign-on through the CAS family, over real HTTP: a tool (the sandbox's CAS-protected Pronote, which
 * validates with the Apereo Java CAS client) -> Relais' CAS server -> the ENT choice -> a simulated CAS ENT ->
 * back to Relais (which validates the ENT's ticket with the Apereo client) -> the tool.
 */
/**
 * Single sign-on through the CAS family, over real HTTP: a tool (the sandbox's CAS-protected Pronote, which
 * validates with the Apereo Java CAS client) -> Relais' CAS server -> the ENT choice -> a simulated CAS ENT ->
 * back to Relais (which validates the ENT's ticket with the Apereo client) -> the tool.
 */
class CasSsoTest extends SsoTestBase {

    /** From the tool to the simulated ENT's login form; answers the form's URL. */
    static String toEntLogin(Browser b, String start) throws Exception {
        HttpResponse<String> r = b.get(start);
        while (r.statusCode() == 302 && !Browser.location(r).contains("/sandbox/ent/")) {
            r = b.get(Browser.location(r));
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        return Browser.location(r);
    }

    /** Logs in at the simulated ENT and follows everything back; answers the final page. */
    static HttpResponse<String> loginAt(Browser b, String entLogin, String user) throws Exception {
        String ent = entLogin.replaceAll(".*/sandbox/ent/([^/]+)/cas/login.*", "$1");
        HttpResponse<String> posted = b.post("/sandbox/ent/" + ent + "/cas/login",
                Map.of("username", user, "password", "demo", "service", Browser.query(entLogin, "service")));
        return b.follow(posted);
    }

    @Test
    void aWrongPasswordAtTheEntShowsTheFormAgainWithTheService() throws Exception {
        Browser b = new Browser(BASE);
        String service = BASE + "/cas/login?x=1";
        HttpResponse<String> page = b.post("/sandbox/ent/agora06/cas/login", Map.of("username", "2000001",
                "password", "faux", "service", service));
        assertThat(page.statusCode()).isEqualTo(401);
        assertThat(page.body()).contains("Identifiant ou mot de passe incorrect.")
                .contains("name=\"service\" value=\"" + service.replace("&", "&amp;") + "\"")
                .contains("<code>inconnu</code>");
    }

    @Test
    void pupilLogsInThroughHerEntAndTheToolGetsPronoteAttributes() throws Exception {
        Browser b = new Browser(BASE);
        // the tool sends the pupil to Relais, which asks which ENT she uses
        HttpResponse<String> choice = b.follow(b.get(TOOL));
        assertThat(choice.body()).contains("Se connecter").contains("Agora 06");
        String link = choice.body().replaceAll("(?s).*href=\"(/sso/login/agora06\\?request=[^\"]+)\".*", "$1");
        String entLogin = Browser.location(b.get(link));
        assertThat(entLogin).startsWith(BASE + "/sandbox/ent/agora06/cas/login?service=");
        HttpResponse<String> page = loginAt(b, entLogin, "2000001");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Connecté : 2000001").contains("<th>nom</th>").contains("<th>prenom</th>")
                .contains("<th>categories</th><td>National_1</td>").contains("<th>dateNaissance</th>")
                .doesNotContain("Ticket refusé");
        // a second tool launch in the same browser: no ENT any more, straight back with a ticket
        HttpResponse<String> again = b.get("/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8"));
        assertThat(again.statusCode()).isEqualTo(302);
        assertThat(Browser.location(again)).startsWith(TOOL + "?ticket=ST-");
        assertThat(b.follow(again).body()).contains("Connecté : 2000001");
    }

    @Test
    void choicePageListsTheSourcesByTerritoryAndRemembersTheChoice() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> choice = b.follow(b.get("/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")));
        assertThat(choice.statusCode()).isEqualTo(200);
        assertThat(choice.body()).contains("Se connecter").contains("Alpes-Maritimes").contains("Agora 06")
                .contains("ÉduConnect").contains("Occitanie").contains("id=\"search\"").doesNotContain("Continuer avec");
        // the service being opened is named, and the territories come in French alphabetical order (Île-de-France
        // among the I, not after Var)
        assertThat(choice.body()).contains("<title>Relais – choisir son ENT pour Pronote</title>")
                .contains("<h1>Se connecter à Pronote</h1>");
        List<String> territories = java.util.regex.Pattern.compile("<h2>([^<]*)</h2>").matcher(choice.body()).results()
                .map(m -> m.group(1)).toList();
        assertThat(territories).contains("Île-de-France (lycées)", "Var", "Normandie")
                .isSortedAccordingTo(java.text.Collator.getInstance(java.util.Locale.FRENCH)::compare);
        assertThat(territories.indexOf("Île-de-France (lycées)")).isLessThan(territories.indexOf("Normandie"));
        String request = choice.body().replaceAll("(?s).*/sso/login/agora06\\?request=([^\"&]+).*", "$1");
        HttpResponse<String> toEnt = b.get("/sso/login/agora06?request=" + request);
        assertThat(Browser.location(toEnt)).startsWith(BASE + "/sandbox/ent/agora06/cas/login?service=");
        HttpResponse<String> later = b.follow(b.get("/sso/login"));
        assertThat(later.body()).contains("Continuer avec Agora 06");
    }

    @Test
    void uaiHintSkipsTheChoiceWhenOneEntServesTheSchool() throws Exception {
        Browser b = new Browser(BASE);
        String service = java.net.URLEncoder.encode(TOOL, "UTF-8");
        HttpResponse<String> r = b.get("/cas/login?service=" + service + "&uai=0060001A");
        r = b.get(Browser.location(r));
        assertThat(Browser.location(r)).contains("/sso/login/agora06?request=");
        // the Rhône is served by two ENTs: the choice is shown, narrowed to them
        HttpResponse<String> two = b.follow(b.get("/cas/login?service=" + service + "&uai=0690100J"));
        assertThat(two.body()).contains("Plusieurs ENT servent l&#39;établissement 0690100J").contains("laclasse.com")
                .contains("ENT Auvergne-Rhône-Alpes").doesNotContain("Agora 06");
        HttpResponse<String> ent = b.get(Browser.location(b.get("/cas/login?service=" + service + "&ent=ecollege31")));
        assertThat(Browser.location(ent)).contains("/sso/login/ecollege31?request=");
    }

    @Test
    void aUserTheDirectoryDoesNotKnowIsCreatedJustInTimeAndFlaggedUnlinked() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> page = loginAt(b, toEntLogin(b, "/cas/login?service="
                + java.net.URLEncoder.encode(TOOL, "UTF-8") + "&ent=agora06"), "inconnu");
        assertThat(page.body()).contains("Connecté : jit-").contains("<th>nom</th><td>INCONNU</td>")
                .contains("<th>categories</th><td>National_1</td>");
        assertThat(jdbc.queryForObject("SELECT unlinked FROM sso_account WHERE source_connector = 'agora06' AND subject = 'inconnu'",
                Boolean.class)).isTrue();
    }

    private String freshTicket(Browser b) throws Exception {
        HttpResponse<String> r = b.get("/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8"));
        if (!Browser.location(r).startsWith(TOOL)) {
            String entLogin = toEntLogin(b, Browser.location(r));
            String ent = entLogin.replaceAll(".*/sandbox/ent/([^/]+)/cas/login.*", "$1");
            r = b.post("/sandbox/ent/" + ent + "/cas/login",
                    Map.of("username", "4000002", "password", "demo", "service", Browser.query(entLogin, "service")));
            r = b.get(Browser.location(r));
        }
        return Browser.query(Browser.location(r), "ticket");
    }

    private Browser loggedIn() throws Exception {
        Browser b = new Browser(BASE);
        loginAt(b, toEntLogin(b, "/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8") + "&ent=agora06"),
                "4000002");
        return b;
    }

    @Test
    void apereoClientValidatesRelaisTicketsAndAReplayIsRejected() throws Exception {
        Browser b = loggedIn();
        String ticket = freshTicket(b);
        Cas30ServiceTicketValidator validator = new Cas30ServiceTicketValidator(BASE + "/cas");
        Assertion assertion = validator.validate(ticket, TOOL);
        assertThat(assertion.getPrincipal().getName()).isEqualTo("4000002");
        assertThat(assertion.getPrincipal().getAttributes()).containsEntry("categories", "National_3")
                .containsKeys("nom", "prenom").doesNotContainKey("ENTPersonJointure");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> validator.validate(ticket, TOOL))
                .isInstanceOf(TicketValidationException.class).hasMessageContaining("inconnu ou déjà utilisé");
    }

    @Test
    void ticketValidatedForAnotherServiceFails() throws Exception {
        String ticket = freshTicket(loggedIn());
        String body = new Browser(BASE).get("/cas/p3/serviceValidate?service="
                + java.net.URLEncoder.encode(TOOL + "autre", "UTF-8") + "&ticket=" + ticket).body();
        assertThat(body).contains("<cas:authenticationFailure code=\"INVALID_SERVICE\">");
        // and it is consumed: the right service cannot use it afterwards
        assertThat(new Browser(BASE).get("/cas/p3/serviceValidate?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")
                + "&ticket=" + ticket).body()).contains("code=\"INVALID_TICKET\"");
    }

    @Test
    void unregisteredServiceGetsAnErrorPageAndNoRedirect() throws Exception {
        HttpResponse<String> r = new Browser(BASE).get("/cas/login?service="
                + java.net.URLEncoder.encode("https://evil.example/steal", "UTF-8"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Location")).isEmpty();
        assertThat(r.body()).contains("Service non autorisé").doesNotContain("evil.example");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT-123", "abc", "TGC-x"})
    void ticketsOfAnotherFormatAreRefusedAsSuch(String ticket) throws Exception {
        String body = new Browser(BASE).get("/cas/serviceValidate?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")
                + "&ticket=" + ticket).body();
        assertThat(body).contains("code=\"INVALID_TICKET_SPEC\"");
    }

    @Test
    void guessedAndMissingTickets() throws Exception {
        Browser b = new Browser(BASE);
        assertThat(b.get("/cas/serviceValidate?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")
                + "&ticket=ST-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").body()).contains("code=\"INVALID_TICKET\"");
        assertThat(b.get("/cas/serviceValidate?ticket=ST-x").body()).contains("code=\"INVALID_REQUEST\"");
    }

    @Test
    void expiredTicketIsRejected() throws Exception {
        String ticket = freshTicket(loggedIn());
        jdbc.update("UPDATE cas_service_ticket SET expires_at = created_at WHERE id = ?", ticket);
        assertThat(new Browser(BASE).get("/cas/p3/serviceValidate?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")
                + "&ticket=" + ticket).body()).contains("code=\"INVALID_TICKET\"").contains("expiré");
    }

    @Test
    void proxyCallbackOverHttpIsRefused() throws Exception {
        String ticket = freshTicket(loggedIn());
        assertThat(new Browser(BASE).get("/cas/p3/serviceValidate?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")
                + "&ticket=" + ticket + "&pgtUrl=" + java.net.URLEncoder.encode("http://tool.example/pgt", "UTF-8")).body())
                .contains("code=\"INVALID_PROXY_CALLBACK\"");
    }

    @Test
    void jsonFormatAndCasOneValidation() throws Exception {
        Browser b = loggedIn();
        String json = new Browser(BASE).get("/cas/p3/serviceValidate?format=JSON&service="
                + java.net.URLEncoder.encode(TOOL, "UTF-8") + "&ticket=" + freshTicket(b)).body();
        assertThat(json).startsWith("{\"serviceResponse\":{\"authenticationSuccess\":{\"user\":\"4000002\",\"attributes\":{");
        assertThat(new Browser(BASE).get("/cas/validate?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")
                + "&ticket=" + freshTicket(b)).body()).isEqualTo("yes\n4000002\n");
        assertThat(new Browser(BASE).get("/cas/validate?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")
                + "&ticket=ST-nope").body()).isEqualTo("no\n\n");
    }

    @Test
    void renewForcesANewLoginAndTicketsNotFromOneFailRenewValidation() throws Exception {
        Browser b = loggedIn();
        String ordinary = freshTicket(b);
        assertThat(new Browser(BASE).get("/cas/p3/serviceValidate?renew=true&service="
                + java.net.URLEncoder.encode(TOOL, "UTF-8") + "&ticket=" + ordinary).body())
                .contains("code=\"INVALID_TICKET\"").contains("renew=true");
        HttpResponse<String> renew = b.get("/cas/login?renew=true&service=" + java.net.URLEncoder.encode(TOOL, "UTF-8"));
        assertThat(Browser.location(renew)).contains("/sso/login?request=");
    }

    @Test
    void gatewayWithoutSessionGoesBackWithoutTicket() throws Exception {
        HttpResponse<String> r = new Browser(BASE).get("/cas/login?gateway=true&service="
                + java.net.URLEncoder.encode(TOOL, "UTF-8"));
        assertThat(Browser.location(r)).isEqualTo(TOOL);
    }

    @Test
    void logoutEndsTheSessionAndTellsEveryToolThatGotATicket() throws Exception {
        Browser b = loggedIn();
        String ticket = freshTicket(b);
        new Cas30ServiceTicketValidator(BASE + "/cas").validate(ticket, TOOL);
        HttpResponse<String> out = b.follow(b.get("/cas/logout"));
        assertThat(out.statusCode()).isEqualTo(200);
        assertThat(out.body()).contains("Vous êtes déconnecté").contains("et celle de votre ENT");
        long deadline = System.currentTimeMillis() + 5000;
        while (tool.logoutRequests.stream().noneMatch(l -> l.contains(ticket)) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(tool.logoutRequests).anyMatch(l -> l.contains("<samlp:SessionIndex>" + ticket + "</samlp:SessionIndex>"));
        assertThat(Browser.location(b.get("/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8"))))
                .contains("/sso/login?request=");
    }

    @Test
    void aForgedOrReplayedEntAnswerIsRefused() throws Exception {
        Browser b = new Browser(BASE);
        String entLogin = toEntLogin(b, "/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8") + "&ent=agora06");
        String callback = Browser.query(entLogin, "service");
        HttpResponse<String> forged = b.get(callback + "&ticket=ST-sim-forged");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).contains("Agora 06 n&#39;a pas confirmé votre identité");
        HttpResponse<String> replay = b.get(callback + "&ticket=ST-sim-forged");
        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(replay.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("RELAIS_TGC="));
    }

    @Test
    void portalListsTheToolsAfterALoginWithoutTarget() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> r = b.get("/sso/login?ent=agora06");
        String entLogin = Browser.location(b.get(Browser.location(r)));
        HttpResponse<String> portal = loginAt(b, entLogin, "2000001");
        assertThat(portal.body()).contains("Bonjour").contains("Mes applications").contains("Pronote")
                .contains("Mes ressources").contains("/launch/cns?resource=ark%3A%2F86527%2Fmanuel-maths&amp;uai=0690100J");
    }

    /**
     * The conformance kit, CAS part: every CAS identity source of connectors/ logs a user in through its simulator
     * (the sources read from the catalogue, see EntCatalogue).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("fr.relais.sso.EntCatalogue#cas")
    void everyCasEntLogsAUserIntoTheTool(String ent) throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> page = loginAt(b, toEntLogin(b, "/cas/login?service="
                + java.net.URLEncoder.encode(TOOL, "UTF-8") + "&ent=" + ent), "2000003");
        assertThat(page.statusCode()).isEqualTo(200);
        boolean cas2 = EntCatalogue.cas2(ent);
        // CAS 2.0 ENTs release no attributes: the user is created just in time, unlinked
        assertThat(page.body()).contains(cas2 ? "Connecté : jit-" : "Connecté : 2000003").doesNotContain("Ticket refusé");
        // ... and reaches the publisher with GAR attributes through the ENT of her school (Rhône); an unlinked user
        // is not in any school's directory, and an ENT of another territory opens nothing of a Rhône school
        var received = launchPublisher(b);
        if (!cas2 && EntCatalogue.servesRhone(ent)) {
            assertGarPupil(received.orElseThrow());
        } else {
            assertThat(received).isEmpty();
        }
    }

    @Autowired
    fr.relais.audit.AuditTrail audit;

    @Test
    void refusalsAndReleasesAreAuditedInAChainThatShowsTampering() throws Exception {
        Browser b = loggedIn();
        String ticket = freshTicket(b);
        new Cas30ServiceTicketValidator(BASE + "/cas").validate(ticket, TOOL);
        new Browser(BASE).get("/cas/p3/serviceValidate?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")
                + "&ticket=" + ticket);
        List<fr.relais.audit.AuditTrail.Event> events = audit.latest(2, null);
        assertThat(events.get(0).action()).isEqualTo("cas.validation.refused");
        assertThat(events.get(0).outcome()).isEqualTo(fr.relais.audit.AuditTrail.Outcome.REFUSED);
        assertThat(events.get(0).detail()).startsWith("INVALID_TICKET");
        assertThat(events.get(1).action()).isEqualTo("cas.ticket.validated");
        assertThat(events.get(1).subject()).isEqualTo("4000002");
        assertThat(events.get(1).recipient()).isEqualTo("pronote");
        assertThat(events.get(1).personalData()).isEqualTo("nom,prenom,dateNaissance,categories");
        assertThat(audit.verify()).isEmpty();
        long seq = events.get(1).seq();
        jdbc.update("UPDATE audit_event SET recipient = 'ailleurs' WHERE seq = ?", seq);
        try {
            assertThat(audit.verify()).contains(seq);
        } finally {
            jdbc.update("UPDATE audit_event SET recipient = 'pronote' WHERE seq = ?", seq);
        }
        assertThat(audit.verify()).isEmpty();
    }

    @Test
    void aLogoutSignalledByTheEntEndsTheSessionAndTheTools() throws Exception {
        Browser b = loggedIn();
        String ticket = freshTicket(b);
        new Cas30ServiceTicketValidator(BASE + "/cas").validate(ticket, TOOL);
        HttpResponse<String> told = new Browser(BASE).post("/sandbox/ent/agora06/cas/logout", Map.of("username", "4000002"));
        assertThat(told.body()).isNotEqualTo("0 service(s) prévenu(s)");
        long deadline = System.currentTimeMillis() + 5000;
        while (tool.logoutRequests.stream().noneMatch(l -> l.contains(ticket)) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(tool.logoutRequests).anyMatch(l -> l.contains(ticket));
        assertThat(Browser.location(b.get("/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8"))))
                .contains("/sso/login?request=");
    }

    @Test
    void anIdleSessionEnds() throws Exception {
        Browser b = loggedIn();
        assertThat(Browser.location(b.get("/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8"))))
                .startsWith(TOOL + "?ticket=");
        jdbc.update("UPDATE sso_session SET last_seen_at = ? WHERE person_id = '4000002' AND ended_at IS NULL",
                java.sql.Timestamp.from(java.time.Instant.now().minus(java.time.Duration.ofHours(3))));
        assertThat(Browser.location(b.get("/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8"))))
                .contains("/sso/login?request=");
    }

    @Autowired
    org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext web;

    private String pgtCallback() {
        for (var c : ((org.springframework.boot.web.embedded.tomcat.TomcatWebServer) web.getWebServer()).getTomcat()
                .getService().findConnectors()) {
            if ("https".equals(c.getScheme())) {
                return "https://localhost:" + c.getLocalPort() + "/sandbox/tools/pronote/pgtCallback";
            }
        }
        throw new AssertionError("no https connector");
    }

    @Test
    void aPortalWithAProxyGrantingTicketOpensAnotherToolForTheUser() throws Exception {
        String service = java.net.URLEncoder.encode(TOOL, "UTF-8");
        String ticket = freshTicket(loggedIn());
        String answer = new Browser(BASE).get("/cas/p3/serviceValidate?service=" + service + "&ticket=" + ticket
                + "&pgtUrl=" + java.net.URLEncoder.encode(pgtCallback(), "UTF-8")).body();
        assertThat(answer).contains("<cas:authenticationSuccess>").contains("<cas:proxyGrantingTicket>PGTIOU-");
        String iou = answer.replaceAll("(?s).*<cas:proxyGrantingTicket>([^<]+)</cas:proxyGrantingTicket>.*", "$1");
        String pgt = tool.proxyGrantingTickets.get(iou);
        assertThat(pgt).startsWith("PGT-");

        String proxied = new Browser(BASE).get("/cas/proxy?pgt=" + pgt + "&targetService=" + service).body();
        assertThat(proxied).contains("<cas:proxySuccess>");
        String pt = proxied.replaceAll("(?s).*<cas:proxyTicket>([^<]+)</cas:proxyTicket>.*", "$1");
        assertThat(pt).startsWith("PT-");
        assertThat(new Browser(BASE).get("/cas/p3/serviceValidate?service=" + service + "&ticket=" + pt).body())
                .contains("code=\"INVALID_TICKET_SPEC\"");
        String pt2 = new Browser(BASE).get("/cas/proxy?pgt=" + pgt + "&targetService=" + service).body()
                .replaceAll("(?s).*<cas:proxyTicket>([^<]+)</cas:proxyTicket>.*", "$1");
        String validated = new Browser(BASE).get("/cas/p3/proxyValidate?service=" + service + "&ticket=" + pt2).body();
        assertThat(validated).contains("<cas:user>4000002</cas:user>").contains("<cas:proxy>" + pgtCallback() + "</cas:proxy>");
        assertThat(new Browser(BASE).get("/cas/proxy?pgt=" + pgt + "&targetService="
                + java.net.URLEncoder.encode("https://evil.example/", "UTF-8")).body()).contains("code=\"UNAUTHORIZED_SERVICE\"");
        assertThat(new Browser(BASE).get("/cas/proxy?pgt=PGT-inconnu&targetService=" + service).body())
                .contains("code=\"INVALID_TICKET\"");
    }

    @Test
    void aProxyCallbackThatIsNotRegisteredIsRefused() throws Exception {
        String ticket = freshTicket(loggedIn());
        assertThat(new Browser(BASE).get("/cas/p3/serviceValidate?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")
                + "&ticket=" + ticket + "&pgtUrl=" + java.net.URLEncoder.encode("https://evil.example/pgt", "UTF-8")).body())
                .contains("code=\"INVALID_PROXY_CALLBACK\"");
    }

    @Test
    void anEntAnswerBroughtToAnotherBrowserIsRefused() throws Exception {
        Browser attacker = new Browser(BASE);
        String entLogin = toEntLogin(attacker, "/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8") + "&ent=agora06");
        HttpResponse<String> back = attacker.post("/sandbox/ent/agora06/cas/login", Map.of("username", "4000005",
                "password", "demo", "service", Browser.query(entLogin, "service")));
        // the attacker does not follow the answer but sends it to a victim
        Browser victim = new Browser(BASE);
        HttpResponse<String> r = victim.get(Browser.location(back));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("ne correspond pas à une connexion commencée dans ce navigateur");
        assertThat(r.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("RELAIS_TGC="));
    }

    @Test
    void aVictimCannotBeMadeToTakeOverAnAttackersLoginRequest() throws Exception {
        Browser attacker = new Browser(BASE);
        String entLogin = toEntLogin(attacker, "/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8") + "&ent=agora06");
        String request = Browser.query(Browser.query(entLogin, "service"), "request");
        Browser victim = new Browser(BASE);
        HttpResponse<String> planted = victim.get("/sso/login/agora06?request=" + request);
        assertThat(planted.statusCode()).isEqualTo(400);
        assertThat(planted.body()).contains("ne correspond pas à une connexion commencée dans ce navigateur");
    }

    @Test
    void proxyTicketsAreNeverGivenForAPublisherNorWithoutTheTargetsConsent() throws Exception {
        String service = java.net.URLEncoder.encode(TOOL, "UTF-8");
        String answer = new Browser(BASE).get("/cas/p3/serviceValidate?service=" + service + "&ticket=" + freshTicket(loggedIn())
                + "&pgtUrl=" + java.net.URLEncoder.encode(pgtCallback(), "UTF-8")).body();
        String pgt = tool.proxyGrantingTickets.get(answer.replaceAll("(?s).*<cas:proxyGrantingTicket>([^<]+)</cas:proxyGrantingTicket>.*", "$1"));
        assertThat(new Browser(BASE).get("/cas/proxy?pgt=" + pgt + "&targetService="
                + java.net.URLEncoder.encode(BASE + "/sandbox/tools/bibliomanuels/", "UTF-8")).body())
                .contains("code=\"UNAUTHORIZED_SERVICE_PROXY\"");
    }
}
