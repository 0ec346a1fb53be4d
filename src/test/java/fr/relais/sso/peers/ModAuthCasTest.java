package fr.relais.sso.peers;

import static fr.relais.sso.peers.PeerClient.location;
import static fr.relais.sso.peers.PeerClient.query;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;

/**
 * A real CAS client against Relais' CAS server: Apache httpd with mod_auth_cas 1.2 (Debian) protects a school
 * tool (a CGI that prints what Apache knows of the user). One virtual host validates with CAS 2.0
 * ({@code /cas/serviceValidate}), the other with CAS 3.0 ({@code /cas/p3/serviceValidate}) and lets in only
 * pupils, from the released attribute {@code categories}. Every hop of the browser is asserted: Apache -> Relais
 * /cas/login -> ENT choice -> simulated ENT -> Relais -> Apache with the ticket -> Apache validates over the back
 * channel -> the page; then Relais' single logout reaches Apache.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT, properties = {
        "relais.data-dir=./target/it/mod-auth-cas", "relais.connectors.dir=./target/it/mod-auth-cas/connectors"})
@ActiveProfiles({"demo", "test"})
class ModAuthCasTest {

    private static final int[] PORTS = ApacheHttpd.freePorts(3);
    private static final int RELAIS_PORT = PORTS[0];
    private static final String RELAIS = "http://localhost:" + RELAIS_PORT;
    /** the tool, validating with CAS 2.0 (no attributes) */
    private static final String CAS2 = "http://127.0.0.1:" + PORTS[1] + "/ecole/page";
    /** the tool, validating with CAS 3.0 and requiring an attribute */
    private static final String CAS3 = "http://127.0.0.1:" + PORTS[2] + "/ecole/page";

    private static ApacheHttpd apache;

    static {
        Path data = RelaisTestSupport.fresh("mod-auth-cas");
        // the shipped connectors, plus the Apache-protected tool
        Path connectors = data.resolve("connectors");
        try (Stream<Path> files = Files.walk(Path.of("connectors"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path to = connectors.resolve(Path.of("connectors").relativize(f).toString());
                Files.createDirectories(to.getParent());
                Files.copy(f, to);
            }
            Files.copy(Path.of("src/test/resources/peers/mod-auth-cas/apache-mod-auth-cas.yaml"),
                    connectors.resolve("tools/apache-mod-auth-cas.yaml"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> RELAIS_PORT);
        registry.add("relais.test.apache-ports", () -> PORTS[1] + "|" + PORTS[2]);
    }

    @BeforeAll
    static void startApache() throws IOException {
        Path home = ApacheHttpd.freshHome("mod-auth-cas");
        String site = """
                LogLevel info auth_cas:debug
                CASDebug On
                CASLoginURL %1$s/cas/login
                CASSSOEnabled On
                CASAttributePrefix CAS-
                CASTimeout 3600
                CASIdleTimeout 3600
                <VirtualHost 127.0.0.1:%2$d>
                    ServerName 127.0.0.1
                    CASVersion 2
                    CASValidateURL http://127.0.0.1:%4$d/cas/serviceValidate
                    CASCookiePath @HOME@/cas2-cache/
                    ScriptAlias /ecole/ @HOME@/cgi-bin/
                    <Location /ecole/>
                        AuthType CAS
                        CASCookie RELAIS_TEST_CAS2
                        CASAuthNHeader CAS-User
                        Require valid-user
                    </Location>
                </VirtualHost>
                <VirtualHost 127.0.0.1:%3$d>
                    ServerName 127.0.0.1
                    CASVersion 2
                    CASValidateURL http://127.0.0.1:%4$d/cas/p3/serviceValidate
                    CASCookiePath @HOME@/cas3-cache/
                    ScriptAlias /ecole/ @HOME@/cgi-bin/
                    <Location /ecole/>
                        AuthType CAS
                        CASCookie RELAIS_TEST_CAS3
                        CASAuthNHeader CAS-User
                        Require cas-attribute categories:National_1
                    </Location>
                </VirtualHost>
                """.formatted(RELAIS, PORTS[1], PORTS[2], RELAIS_PORT);
        ApacheHttpd.writableDir(home.resolve("cas2-cache"));
        ApacheHttpd.writableDir(home.resolve("cas3-cache"));
        ApacheHttpd.script(home.resolve("cgi-bin/page"), """
                #!/bin/sh
                printf 'Content-Type: text/plain; charset=utf-8\\r\\n\\r\\n'
                printf 'REMOTE_USER=%s\\n' "$REMOTE_USER"
                env | grep '^HTTP_CAS_' | sort
                """);
        apache = ApacheHttpd.start("mod-auth-cas", List.of("authn_core", "authz_core", "authz_user", "alias", "cgi",
                "auth_cas"), new int[] {PORTS[1], PORTS[2]}, site);
    }

    @AfterAll
    static void stopApache() {
        if (apache != null) {
            apache.close();
        }
    }

    @Autowired
    AafImporter importer;
    @Autowired
    JdbcTemplate jdbc;

    private static boolean imported;

    @BeforeEach
    void directory(@TempDir Path dir) throws Exception {
        if (!imported) {
            for (Path f : new AafFeedGenerator(new AafFeedGenerator.Parameters(2026, 1, 4, 5, 6, 1, 1000, "SSO"))
                    .writeTo(dir)) {
                importer.importFile(f, f.getFileName().toString(), "api");
            }
            imported = true;
        }
    }

    /** A browser: a cookie jar, redirects followed by hand. */
    /** Apache -> Relais, the ENT choice, the simulated ENT login: answers Relais' redirect back to the tool. */
    private HttpResponse<String> throughTheEnt(PeerClient b, String page, String user) throws Exception {
        String toRelais = location(b.get(page));
        assertThat(toRelais).as("Apache sends the browser to Relais").startsWith(RELAIS + "/cas/login?service=");
        assertThat(query(toRelais, "service")).isEqualTo(page);
        String toChoice = location(b.get(toRelais));
        assertThat(toChoice).startsWith(RELAIS + "/sso/login?request=LR-");
        HttpResponse<String> choice = b.get(toChoice);
        assertThat(choice.statusCode()).isEqualTo(200);
        assertThat(choice.body()).contains("Agora 06");
        String entLink = choice.body().replaceAll("(?s).*href=\"(/sso/login/agora06\\?request=[^\"]+)\".*", "$1")
                .replace("&amp;", "&");
        String entLogin = location(b.get(RELAIS + entLink));
        assertThat(entLogin).startsWith(RELAIS + "/sandbox/ent/agora06/cas/login?service=");
        String callback = location(b.post(RELAIS + "/sandbox/ent/agora06/cas/login",
                Map.of("username", user, "password", "demo", "service", query(entLogin, "service"))));
        assertThat(callback).startsWith(RELAIS + "/").contains("ticket=ST-sim-");
        return b.get(callback);
    }

    /** Relais' redirect with a ticket -> Apache validates it and drops it from the URL -> the page. */
    private HttpResponse<String> backAtTheTool(PeerClient b, HttpResponse<String> fromRelais, String page) throws Exception {
        String withTicket = location(fromRelais);
        assertThat(withTicket).as("Relais sends the browser back to the page it was asked for, with a ticket")
                .startsWith(page + "?ticket=ST-");
        // the real client judges first: mod_auth_cas ignores a ticket with other characters than letters, digits,
        // '-' and '.', and sends the browser back to Relais with ?ticket=... inside its service URL
        HttpResponse<String> validated = b.get(withTicket);
        assertThat(location(validated)).as("mod_auth_cas took the ticket %s (error log:%n%s)", withTicket,
                apache.errorLog(15)).isEqualTo(page);
        assertThat(withTicket).matches(java.util.regex.Pattern.quote(page) + "\\?ticket=ST-[A-Za-z0-9-]+");
        HttpResponse<String> shown = b.get(page);
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        return shown;
    }

    @Test
    void tenLoginsInARowReachTheToolThroughCasTwo() throws Exception {
        for (int i = 0; i < 10; i++) {
            PeerClient b = new PeerClient();
            HttpResponse<String> page = backAtTheTool(b, throughTheEnt(b, CAS2, "2000001"), CAS2);
            assertThat(page.body()).contains("REMOTE_USER=2000001\n").contains("HTTP_CAS_USER=2000001\n")
                    .doesNotContain("HTTP_CAS_NOM");
        }
        // Relais recorded the clean URL for every ticket: its logout notices go there, not to ?ticket=... URLs
        assertThat(jdbc.queryForList("SELECT service FROM cas_service_ticket WHERE connector_id = 'apache-mod-auth-cas'",
                String.class)).hasSizeGreaterThanOrEqualTo(10).isSubsetOf(CAS2, CAS3);
    }

    @Test
    void casThreeReleasesTheAttributesApacheAuthorisesOn() throws Exception {
        PeerClient b = new PeerClient();
        HttpResponse<String> page = backAtTheTool(b, throughTheEnt(b, CAS3, "2000001"), CAS3);
        assertThat(page.body()).contains("REMOTE_USER=2000001\n").contains("HTTP_CAS_CATEGORIES=National_1\n")
                .containsPattern("HTTP_CAS_NOM=.+\n").containsPattern("HTTP_CAS_PRENOM=.+\n")
                .doesNotContain("HTTP_CAS_DATENAISSANCE");
        // the same browser opens the other host: Relais' session answers at once, no ENT
        HttpResponse<String> second = backAtTheTool(b, b.get(location(b.get(CAS2))), CAS2);
        assertThat(second.body()).contains("REMOTE_USER=2000001\n");
    }

    @Test
    void relaisLogoutReachesApacheWhichAsksForALoginAgain() throws Exception {
        PeerClient b = new PeerClient();
        backAtTheTool(b, throughTheEnt(b, CAS3, "2000001"), CAS3);
        assertThat(b.get(CAS3).statusCode()).as("Apache's session is open").isEqualTo(200);

        // Relais ends its session, then sends the browser through the ENT's own logout to its "déconnecté" page
        String toEnt = location(b.get(RELAIS + "/cas/logout"));
        assertThat(toEnt).contains("/cas/logout?service=");
        HttpResponse<String> out = b.get(location(b.get(toEnt)));
        assertThat(out.statusCode()).isEqualTo(200);
        assertThat(out.body()).contains("Vous êtes déconnecté");
        // the back-channel LogoutRequest is sent asynchronously
        long deadline = System.currentTimeMillis() + 5000;
        HttpResponse<String> again = b.get(CAS3);
        while (again.statusCode() == 200 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            again = b.get(CAS3);
        }
        assertThat(location(again)).as("after Relais' logout, Apache sends the browser to Relais again (error log:%n%s)",
                apache.errorLog(15)).startsWith(RELAIS + "/cas/login?service=");
        // ... where the session is over: the ENT choice, not a ticket
        assertThat(location(b.get(location(again)))).startsWith(RELAIS + "/sso/login?request=");
    }
}
