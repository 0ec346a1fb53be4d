package fr.relais.platform.cluster;

import static fr.relais.platform.cluster.ClusterFixture.PUPIL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apereo.cas.client.validation.Cas20ServiceTicketValidator;
import org.apereo.cas.client.validation.Cas30ServiceTicketValidator;
import org.apereo.cas.client.validation.TicketValidationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.autoconfigure.http.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.DispatcherServletAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;

import fr.relais.RelaisTestSupport;
import fr.relais.platform.cluster.ClusterFixture.Node;
import fr.relais.sandbox.SimulatedCasEnt;
import fr.relais.sandbox.SimulatedCasTool;
import fr.relais.sandbox.SimulatedOidcProvider;
import fr.relais.sandbox.SimulatedSamlIdp;
import fr.relais.sso.Browser;
import fr.relais.sso.SsoSessions;
import fr.relais.sso.saml.SigningKeys;

/**
 * Single sign-on on two Relais nodes (Spring contexts of this JVM, sharing nothing in memory) on the engines of
 * {@link ClusterFixture}, behind one {@link Balancer} whose address both nodes have as {@code relais.sso.base-url}
 * and share the secrets a deployment gives every node (SAML keystore, pairwise secret). The ENTs (the sandbox's CAS
 * ENT, SAML IdP and OpenID Connect provider) and the school tool (the sandbox's CAS tool, which validates with the
 * Apereo CAS client) run in a server of their own, so that they outlive any node; a headless browser with its
 * cookies goes through the balancer, which the test points at node A or B between steps.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoNodesSsoTest {

    private static final Pattern HIDDEN = Pattern.compile("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"");

    static ClusterFixture cluster;
    static Balancer balancer;
    static ConfigurableApplicationContext peers;
    static Node a;
    static Node b;
    static String tool;

    /** The ENTs and the school tool, in a server of their own (the sandbox's simulators, as a partner runs them). */
    // no @Configuration stereotype: component scanning of fr.relais would add this to every Relais the tests start;
    // as the source of its own application it is read all the same (@Bean and @Import in lite mode)
    @ImportAutoConfiguration({ServletWebServerFactoryAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
            WebMvcAutoConfiguration.class, ThymeleafAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
            JacksonAutoConfiguration.class, PropertyPlaceholderAutoConfiguration.class})
    @Import({SimulatedCasEnt.class, SimulatedSamlIdp.class, SimulatedOidcProvider.class, SimulatedCasTool.class})
    static class Peers {
    }

    @BeforeAll
    static void start() throws Exception {
        cluster = new ClusterFixture("sso-cluster").start();
        balancer = new Balancer();
        tool = balancer.base() + "/sandbox/tools/pronote/";
        peers = new SpringApplicationBuilder(Peers.class).profiles("demo").run("--server.port=0",
                "--spring.main.banner-mode=off", "--logging.level.root=WARN", "--relais.sso.base-url=" + balancer.base());
        balancer.peers("http://localhost:" + ((ServletWebServerApplicationContext) peers).getWebServer().getPort());
        // what a deployment gives every node: its public address and the same secrets
        Path keys = RelaisTestSupport.fresh("sso-cluster-keys");
        Files.createDirectories(keys);
        SigningKeys.loadOrGenerate(keys.resolve("saml.p12"), "Relais IdP");
        String[] shared = {"--relais.sso.base-url=" + balancer.base(),
                "--relais.sso.pairwise-secret=deux-noeuds-un-seul-secret-pour-les-pseudonymes-7f3a9c",
                "--relais.sso.saml.keystore=" + keys.resolve("saml.p12").toAbsolutePath(),
                "--relais.sso.saml.keystore-password=" + Files.readString(keys.resolve("saml.p12.password")).strip()};
        List<Integer> ports = cluster.peerPorts();
        a = cluster.node("a", ports.get(0)).start(shared);
        b = cluster.node("b", ports.get(1)).start(shared);
        balancer.add(a).add(b);
        cluster.awaitTerritory(b);
    }

    @AfterAll
    static void stop() throws Exception {
        if (balancer != null) {
            balancer.close();
        }
        if (peers != null) {
            peers.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    // ----------------------------------------------------------------------------------------------- tests

    @Test
    @Order(1)
    void aTicketIssuedByOneNodeValidatesOnTheOtherAndOnlyOnce() throws Exception {
        Browser browser = new Browser(balancer.base());
        balancer.prefer(a);
        String fromA = ticketFrom(browser, typePassword(browser, go(browser, "/cas/login?service=" + enc(tool)
                + "&ent=agora06")));
        assertThat(balancer.last).isEqualTo(a.base());

        var onB = new Cas30ServiceTicketValidator(b.base() + "/cas").validate(fromA, tool);
        assertThat(onB.getPrincipal().getName()).isEqualTo(PUPIL);
        assertThat(onB.getPrincipal().getAttributes()).containsKeys("nom", "prenom", "categories");
        assertThatThrownBy(() -> new Cas30ServiceTicketValidator(a.base() + "/cas").validate(fromA, tool))
                .isInstanceOf(TicketValidationException.class).hasMessageContaining("inconnu ou déjà utilisé");

        // the session A opened, its cookie brought to B: a ticket at once (no ENT), validated by A, refused by B
        balancer.prefer(b);
        HttpResponse<String> again = browser.get("/cas/login?service=" + enc(tool));
        assertThat(balancer.last).isEqualTo(b.base());
        assertThat(Browser.location(again)).startsWith(tool + "?ticket=ST-");
        String fromB = Browser.query(Browser.location(again), "ticket");
        assertThat(new Cas20ServiceTicketValidator(a.base() + "/cas").validate(fromB, tool).getPrincipal().getName())
                .isEqualTo(PUPIL);
        assertThatThrownBy(() -> new Cas20ServiceTicketValidator(b.base() + "/cas").validate(fromB, tool))
                .isInstanceOf(TicketValidationException.class).hasMessageContaining("inconnu ou déjà utilisé");

        // a tool that validates the same ticket eight times at once, through both nodes: once only
        String raced = Browser.query(Browser.location(browser.get("/cas/login?service=" + enc(tool))), "ticket");
        List<Callable<Boolean>> validations = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Node node = i % 2 == 0 ? a : b;
            validations.add(() -> {
                try {
                    new Cas30ServiceTicketValidator(node.base() + "/cas").validate(raced, tool);
                    return true;
                } catch (TicketValidationException e) {
                    return false;
                }
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            long valid = 0;
            for (Future<Boolean> f : pool.invokeAll(validations)) {
                valid += f.get() ? 1 : 0;
            }
            assertThat(valid).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(2)
    void theSamlAnswerToAnAuthnRequestOfOneNodeIsAcceptedByTheOtherAndOnlyOnce() throws Exception {
        Browser browser = new Browser(balancer.base());
        balancer.prefer(a);
        HttpResponse<String> form = go(browser, "/cas/login?service=" + enc(tool) + "&ent=ent77");
        assertThat(form.uri().getPath()).isEqualTo("/sandbox/ent/ent77/saml/sso");
        HttpResponse<String> auto = submitPassword(browser, form);
        assertThat(auto.body()).contains("name=\"SAMLResponse\"");
        Map<String, String> answer = hidden(auto.body());
        int sessions = sessions();

        // node A sent the AuthnRequest; node B receives the answer
        balancer.prefer(b);
        HttpResponse<String> onB = browser.post(action(auto.body()), answer);
        assertThat(balancer.last).isEqualTo(b.base());
        assertThat(Browser.location(onB)).as(onB.body()).startsWith(tool + "?ticket=ST-");
        assertThat(sessions()).isEqualTo(sessions + 1);

        balancer.prefer(a);
        HttpResponse<String> replayed = browser.post(action(auto.body()), answer);
        assertThat(replayed.statusCode()).isEqualTo(401);
        assertThat(unescape(replayed.body())).contains("Connexion refusée").contains("déjà");
        assertThat(replayed.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith(SsoSessions.COOKIE + "="));
        assertThat(sessions()).isEqualTo(sessions + 1);
    }

    @Test
    @Order(3)
    void theOidcAnswerToAnAuthorizationRequestOfOneNodeIsAcceptedByTheOtherAndOnlyOnce() throws Exception {
        Browser browser = new Browser(balancer.base());
        balancer.prefer(a);
        HttpResponse<String> form = go(browser, "/cas/login?service=" + enc(tool) + "&ent=monlycee");
        assertThat(form.uri().getPath()).isEqualTo("/sandbox/oidc/monlycee/authorize");
        HttpResponse<String> answered = submitPassword(browser, form);
        String callback = Browser.location(answered);
        assertThat(callback).startsWith(balancer.base() + "/sso/oidc/callback/monlycee?code=");
        int sessions = sessions();

        // node A sent the authorization request (state, nonce, PKCE verifier); node B receives the answer
        balancer.prefer(b);
        HttpResponse<String> onB = browser.get(callback);
        assertThat(balancer.last).isEqualTo(b.base());
        assertThat(Browser.location(onB)).as(onB.body()).startsWith(tool + "?ticket=ST-");
        assertThat(sessions()).isEqualTo(sessions + 1);

        balancer.prefer(a);
        HttpResponse<String> replayed = browser.get(callback);
        assertThat(replayed.statusCode()).isEqualTo(401);
        assertThat(unescape(replayed.body())).contains("Connexion refusée")
                .contains("state inconnu, expiré ou déjà utilisé");
        assertThat(replayed.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith(SsoSessions.COOKIE + "="));
        assertThat(sessions()).isEqualTo(sessions + 1);
    }

    @Test
    @Order(4)
    void aPublishersAuthnRequestReceivedByOneNodeIsRefusedAsAReplayByTheOther() throws Exception {
        String request = "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                + "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_cluster" + System.nanoTime()
                + "\" Version=\"2.0\" IssueInstant=\"" + java.time.Instant.now() + "\"><saml:Issuer>"
                + "https://sp.cns-edu.com/saml</saml:Issuer></samlp:AuthnRequest>";
        String sso = "/saml/idp/sso?SAMLRequest=" + enc(java.util.Base64.getEncoder().encodeToString(deflate(request)));
        HttpResponse<String> first = new Browser(balancer.base()).get(a.base() + sso);
        assertThat(Browser.location(first)).contains("/sso/login?request=");

        // the same request, captured and sent again to the other node
        HttpResponse<String> replayed = new Browser(balancer.base()).get(b.base() + sso);
        assertThat(replayed.statusCode()).isEqualTo(400);
        assertThat(replayed.headers().firstValue("Location")).isEmpty();
        assertThat(unescape(replayed.body())).contains("Demande déjà reçue")
                .contains("relancez la ressource depuis le site de l'éditeur");
    }

    @Test
    @Order(5)
    void anOidcLogoutTokenEndsTheSessionOnceWhicheverNodeReceivesIt() throws Exception {
        Browser browser = new Browser(balancer.base());
        balancer.prefer(a);
        HttpResponse<String> inTool = browser.follow(submitPassword(browser, go(browser, "/cas/login?service="
                + enc(tool) + "&ent=monlycee")));
        assertThat(inTool.body()).contains("Connecté : " + PUPIL);
        String cookie = cookie(browser, SsoSessions.COOKIE);

        // the provider's back-channel logout, through the balancer to node A: the session ends
        assertThat(peers.getBean(SimulatedOidcProvider.class).logout("monlycee", PUPIL, ""))
                .isEqualTo("200 1 session(s) terminée(s)");
        assertThat(Browser.location(withCookie(b, cookie))).contains("/sso/login?request=");

        // the same logout token, captured on the way and sent again to node B: refused as a replay
        String token = balancer.bodies.get("/sso/oidc/backchannel-logout/monlycee");
        HttpResponse<String> replayed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(b.base()
                + "/sso/oidc/backchannel-logout/monlycee")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(token)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(replayed.statusCode()).isEqualTo(400);
        assertThat(replayed.body()).contains("jeton de déconnexion déjà reçu");
    }

    @Test
    @Order(6)
    void aLogoutOnOneNodeEndsTheSessionOnTheOtherAndTellsTheTool() throws Exception {
        Browser browser = new Browser(balancer.base());
        balancer.prefer(a);
        HttpResponse<String> inTool = browser.follow(typePassword(browser, go(browser, "/cas/login?service="
                + enc(tool) + "&ent=agora06")));
        assertThat(inTool.body()).contains("Connecté : " + PUPIL);
        String cookie = cookie(browser, SsoSessions.COOKIE);
        String ticket = Browser.query(Browser.location(withCookie(a, cookie)), "ticket");
        assertThat(ticket).startsWith("ST-");
        SimulatedCasTool toolPeer = peers.getBean(SimulatedCasTool.class);
        int received = toolPeer.logoutRequests.size();

        balancer.prefer(b);
        HttpResponse<String> logout = browser.get("/cas/logout");
        assertThat(balancer.last).isEqualTo(b.base());
        assertThat(Browser.location(logout)).contains("/sandbox/ent/agora06/cas/logout");

        // node A no longer knows the session: back to the login, no ticket
        HttpResponse<String> after = withCookie(a, cookie);
        assertThat(Browser.location(after)).contains("/sso/login?request=").doesNotContain("ticket=");
        // the tool is told, of the very tickets node A issued
        ClusterFixture.await("the tool told of the logout", Duration.ofSeconds(5), () -> toolPeer.logoutRequests
                .stream().skip(received).anyMatch(r -> r.contains("<samlp:SessionIndex>" + ticket
                        + "</samlp:SessionIndex>")));
    }

    @Test
    @Order(7)
    void aSessionOutlivesTheNodeThatOpenedIt() throws Exception {
        Browser browser = new Browser(balancer.base());
        balancer.prefer(a);
        assertThat(browser.follow(typePassword(browser, go(browser, "/cas/login?service=" + enc(tool)
                + "&ent=agora06"))).body()).contains("Connecté : " + PUPIL);
        long servedByB = balancer.served.get(b.base()) == null ? 0 : balancer.served.get(b.base()).get();

        a.stop();

        // the balancer finds A gone and passes to B: straight back to the tool with a ticket, no ENT on the way
        HttpResponse<String> r = browser.get("/cas/login?service=" + enc(tool));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        assertThat(Browser.location(r)).startsWith(tool + "?ticket=ST-");
        HttpResponse<String> page = browser.get(Browser.location(r));
        assertThat(page.body()).contains("Connecté : " + PUPIL).doesNotContain("Ticket refusé");
        assertThat(balancer.served.get(b.base()).get()).isGreaterThan(servedByB);
    }

    // --------------------------------------------------------------------------------------------- helpers

    /** Follows redirects from {@code url}: the ENT's password form, or the page past it. */
    static HttpResponse<String> go(Browser browser, String url) throws Exception {
        return browser.follow(browser.get(url));
    }

    /** Types the pupil's password into the ENT's form; answers the ENT's own answer (a redirect or a SAML form). */
    static HttpResponse<String> submitPassword(Browser browser, HttpResponse<String> form) {
        assertThat(form.statusCode()).as(form.uri() + "\n" + form.body()).isEqualTo(200);
        assertThat(form.body()).contains("name=\"password\"");
        Map<String, String> fields = hidden(form.body());
        fields.put("username", PUPIL);
        fields.put("password", "demo");
        try {
            return browser.post(action(form.body()), fields);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Types the password, follows the ENT's answer back to Relais, stops at the redirect to the tool. */
    static HttpResponse<String> typePassword(Browser browser, HttpResponse<String> form) throws Exception {
        HttpResponse<String> r = submitPassword(browser, form);
        while (r.statusCode() / 100 == 3 && !Browser.location(r).startsWith(tool)) {
            r = browser.get(Browser.location(r));
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        return r;
    }

    static String ticketFrom(Browser browser, HttpResponse<String> toTool) {
        return Browser.query(Browser.location(toTool), "ticket");
    }

    /** {@code /cas/login} for the tool on {@code node} itself, with only this SSO cookie. */
    static HttpResponse<String> withCookie(Node node, String cookie) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.base() + "/cas/login?service="
                + enc(tool))).header("Cookie", SsoSessions.COOKIE + "=" + cookie).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String cookie(Browser browser, String name) {
        return browser.cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals(name))
                .map(java.net.HttpCookie::getValue).findFirst().orElseThrow();
    }

    static int sessions() {
        return b.context.getBean(JdbcTemplate.class).queryForObject("SELECT COUNT(*) FROM sso_session", Integer.class);
    }

    static Map<String, String> hidden(String html) {
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher m = HIDDEN.matcher(html);
        while (m.find()) {
            fields.put(m.group(1), unescape(m.group(2)));
        }
        return fields;
    }

    static String action(String html) {
        return unescape(html.replaceAll("(?s).*<form method=\"post\" action=\"([^\"]+)\".*", "$1"));
    }

    static String unescape(String s) {
        return s.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<")
                .replace("&gt;", ">");
    }

    /** The HTTP-Redirect binding's raw DEFLATE. */
    static byte[] deflate(String xml) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var d = new java.util.zip.DeflaterOutputStream(out, new java.util.zip.Deflater(
                java.util.zip.Deflater.DEFLATED, true))) {
            d.write(xml.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
