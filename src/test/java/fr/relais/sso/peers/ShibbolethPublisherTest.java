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
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.directory.aaf.Uai;
import fr.relais.licence.Subscription;
import fr.relais.licence.Subscriptions;

/**
 * Relais as the SAML IdP of a real publisher's service provider: Shibboleth SP 3 (Debian's shibd and Apache
 * httpd with mod_shib), configured only from Relais' published IdP metadata, and registered in Relais as a
 * publisher connector (a test-only descriptor beside a copy of {@code connectors/}). The browser is an HTTP
 * client with a cookie jar that follows every redirect by hand, so each hop of the journey is asserted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT, properties = {
        "relais.data-dir=./target/it/shib-publisher",
        "relais.connectors.dir=./target/it/shib-publisher-connectors"})
@ActiveProfiles({"demo", "test"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// no other class shares this Relais (its own connectors folder): closed after the class, not kept in the cache
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ShibbolethPublisherTest {

    static final int PORT = ShibbolethSp.freePort();
    static final String BASE = "http://localhost:" + PORT;
    static final String PUBLISHER = "editeur-shibboleth";
    static final String SCHOOL = Uai.of(690_100);
    static final ShibbolethSp SP = new ShibbolethSp(Path.of("./target/it/shib-publisher-sp"),
            ShibbolethSp.freePort());

    static {
        RelaisTestSupport.fresh("shib-publisher");
        RelaisTestSupport.fresh("shib-publisher-sp");
        writeConnectors(RelaisTestSupport.fresh("shib-publisher-connectors"));
    }

    @DynamicPropertySource
    static void port(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
    }

    @Autowired
    AafImporter importer;
    @Autowired
    Subscriptions subscriptions;

    /** The catalogue's connectors, plus the Shibboleth SP declared as any publisher would be. */
    private static void writeConnectors(Path dir) {
        try (Stream<Path> catalogue = Files.walk(Path.of("connectors"))) {
            for (Path source : catalogue.toList()) {
                Path target = dir.resolve(Path.of("connectors").relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
            Files.writeString(dir.resolve("publishers/" + PUBLISHER + ".yaml"), """
                    # Test only: a real Shibboleth SP playing a publisher platform (ShibbolethPublisherTest)
                    id: %s
                    name: "Éditeur de test (Shibboleth SP)"
                    kind: publisher
                    family: gar-publisher
                    distributorId: "SHIB_DISTRIBUTEUR"
                    capabilities: [sso.outbound]
                    sso:
                      outbound:
                        protocol: saml2
                        entityId: "%s"
                        acsUrl: "%s"
                    release:
                      attributes: [IDO, UAI, PRO, DIV, GRO, P_MS4, P_MAT]
                    """.formatted(PUBLISHER, SP.entityId(), SP.acsUrl()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeforeAll
    void start(@TempDir Path feed) throws Exception {
        for (Path f : new AafFeedGenerator(new AafFeedGenerator.Parameters(2026, 1, 4, 5, 6, 1, 1000, "SHIB"))
                .writeTo(feed)) {
            importer.importFile(f, f.getFileName().toString(), "api");
        }
        subscriptions.create(new Subscription(PUBLISHER, "ABO-SHIB-1", "SHIB_DISTRIBUTEUR", "ark:/86527/manuel-shib",
                "ark", "Manuel", null, Instant.parse("2026-01-01T00:00:00Z"), null, null, null, true,
                Subscription.AssignmentType.ETABL, null, null, null, null, null, null, List.of(SCHOOL),
                List.of("ELEVE", "ENSEIGNANT", "DOCUMENTALISTE")));
        String metadata = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(BASE + "/saml/idp/metadata"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        SP.start(Jsoup.parse(metadata, "", org.jsoup.parser.Parser.xmlParser()).selectFirst("md|EntityDescriptor")
                .attr("entityID"), metadata);
    }

    @AfterAll
    void stop() {
        SP.close();
    }

    /** Steps 1 to 4 of the journey, each hop asserted: answers the fields of Relais' auto-submitted form. */
    private Map<String, String> upToRelaisResponse(PeerClient browser, String pupil) throws Exception {
        // 1. the publisher's protected page: mod_shib sends an AuthnRequest to Relais (HTTP-Redirect)
        HttpResponse<String> r = browser.get(SP.protectedPage());
        assertThat(r.statusCode()).as("Apache/mod_shib").isEqualTo(302);
        String toRelais = location(r);
        assertThat(toRelais).startsWith(BASE + "/saml/idp/sso?SAMLRequest=");
        assertThat(query(toRelais, "RelayState")).isNotBlank();

        // 2. Relais knows the SP, keeps the request and asks who the user is
        r = browser.get(toRelais);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        String login = location(r);
        assertThat(login).startsWith(BASE + "/sso/login?request=");

        // 3. the user picks the ENT on Relais' page, then logs in at the simulated CAS ENT
        r = browser.get(login);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("ent-auvergnerhonealpes");
        r = browser.get(login + "&ent=ent-auvergnerhonealpes");
        assertThat(r.statusCode()).isEqualTo(302);
        r = browser.get(location(r));
        assertThat(r.statusCode()).isEqualTo(302);
        String entLogin = location(r);
        assertThat(entLogin).startsWith(BASE + "/sandbox/ent/ent-auvergnerhonealpes/cas/login?service=");
        r = browser.post(BASE + "/sandbox/ent/ent-auvergnerhonealpes/cas/login", Map.of("username", pupil, "password", "demo",
                "service", query(entLogin, "service")));
        assertThat(r.statusCode()).isEqualTo(302);
        String callback = location(r);
        assertThat(callback).startsWith(BASE + "/sso/cas/callback/ent-auvergnerhonealpes").contains("ticket=");

        // 4. back at Relais: the session is made, the launch is decided, the signed Response is to be posted back
        r = browser.get(callback);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        String resume = location(r);
        assertThat(resume).startsWith(BASE + "/saml/idp/continue?request=");
        r = browser.get(resume);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Element form = Jsoup.parse(r.body()).selectFirst("form[method=post]");
        assertThat(form.attr("action")).isEqualTo(SP.acsUrl());
        Map<String, String> fields = new LinkedHashMap<>();
        form.select("input[type=hidden]").forEach(i -> fields.put(i.attr("name"), i.attr("value")));
        assertThat(fields).containsKeys("SAMLResponse", "RelayState");
        assertThat(fields.get("RelayState")).isEqualTo(query(toRelais, "RelayState"));
        return fields;
    }

    @Test
    void aPupilReachesTheShibbolethProtectedPageWithAPseudonymAndGarAttributesOnly() throws Exception {
        // 0. Relais was told what the SP's own metadata says
        String spMetadata = new PeerClient().get(SP.baseUrl() + "/Shibboleth.sso/Metadata").body();
        assertThat(spMetadata).contains("entityID=\"" + SP.entityId() + "\"")
                .contains("Location=\"" + SP.acsUrl() + "\"");

        PeerClient browser = new PeerClient();
        Map<String, String> fields = upToRelaisResponse(browser, "2000001");

        // 5. Shibboleth checks the Response against Relais' metadata and opens its session
        HttpResponse<String> r = browser.post(SP.acsUrl(), fields);
        assertThat(r.statusCode()).as("Shibboleth ACS: " + r.body()).isEqualTo(302);
        assertThat(location(r)).isEqualTo(SP.protectedPage());

        // 6. the page sees what mod_shib extracted: a pseudonym and GAR attributes, no name
        r = browser.get(SP.protectedPage());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, String> env = environment(r.body());
        // Apache hands CGI programs the variables with '_' for '-' (Shib-Identity-Provider, persistent-id)
        assertThat(env).as(r.body()).containsKeys("Shib_Identity_Provider", "persistent_id", "IDO", "UAI", "PRO",
                "P_MS4", "DIV");
        assertThat(env.get("Shib_Identity_Provider")).isEqualTo(BASE + "/saml/idp");
        assertThat(env.get("persistent_id")).matches("[0-9a-f]{128}");
        assertThat(env.get("REMOTE_USER")).isEqualTo(env.get("persistent_id"));
        assertThat(env.get("IDO")).isEqualTo(env.get("persistent_id"));
        assertThat(env.get("UAI")).isEqualTo(SCHOOL);
        assertThat(env.get("PRO")).isEqualTo("National_elv");
        assertThat(env.get("P_MS4")).matches("211[1256]");
        assertThat(env.get("DIV")).isNotBlank();
        assertThat(env).doesNotContainKeys(ShibbolethSp.NAME_ATTRIBUTES.toArray(String[]::new));
        assertThat(r.body()).doesNotContain("2000001");
    }

    @Test
    void shibbolethRefusesAResponseWhoseSignedAttributeWasChanged() throws Exception {
        // the negative control of the journey above: the SP does check Relais' signature
        PeerClient browser = new PeerClient();
        Map<String, String> fields = upToRelaisResponse(browser, "2000002");
        String xml = new String(Base64.getDecoder().decode(fields.get("SAMLResponse")), StandardCharsets.UTF_8);
        String tampered = xml.replace(">" + SCHOOL + "<", ">" + Uai.of(690_107) + "<");
        assertThat(tampered).isNotEqualTo(xml);
        fields.put("SAMLResponse", Base64.getEncoder().encodeToString(tampered.getBytes(StandardCharsets.UTF_8)));

        HttpResponse<String> r = browser.post(SP.acsUrl(), fields);
        assertThat(r.statusCode()).as(r.body()).isGreaterThanOrEqualTo(400);
        assertThat(r.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("_shibsession_"));
        r = browser.get(SP.protectedPage());
        assertThat(r.statusCode()).as("toujours pas de session Shibboleth").isEqualTo(302);
        assertThat(location(r)).startsWith(BASE + "/saml/idp/sso?SAMLRequest=");
    }

    /** The CGI's {@code env} output, one {@code NAME=value} a line. */
    private static Map<String, String> environment(String body) {
        return body.lines().filter(l -> l.contains("=")).collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')),
                l -> l.substring(l.indexOf('=') + 1), (a, b) -> a, LinkedHashMap::new));
    }
}
