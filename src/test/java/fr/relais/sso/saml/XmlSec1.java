package fr.relais.sso.saml;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code xmlsec1 --verify} (Debian's xmlsec1, sharing no code with Relais) run on a SAML Response, with one
 * certificate as the only trusted key; and the certificates a metadata document publishes.
 */
public final class XmlSec1 {

    private static final String XMLSEC1 = "/usr/bin/xmlsec1";

    public record Outcome(int exitCode, String output) {
        public boolean verified() {
            return exitCode == 0 && output.contains("OK");
        }
    }

    private XmlSec1() {
    }

    /** The certificates of a metadata document's {@code <md:KeyDescriptor use="...">} elements, in document order. */
    public static List<X509Certificate> certificates(String metadata, String use) throws Exception {
        List<X509Certificate> certificates = new ArrayList<>();
        Matcher m = Pattern.compile("<md:KeyDescriptor use=\"" + use + "\">.*?<ds:X509Certificate>([^<]+)</ds:X509Certificate>",
                Pattern.DOTALL).matcher(metadata);
        while (m.find()) {
            certificates.add((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(Base64.getMimeDecoder().decode(m.group(1).strip()))));
        }
        return certificates;
    }

    /** Checks the signature of the Response's assertion against {@code certificate} alone. */
    public static Outcome verifyAssertion(String response, X509Certificate certificate, Path dir, String name)
            throws Exception {
        if (!Files.isExecutable(Path.of(XMLSEC1))) {
            throw new IllegalStateException(XMLSEC1 + " absent : installez le paquet Debian xmlsec1 (voir .ci/run)");
        }
        Files.createDirectories(dir);
        Path pem = dir.resolve(name + ".pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Path file = dir.resolve(name + ".xml");
        Files.writeString(file, response);
        Process p = new ProcessBuilder(XMLSEC1, "--verify", "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                "--pubkey-cert-pem", pem.toString(), file.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Outcome(p.waitFor(), output);
    }
}
