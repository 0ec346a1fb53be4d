package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.apereo.cas.client.validation.Assertion;
import org.apereo.cas.client.validation.Cas30ServiceTicketValidator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.directory.aaf.Uai;
import fr.relais.licence.Subscription;
import fr.relais.licence.Subscriptions;
import fr.relais.sandbox.SimulatedSamlPublisher;
import fr.relais.sso.peers.Keycloak;

/**
 * One Relais (demo profile, the generated test territory) whose connectors are the catalogue plus the test-only
 * ENTs played by a real Keycloak ({@code src/test/resources/keycloak-connectors}), and the journeys a pupil makes
 * through it: a CAS tool whose ticket is validated by the Apereo CAS client, then a publisher launch.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT, properties = {
        "relais.data-dir=./target/it/sso-keycloak", "relais.connectors.dir=./target/it/sso-keycloak-connectors"})
@ActiveProfiles({"demo", "test"})
abstract class KeycloakTestBase {

    protected static final int PORT = SsoTestBase.freePort();
    protected static final String BASE = "http://localhost:" + PORT;
    /** The simulated Pronote, registered as a CAS service in connectors/tools/pronote.yaml. */
    protected static final String PRONOTE = BASE + "/sandbox/tools/pronote/";
    protected static final String OIDC_CLIENT = "relais-" + PORT;
    /** Launched before Relais, so that both start at once; ready (realm set up) from the first test on. */
    protected static final Keycloak KEYCLOAK = Keycloak.launched();

    static {
        RelaisTestSupport.fresh("sso-keycloak");
        Path connectors = RelaisTestSupport.fresh("sso-keycloak-connectors");
        copy(Path.of("connectors"), connectors);
        copy(Path.of("src/test/resources/keycloak-connectors"), connectors);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("relais.test.keycloak.realm-url", KEYCLOAK::realmUrl);
        registry.add("relais.test.keycloak.oidc-client", () -> OIDC_CLIENT);
    }

    @Autowired
    protected AafImporter importer;
    @Autowired
    protected Subscriptions subscriptions;
    @Autowired
    protected SimulatedSamlPublisher samlPublisher;
    @Autowired
    protected org.springframework.jdbc.core.JdbcTemplate jdbc;

    private static boolean ready;

    /** Once per Relais: the territory's directory, CNS's subscription, and Relais registered in Keycloak. */
    @BeforeEach
    void once(@TempDir Path dir) throws Exception {
        if (ready) {
            return;
        }
        for (Path f : new AafFeedGenerator(new AafFeedGenerator.Parameters(2026, 1, 4, 5, 6, 1, 1000, "SSO"))
                .writeTo(dir)) {
            importer.importFile(f, f.getFileName().toString(), "api");
        }
        subscriptions.create(new Subscription("cns", "ABO-KC-cns", "D", "ark:/86527/manuel-maths", "ark", "Manuel",
                null, java.time.Instant.parse("2026-01-01T00:00:00Z"), null, null, null, true,
                Subscription.AssignmentType.ETABL, null, null, null, null, null, null, List.of(Uai.of(690_100)),
                List.of("ELEVE", "ENSEIGNANT", "DOCUMENTALISTE")));
        KEYCLOAK.ready();
        KEYCLOAK.oidcClient(OIDC_CLIENT, BASE + "/sso/oidc/callback/keycloak-oidc");
        KEYCLOAK.samlClientFromMetadata(new Browser(BASE).get("/saml/sp/metadata").body());
        ready = true;
    }

    /** From Pronote's login link with this ENT chosen, redirect by redirect, up to the first page Keycloak shows. */
    protected static HttpResponse<String> toKeycloak(Browser b, String ent) throws Exception {
        HttpResponse<String> r = b.get("/cas/login?service=" + URLEncoder.encode(PRONOTE, StandardCharsets.UTF_8)
                + "&ent=" + ent);
        for (int hops = 0; r.statusCode() / 100 == 3 && hops < 10; hops++) {
            r = b.get(Browser.location(r));
        }
        assertThat(r.uri().toString()).as(r.body()).startsWith(KEYCLOAK.realmUrl());
        return r;
    }

    /** Keycloak's login form filled in and submitted, as a user would (the action parsed from its HTML). */
    protected static HttpResponse<String> signIn(Browser b, HttpResponse<String> loginPage, String username)
            throws Exception {
        assertThat(loginPage.statusCode()).as(loginPage.body()).isEqualTo(200);
        String action = attribute(loginPage.body(), "form id=\"kc-form-login\"[^>]*?action=\"([^\"]+)\"");
        return b.post(action, Map.of("username", username, "password", Keycloak.PASSWORD, "credentialId", ""));
    }

    /** Follows redirects up to Pronote's URL with a ticket (not followed: Pronote's side is done by the CAS client). */
    protected static String pronoteTicket(Browser b, HttpResponse<String> r) throws Exception {
        for (int hops = 0; hops < 10 && r.statusCode() / 100 == 3; hops++) {
            String location = Browser.location(r);
            if (location.startsWith(PRONOTE)) {
                String ticket = Browser.query(location, "ticket");
                assertThat(ticket).startsWith("ST-");
                return ticket;
            }
            r = b.get(location);
        }
        throw new AssertionError("no redirect to Pronote with a ticket: HTTP " + r.statusCode() + " at " + r.uri()
                + "\n" + r.body());
    }

    /** Pronote's side: the Apereo CAS client validates the ticket at Relais' /cas/p3/serviceValidate. */
    protected static Assertion validateAsPronote(String ticket) throws Exception {
        return new Cas30ServiceTicketValidator(BASE + "/cas").validate(ticket, PRONOTE);
    }

    /** The médiacentre link to CNS for the test school; answers what CNS received once it verified the signature. */
    protected Optional<SimulatedSamlPublisher.Received> launchCns(Browser b) throws Exception {
        HttpResponse<String> form = b.follow(b.get("/launch/cns?resource="
                + URLEncoder.encode("ark:/86527/manuel-maths", StandardCharsets.UTF_8) + "&uai=" + Uai.of(690_100)));
        if (form.statusCode() != 200) {
            return Optional.empty();
        }
        String response = attribute(form.body(), "name=\"SAMLResponse\" value=\"([^\"]+)\"");
        int before = samlPublisher.received.size();
        HttpResponse<String> page = b.post(BASE + "/sandbox/publishers/cns/acs", Map.of("SAMLResponse", response));
        assertThat(page.body()).contains("Signature vérifiée");
        return Optional.of(samlPublisher.received.get(before));
    }

    /** The first group of a pattern in an HTML page, with its entities decoded. */
    protected static String attribute(String html, String pattern) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(pattern).matcher(html);
        assertThat(m.find()).as("'" + pattern + "' in\n" + html).isTrue();
        return m.group(1).replace("&amp;", "&").replace("&#x3D;", "=").replace("&#61;", "=");
    }

    protected static String host(String url) {
        return URI.create(url).getHost();
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
