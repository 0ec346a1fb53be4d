package fr.relais.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.CookieManager;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import fr.relais.RelaisTestSupport;
import fr.relais.audit.AuditTrail;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.directory.ldap.EmbeddedLdapServer;

/**
 * What an outside review of a running demo found at the platform level, checked on a running Relais (demo profile,
 * embedded LDAP, H2 and Artemis, real HTTP): the directory refuses anonymous clients, the data directory is private,
 * the admin API refuses cross-site requests and does not ask browsers to keep its password, logins are throttled,
 * logged inputs cannot forge log lines, forwarded headers are believed from the configured proxy only.
 * Requests carry X-Forwarded-For (the test's 127.0.0.1 is the trusted proxy) so that each test has its own address.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT, properties = {
        "relais.data-dir=./target/it/platform",
        "relais.proxies=127\\.0\\.0\\.1",
        "relais.login.lock=2s"})
@ActiveProfiles({"demo", "test"})
@ExtendWith(OutputCaptureExtension.class)
class PlatformSecurityTest {

    static final int PORT = freePort();
    static final String BASE = "http://localhost:" + PORT;
    static final Path DATA = Path.of("./target/it/platform");

    static {
        RelaisTestSupport.fresh("platform");
    }

    @DynamicPropertySource
    static void port(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
    }

    @Autowired
    EmbeddedLdapServer ldap;
    @Autowired
    AafImporter importer;
    @Autowired
    AuditTrail audit;

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static final java.util.concurrent.atomic.AtomicInteger ADDRESSES = new java.util.concurrent.atomic.AtomicInteger();

    /** Each call a new client address (documentation range), told by the trusted proxy. */
    static String address() {
        return "203.0.113." + ADDRESSES.incrementAndGet();
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder get(String path, String address) {
        return HttpRequest.newBuilder(URI.create(BASE + path)).header("X-Forwarded-For", address);
    }

    // --- 6: the embedded directory --------------------------------------------------------------------------

    @Test
    void embeddedDirectoryRefusesAnonymousReadsAndWritesAndServesTheGeneratedAccount(@org.junit.jupiter.api.io.TempDir Path feed)
            throws Exception {
        for (Path file : new AafFeedGenerator(new AafFeedGenerator.Parameters(11, 1, 1, 2, 2, 1, 100_000, "TEST"))
                .writeTo(feed)) {
            importer.importFile(file, file.getFileName().toString(), "api");
        }
        String base = ldap.baseDn();
        Path passwordFile = DATA.resolve("ldap").resolve("bind-password");
        assertThat(Files.getPosixFilePermissions(passwordFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        try (LDAPConnection bound = new LDAPConnection("127.0.0.1", ldap.listenPort(), "cn=relais," + base,
                Files.readString(passwordFile).strip())) {
            List<SearchResultEntry> pupils = bound.search("ou=personnes," + base, SearchScope.ONE,
                    "(ENTPersonProfils=National_ELV)", "ENTPersonProfils", "sn").getSearchEntries();
            assertThat(pupils).as("the pupils of the imported feed").hasSize(2);
            SearchResultEntry pupil = pupils.get(0);

            try (LDAPConnection anonymous = new LDAPConnection("127.0.0.1", ldap.listenPort())) {
                assertThatThrownBy(() -> anonymous.search("ou=personnes," + base, SearchScope.SUB, "(objectClass=*)"))
                        .isInstanceOf(LDAPException.class)
                        .extracting(e -> ((LDAPException) e).getResultCode())
                        .isEqualTo(ResultCode.INSUFFICIENT_ACCESS_RIGHTS);
                assertThatThrownBy(() -> anonymous.modify(pupil.getDN(),
                        new Modification(ModificationType.REPLACE, "ENTPersonProfils", "National_ENS")))
                        .isInstanceOf(LDAPException.class)
                        .extracting(e -> ((LDAPException) e).getResultCode())
                        .isEqualTo(ResultCode.INSUFFICIENT_ACCESS_RIGHTS);
            }
            assertThat(bound.getEntry(pupil.getDN()).getAttributeValues("ENTPersonProfils"))
                    .containsExactly("National_ELV");
        }
        try (LDAPConnection wrong = new LDAPConnection("127.0.0.1", ldap.listenPort())) {
            assertThatThrownBy(() -> wrong.bind("cn=relais," + base, "devine"))
                    .extracting(e -> ((LDAPException) e).getResultCode())
                    .isEqualTo(ResultCode.INVALID_CREDENTIALS);
        }
    }

    // --- 11: the data directory ------------------------------------------------------------------------------

    @Test
    void everythingUnderTheDataDirectoryIsPrivateAfterAStart() throws Exception {
        Set<PosixFilePermission> othersAndGroup = PosixFilePermissions.fromString("---rwxrwx");
        List<String> open;
        try (Stream<Path> walk = Files.walk(DATA)) {
            open = walk.filter(p -> !Files.isSymbolicLink(p)).filter(p -> {
                try {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                    return Files.isDirectory(p) ? !perms.equals(PosixFilePermissions.fromString("rwx------"))
                            : perms.stream().anyMatch(othersAndGroup::contains);
                } catch (IOException gone) {
                    return false;
                }
            }).map(p -> p + " " + permissions(p)).toList();
        }
        assertThat(open).isEmpty();
        // the secrets a demo start generates are among them
        assertThat(DATA.resolve("keys").resolve("pairwise-secret")).exists();
        assertThat(DATA.resolve("keys").resolve("saml-idp.p12.password")).exists();
        assertThat(DATA.resolve("db")).isDirectory();
    }

    private static String permissions(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        } catch (IOException e) {
            return "?";
        }
    }

    // --- 8: cross-site requests and the Basic challenge ------------------------------------------------------

    private HttpResponse<String> upload(String address, String... headers) throws Exception {
        String boundary = "relais" + UUID.randomUUID();
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ENT_TEST_Delta_Eleve_0000.xml\"\r\n"
                + "Content-Type: text/xml\r\n\r\n<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><ficAlimMENESR>"
                + "<deleteRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>Eleve</value></attr>"
                + "</operationalAttributes><identifier><id>2000001</id></identifier></deleteRequest></ficAlimMENESR>\r\n--"
                + boundary + "--\r\n";
        HttpRequest.Builder request = get("/api/directory/imports", address)
                .header("Authorization", basic("admin", RelaisTestSupport.ADMIN_PASSWORD))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.ISO_8859_1));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    private int importsRecorded() throws Exception {
        return json.readTree(send(get("/api/directory/imports", address())
                .header("Authorization", basic("admin", RelaisTestSupport.ADMIN_PASSWORD))).body()).size();
    }

    @Test
    void crossSiteUploadsToTheAdminApiAreRefusedAndCurlStillWorks() throws Exception {
        int before = importsRecorded();
        for (String[] crossSite : List.of(new String[] {"Origin", "https://evil.example"},
                new String[] {"Sec-Fetch-Site", "cross-site"}, new String[] {"Sec-Fetch-Site", "same-site"},
                new String[] {"Origin", "null"})) {
            HttpResponse<String> refused = upload(address(), crossSite);
            assertThat(refused.statusCode()).as(String.join(": ", crossSite)).isEqualTo(403);
            JsonNode error = json.readTree(refused.body());
            assertThat(error.get("status").asInt()).isEqualTo(403);
            assertThat(error.get("path").asText()).isEqualTo("/api/directory/imports");
            assertThat(error.get("message").asText()).isEqualTo("Requête refusée : elle vient d'un autre site ("
                    + String.join(": ", crossSite) + "). Les modifications se font depuis la console Relais ou par "
                    + "un client d'API (curl...).");
        }
        assertThat(importsRecorded()).as("nothing imported").isEqualTo(before);

        // curl sends no Origin; a page of Relais itself sends its own
        assertThat(upload(address()).statusCode()).isEqualTo(200);
        assertThat(upload(address(), "Origin", BASE, "Sec-Fetch-Site", "same-origin").statusCode()).isEqualTo(200);
        assertThat(importsRecorded()).isEqualTo(before + 2);
    }

    @Test
    void partnersCrossSiteEndpointsAreNotRefusedAsCrossSite() throws Exception {
        // the IdP's form post to the ACS and an OpenID provider's back-channel logout come from other sites
        HttpResponse<String> acs = send(get("/saml/sp/acs", address()).header("Origin", "https://idp.example")
                .header("Sec-Fetch-Site", "cross-site").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("SAMLResponse=" + URLEncoder.encode("bm9uZQ==", StandardCharsets.UTF_8))));
        assertThat(acs.statusCode()).isNotEqualTo(403);
        HttpResponse<String> logout = send(get("/oidc/backchannel-logout/monlycee", address())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("logout_token=x")));
        assertThat(logout.statusCode()).isNotEqualTo(403);
    }

    @Test
    void apiAsksForCredentialsWithoutABasicChallenge() throws Exception {
        for (HttpResponse<String> response : List.of(send(get("/api/connectors", address())),
                send(get("/api/connectors", address()).header("Authorization", basic("personne", "pas-le-bon"))))) {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
            JsonNode error = json.readTree(response.body());
            assertThat(error.get("message").asText()).isEqualTo("Authentification requise : envoyez l'identifiant et "
                    + "le mot de passe de l'administrateur en HTTP Basic (curl -u admin:<mot de passe>).");
            assertThat(error.get("path").asText()).isEqualTo("/api/connectors");
        }
    }

    // --- 9: brute force --------------------------------------------------------------------------------------

    @Test
    void apiLoginsAreThrottledByAccountLoggedAndAudited(CapturedOutput output) throws Exception {
        String from = address();
        for (int i = 0; i < 5; i++) {
            assertThat(send(get("/api/connectors", from).header("Authorization", basic("admin", "essai" + i)))
                    .statusCode()).isEqualTo(401);
        }
        // locked: even the right password, from another address too
        for (String address : List.of(from, address())) {
            HttpResponse<String> locked = send(get("/api/connectors", address)
                    .header("Authorization", basic("admin", RelaisTestSupport.ADMIN_PASSWORD)));
            assertThat(locked.statusCode()).isEqualTo(429);
            assertThat(locked.headers().firstValue("Retry-After")).hasValueSatisfying(
                    s -> assertThat(Integer.parseInt(s)).isBetween(1, 2));
            assertThat(json.readTree(locked.body()).get("message").asText())
                    .matches("Trop d'échecs de connexion pour ce compte ou cette adresse : réessayez dans [12] s\\.");
        }
        assertThat(output.getOut().lines().filter(l -> l.contains("WARN") && l.contains(
                "Connexion administrateur refusée : compte « admin », adresse " + from
                        + " : identifiant ou mot de passe incorrect"))).hasSize(5);
        assertThat(output.getOut()).doesNotContain("\tat ").doesNotContain(" ERROR ");
        audit.settle();
        assertThat(audit.latest(1000, null).stream().filter(e -> e.action().equals("admin.login")
                && e.actor().equals("admin") && e.outcome() == AuditTrail.Outcome.REFUSED
                && e.detail().startsWith("adresse " + from + " ")).map(AuditTrail.Event::detail))
                .allMatch(d -> d.matches("adresse " + java.util.regex.Pattern.quote(from) + " : (identifiant ou mot de "
                        + "passe incorrect|bloqué encore [12] s après trop d'échecs)"))
                .filteredOn(d -> d.endsWith("incorrect")).hasSize(5);

        Thread.sleep(2_100);
        assertThat(send(get("/api/connectors", from)
                .header("Authorization", basic("admin", RelaisTestSupport.ADMIN_PASSWORD))).statusCode()).isEqualTo(200);
    }

    @Test
    void anAddressTryingManyAccountsIsLockedForAllOfThem() throws Exception {
        String from = address();
        for (int i = 0; i < 20; i++) {
            assertThat(send(get("/api/connectors", from).header("Authorization", basic("compte" + i, "essai")))
                    .statusCode()).isEqualTo(401);
        }
        assertThat(send(get("/api/connectors", from)
                .header("Authorization", basic("admin", RelaisTestSupport.ADMIN_PASSWORD))).statusCode()).isEqualTo(429);
        String elsewhere = "198.51.100.7";
        assertThat(send(get("/api/connectors", elsewhere)
                .header("Authorization", basic("admin", RelaisTestSupport.ADMIN_PASSWORD))).statusCode()).isEqualTo(200);
    }

    @Test
    void theConsoleLoginFormIsThrottledToo() throws Exception {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        String from = address();
        java.util.function.Function<String, HttpResponse<String>> login = password -> {
            try {
                String page = browser.send(get("/login", from).build(), HttpResponse.BodyHandlers.ofString()).body();
                String csrf = page.replaceAll("(?s).*name=\"_csrf\" value=\"([^\"]+)\".*", "$1");
                return browser.send(get("/login", from).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("username=admin&password="
                                + URLEncoder.encode(password, StandardCharsets.UTF_8) + "&_csrf=" + csrf)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        for (int i = 0; i < 5; i++) {
            assertThat(login.apply("essai" + i).headers().firstValue("Location")).hasValue(BASE + "/login?error");
        }
        HttpResponse<String> locked = login.apply(RelaisTestSupport.ADMIN_PASSWORD);
        assertThat(locked.headers().firstValue("Location")).hasValue(BASE + "/login?bloque");
        assertThat(browser.send(get("/login?bloque", from).build(), HttpResponse.BodyHandlers.ofString()).body())
                .contains("Trop d'échecs de connexion pour ce compte ou cette adresse : la connexion")
                .contains("même avec le bon mot de passe");
        Thread.sleep(2_100);
        assertThat(login.apply(RelaisTestSupport.ADMIN_PASSWORD).headers().firstValue("Location"))
                .hasValue(BASE + "/admin");
    }

    // --- 12: log forging -------------------------------------------------------------------------------------

    @Test
    void aLoggedParameterCannotForgeALogLine(CapturedOutput output) throws Exception {
        send(get("/cas/login?service=http://x%0aFAKE%20LINE%0d%0aFAKE%20LINE%20TOO", address()));
        assertThat(output.getOut().lines().filter(l -> l.contains("CAS login refusé")))
                .anySatisfy(l -> assertThat(l).endsWith(": http://x⏎FAKE LINE⏎FAKE LINE TOO"));
        assertThat(output.getOut().lines().filter(l -> l.startsWith("FAKE LINE"))).isEmpty();
    }

    // --- 13: behind the TLS-terminating proxy ----------------------------------------------------------------

    @Test
    void httpsForwardedByTheTrustedProxyGetsStrictTransportSecurity() throws Exception {
        HttpResponse<String> page = send(get("/login", address()).header("X-Forwarded-Proto", "https"));
        assertThat(page.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000 ; includeSubDomains");
    }
}
