package fr.relais.sso.saml;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * {@code xmlsec1 --verify} (Debian's xmlsec1, sharing no code with Relais) run on a SAML Response, with one
 * certificate as the only trusted key.
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
