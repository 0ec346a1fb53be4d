package fr.relais.licence.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The demo's small PKI for publishers' mutual TLS, GAR style: a CA, a server certificate for Relais' HTTPS
 * connector, and one client certificate per publisher whose CN is its distributor id. All PKCS#12, each with
 * its password in a {@code .password} file beside it.
 */
public final class GarPki {

    private GarPki() {
    }

    public record Issued(PrivateKey key, X509Certificate certificate) {
    }

    public static Issued ca(Path dir) {
        Path file = dir.resolve("gar-ca.p12");
        if (Files.exists(file)) {
            return load(file);
        }
        KeyPair pair = rsa();
        X509Certificate cert = sign("CN=Relais AC demonstration,O=Relais", pair, new X500Name("CN=Relais AC demonstration,O=Relais"),
                pair.getPrivate(), Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(3650)),
                true, null);
        store(file, pair.getPrivate(), cert, cert);
        return new Issued(pair.getPrivate(), cert);
    }

    public static Issued server(Path dir, Issued ca) {
        Path file = dir.resolve("gar-server.p12");
        if (Files.exists(file)) {
            return load(file);
        }
        KeyPair pair = rsa();
        X509Certificate cert = sign("CN=localhost,O=Relais", pair, X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()),
                ca.key(), Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(825)), false,
                new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        store(file, pair.getPrivate(), cert, ca.certificate());
        return new Issued(pair.getPrivate(), cert);
    }

    /** A client certificate for a distributor, valid from {@code from} to {@code until} (tests make expired ones). */
    public static Issued client(Path file, Issued ca, String distributorId, Instant from, Instant until) {
        if (Files.exists(file)) {
            return load(file);
        }
        KeyPair pair = rsa();
        X509Certificate cert = sign("CN=" + distributorId + ",O=Distributeur", pair,
                X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()), ca.key(), from, until, false, null);
        store(file, pair.getPrivate(), cert, ca.certificate());
        return new Issued(pair.getPrivate(), cert);
    }

    public static char[] password(Path p12) {
        try {
            return Files.readString(p12.resolveSibling(p12.getFileName() + ".password"), StandardCharsets.UTF_8)
                    .strip().toCharArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Issued load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            char[] password = password(file);
            store.load(in, password);
            String alias = store.aliases().nextElement();
            return new Issued((PrivateKey) store.getKey(alias, password), (X509Certificate) store.getCertificate(alias));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, new SecureRandom());
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(String subject, KeyPair pair, X500Name issuer, PrivateKey issuerKey, Instant from,
                                        Instant until, boolean ca, GeneralNames san) {
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
                    new BigInteger(64, new SecureRandom()), Date.from(from), Date.from(until), new X500Name(subject),
                    pair.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (san != null) {
                b.addExtension(Extension.subjectAlternativeName, false, san);
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException("certificate generation: " + e.getMessage(), e);
        }
    }

    private static void store(Path file, PrivateKey key, X509Certificate cert, X509Certificate issuer) {
        try {
            char[] password = fr.relais.platform.Tokens.random("").toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            Certificate[] chain = cert.equals(issuer) ? new Certificate[] {cert} : new Certificate[] {cert, issuer};
            store.setKeyEntry("relais", key, password, chain);
            // the password first: a keystore without its password file would be unreadable at the next start
            fr.relais.platform.DataFiles.writeSecret(file.resolveSibling(file.getFileName() + ".password"),
                    (new String(password) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            fr.relais.platform.DataFiles.writePrivately(file, out -> {
                try {
                    store.store(out, password);
                } catch (GeneralSecurityException e) {
                    throw new IOException("cannot encode the keystore: " + e.getMessage(), e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
