package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.jsoup.Jsoup;
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
import fr.relais.sandbox.SimulatedSamlIdp;
import fr.relais.sso.saml.SigningKeys;
import fr.relais.sso.saml.XmlSec1;

/**
 * A running Relais in the middle of a SAML key roll-over, after the switch: the current keystore and the next one
 * configured, {@code relais.sso.saml.sign-with=next}. Partners see both certificates in the metadata, a publisher
 * gets assertions that only the next certificate verifies (xmlsec1), and a SAML ENT may still encrypt for either.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "relais.data-dir=./target/it/saml-rollover")
@ActiveProfiles({"demo", "test"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// its own keys: closed after the class, not kept in the cache
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class SamlKeyRollOverSwitchedTest {

    static final int PORT = SsoTestBase.freePort();
    static final String BASE = "http://localhost:" + PORT;
    static final Path KEYS = Path.of("./target/it/saml-rollover-keys");
    static final Path XMLSEC = Path.of("./target/it/saml-rollover-xmlsec1");
    static final SigningKeys CURRENT;
    static final SigningKeys NEXT;

    static {
        RelaisTestSupport.fresh("saml-rollover");
        RelaisTestSupport.fresh("saml-rollover-keys");
        // two PKCS#12 files with their passwords beside them, as the demo keeps its generated one
        CURRENT = SigningKeys.loadOrGenerate(KEYS.resolve("actuelle.p12"), "Relais IdP");
        NEXT = SigningKeys.loadOrGenerate(KEYS.resolve("suivante.p12"), "Relais IdP 2027");
    }

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("relais.sso.saml.keystore", () -> KEYS.resolve("actuelle.p12").toString());
        registry.add("relais.sso.saml.keystore-password", () -> password("actuelle.p12"));
        registry.add("relais.sso.saml.next-keystore", () -> KEYS.resolve("suivante.p12").toString());
        registry.add("relais.sso.saml.next-keystore-password", () -> password("suivante.p12"));
        registry.add("relais.sso.saml.sign-with", () -> "next");
    }

    private static String password(String keystore) {
        try {
            return Files.readString(KEYS.resolve(keystore + ".password")).strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Autowired
    AafImporter importer;
    @Autowired
    Subscriptions subscriptions;
    @Autowired
    SimulatedSamlIdp idp;

    @BeforeAll
    void directory(@TempDir Path feed) throws Exception {
        for (Path f : new AafFeedGenerator(new AafFeedGenerator.Parameters(2026, 1, 4, 5, 6, 1, 1000, "ROLL"))
                .writeTo(feed)) {
            importer.importFile(f, f.getFileName().toString(), "api");
        }
        subscriptions.create(new Subscription("cns", "ABO-ROLL-cns", "D", "ark:/86527/manuel-maths", "ark", "Manuel",
                null, Instant.parse("2026-01-01T00:00:00Z"), null, null, null, true, Subscription.AssignmentType.ETABL,
                null, null, null, null, null, null, List.of(Uai.of(690_100)), List.of("ELEVE", "ENSEIGNANT")));
    }

    @Test
    void bothCertificatesArePublishedTheSigningOneFirst() throws Exception {
        String idpMetadata = new Browser(BASE).get("/saml/idp/metadata").body();
        String spMetadata = new Browser(BASE).get("/saml/sp/metadata").body();

        assertThat(XmlSec1.certificates(idpMetadata, "signing")).containsExactly(NEXT.certificate(), CURRENT.certificate());
        assertThat(XmlSec1.certificates(spMetadata, "signing")).containsExactly(NEXT.certificate(), CURRENT.certificate());
        assertThat(XmlSec1.certificates(spMetadata, "encryption")).containsExactly(NEXT.certificate(), CURRENT.certificate());
    }

    @Test
    void aPublisherGetsAnAssertionThatOnlyTheNextCertificateVerifies() throws Exception {
        Browser b = new Browser(BASE);
        CasSsoTest.loginAt(b, Browser.location(b.get(Browser.location(b.get("/sso/login?ent=ent-auvergnerhonealpes")))),
                "2000001");
        HttpResponse<String> form = b.follow(b.get("/launch/cns?resource=" + URLEncoder.encode("ark:/86527/manuel-maths",
                StandardCharsets.UTF_8) + "&uai=" + Uai.of(690_100)));
        assertThat(form.statusCode()).as(form.body()).isEqualTo(200);
        String response = new String(Base64.getDecoder().decode(Jsoup.parse(form.body())
                .selectFirst("input[name=SAMLResponse]").attr("value")), StandardCharsets.UTF_8);

        XmlSec1.Outcome withNext = XmlSec1.verifyAssertion(response, NEXT.certificate(), XMLSEC, "suivante");
        XmlSec1.Outcome withCurrent = XmlSec1.verifyAssertion(response, CURRENT.certificate(), XMLSEC, "actuelle");

        assertThat(withNext.verified()).as(withNext.output()).isTrue();
        assertThat(withCurrent.verified()).as(withCurrent.output()).isFalse();
        assertThat(withCurrent.output()).contains("FAIL");
    }

    @Test
    void aSamlEntMayStillEncryptForEitherCertificate() throws Exception {
        for (SigningKeys key : List.of(CURRENT, NEXT)) {
            Browser b = new Browser(BASE);
            HttpResponse<String> page = b.follow(b.post("/saml/sp/acs", Map.of("SAMLResponse", encryptedFor(b,
                    key.certificate()))));
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        }
        Browser other = new Browser(BASE);
        HttpResponse<String> refused = other.post("/saml/sp/acs", Map.of("SAMLResponse", encryptedFor(other,
                SigningKeys.generate("pas Relais").certificate())));
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("assertion chiffrée impossible à déchiffrer avec la clé de Relais");
    }

    /** A login started at Relais towards the SAML ENT ent77, answered by it with an assertion encrypted for {@code to}. */
    private String encryptedFor(Browser b, java.security.cert.X509Certificate to) throws Exception {
        HttpResponse<String> r = b.get("/sso/login?ent=ent77");
        r = b.get(Browser.location(b.get(Browser.location(r))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String requestId = r.body().replaceAll("(?s).*name=\"requestId\" value=\"([^\"]*)\".*", "$1");
        String xml = idp.response("ent77", "2000002", requestId, BASE + "/saml/sp/acs", BASE + "/saml/sp", Instant.now(), to);
        assertThat(xml).contains("EncryptedAssertion");
        return Base64.getEncoder().encodeToString(xml.getBytes(StandardCharsets.UTF_8));
    }
}
