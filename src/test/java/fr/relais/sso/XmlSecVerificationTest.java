package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.jsoup.Jsoup;
import org.jsoup.parser.Parser;
import org.junit.jupiter.api.Test;

import fr.relais.directory.aaf.Uai;

/**
 * Relais' assertions checked by an implementation that shares none of its code: {@code xmlsec1} (XML Security
 * Library, Debian's {@code xmlsec1}), run as a child process with the certificate Relais publishes in its IdP
 * metadata. Relais' metadata itself is not signed (no signature to check there).
 */
class XmlSecVerificationTest extends SsoTestBase {

    private static final Path DIR = Path.of("./target/it/xmlsec1");
    private static final String XMLSEC1 = "/usr/bin/xmlsec1";

    record Outcome(int exitCode, String output) {
    }

    /** A pupil's launch of CNS: the Response Relais posts to the publisher, as XML. */
    private static String issuedResponse(String pupil) throws Exception {
        Browser b = new Browser(BASE);
        CasSsoTest.loginAt(b, Browser.location(b.get(Browser.location(b.get("/sso/login?ent=ent-auvergnerhonealpes")))), pupil);
        HttpResponse<String> form = b.follow(b.get("/launch/cns?resource=" + URLEncoder.encode(
                "ark:/86527/manuel-maths", StandardCharsets.UTF_8) + "&uai=" + Uai.of(690_100)));
        assertThat(form.statusCode()).as(form.body()).isEqualTo(200);
        String samlResponse = Jsoup.parse(form.body()).selectFirst("input[name=SAMLResponse]").attr("value");
        return new String(Base64.getDecoder().decode(samlResponse), StandardCharsets.UTF_8);
    }

    /** The signing certificate of Relais' IdP metadata, as PEM, written where xmlsec1 reads it. */
    private static Path metadataCertificate() throws Exception {
        String metadata = new Browser(BASE).get("/saml/idp/metadata").body();
        String certificate = Jsoup.parse(metadata, "", Parser.xmlParser())
                .selectFirst("md|KeyDescriptor[use=signing] ds|X509Certificate").text().replaceAll("\\s", "");
        Path pem = Files.createDirectories(DIR).resolve("relais-idp.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + String.join("\n", certificate.split("(?<=\\G.{64})")) + "\n-----END CERTIFICATE-----\n");
        return pem;
    }

    private static Outcome xmlsec1(String document, String name) throws Exception {
        if (!Files.isExecutable(Path.of(XMLSEC1))) {
            throw new IllegalStateException(XMLSEC1 + " absent : installez le paquet Debian xmlsec1 (voir .ci/run)");
        }
        Path file = Files.createDirectories(DIR).resolve(name);
        Files.writeString(file, document);
        List<String> command = new ArrayList<>(List.of(XMLSEC1, "--verify",
                "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                "--pubkey-cert-pem", metadataCertificate().toString(), file.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Outcome(p.waitFor(), output);
    }

    @Test
    void xmlsec1VerifiesTheAssertionRelaisSignsWithTheCertificateOfItsMetadata() throws Exception {
        String response = issuedResponse("2000001");
        assertThat(response).contains("<saml2:Assertion").contains("ds:Signature");

        Outcome outcome = xmlsec1(response, "response.xml");

        assertThat(outcome.exitCode()).as(outcome.output()).isZero();
        assertThat(outcome.output()).contains("OK");
    }

    @Test
    void outsideAKeyRollOverBothMetadataPublishOneCertificate() throws Exception {
        String idp = new Browser(BASE).get("/saml/idp/metadata").body();
        String sp = new Browser(BASE).get("/saml/sp/metadata").body();

        assertThat(fr.relais.sso.saml.XmlSec1.certificates(idp, "signing")).hasSize(1);
        assertThat(fr.relais.sso.saml.XmlSec1.certificates(sp, "signing")).hasSize(1);
        assertThat(fr.relais.sso.saml.XmlSec1.certificates(sp, "encryption")).hasSize(1);
    }

    @Test
    void xmlsec1RefusesTheSameAssertionWithOneAttributeValueChanged() throws Exception {
        String response = issuedResponse("2000003");
        String tampered = response.replace(">National_elv<", ">National_ens<");
        assertThat(tampered).isNotEqualTo(response);

        Outcome outcome = xmlsec1(tampered, "tampered.xml");

        assertThat(outcome.exitCode()).as(outcome.output()).isNotZero();
        assertThat(outcome.output()).contains("FAIL");
    }
}
