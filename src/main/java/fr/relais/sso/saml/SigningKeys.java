package fr.relais.sso.saml;

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
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key and certificate Relais signs SAML assertions with: a PKCS#12 keystore from configuration, or, when
 * none is configured (demo), an RSA-2048 key and a self-signed certificate generated once into the data
 * directory. Production refuses the generated one (ProductionGuard).
 */
public final class SigningKeys {

    private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);
    static final String ALIAS = "relais-saml";

    private final PrivateKey privateKey;
    private final X509Certificate certificate;

    private SigningKeys(PrivateKey privateKey, X509Certificate certificate) {
        this.privateKey = privateKey;
        this.certificate = certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A fresh key and self-signed certificate, in memory only (the sandbox's simulated identity providers). */
    public static SigningKeys generate(String commonName) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            return new SigningKeys(pair.getPrivate(), selfSigned(pair, commonName));
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate selfSigned(KeyPair pair, String commonName)
            throws GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + commonName + ",O=Relais");
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                name, new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(3650))), name, pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
    }

    /** Loads {@code keystore} (PKCS#12), or creates it with a generated key when it does not exist. */
    public static SigningKeys loadOrGenerate(Path keystore, String commonName) {
        try {
            Path passwordFile = keystore.resolveSibling(keystore.getFileName() + ".password");
            if (Files.exists(keystore)) {
                char[] password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip().toCharArray();
                return load(keystore, password, ALIAS);
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            X509Certificate cert = selfSigned(pair, commonName);
            char[] password = fr.relais.platform.Tokens.random("").toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, pair.getPrivate(), password, new java.security.cert.Certificate[] {cert});
            // the password first: a keystore without its password file would be unreadable at the next start
            fr.relais.platform.DataFiles.writeSecret(passwordFile, (new String(password) + "\n").getBytes(StandardCharsets.UTF_8));
            fr.relais.platform.DataFiles.writePrivately(keystore, out -> {
                try {
                    store.store(out, password);
                } catch (GeneralSecurityException e) {
                    throw new IOException("cannot encode the keystore: " + e.getMessage(), e);
                }
            });
            log.warn("Clé de signature SAML générée dans {} (démonstration uniquement : fournissez la vôtre en production)",
                    keystore.toAbsolutePath().normalize());
            return new SigningKeys(pair.getPrivate(), cert);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the SAML signing keystore " + keystore, e);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot create the SAML signing key: " + e.getMessage(), e);
        }
    }

    public static SigningKeys load(Path keystore, char[] password, String alias) {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            String entry = alias != null && store.containsAlias(alias) ? alias : store.aliases().nextElement();
            return new SigningKeys((PrivateKey) store.getKey(entry, password), (X509Certificate) store.getCertificate(entry));
        } catch (IOException e) {
            throw new UncheckedIOException("relais.sso.saml.keystore: cannot read " + keystore + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("relais.sso.saml.keystore: " + keystore + ": " + e.getMessage(), e);
        }
    }
}
