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
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fr.relais.platform.InvalidSetting;

/**
 * The key and certificate Relais signs SAML assertions with: a PKCS#12 keystore from configuration, or, when
 * none is configured (demo), an RSA-2048 key and a self-signed certificate generated once into the data
 * directory. Production refuses the generated one (ProductionGuard).
 * <p>
 * During a key roll-over a second key stands by: both certificates are published in Relais' metadata and both
 * decrypt, so that partners can trust the next key before it signs and still reach the old one after.
 */
public final class SigningKeys {

    private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);
    static final String ALIAS = "relais-saml";

    private final PrivateKey privateKey;
    private final X509Certificate certificate;
    /** The roll-over's other key (published, decrypts, never signs); null outside a roll-over. */
    private final SigningKeys standby;

    private SigningKeys(PrivateKey privateKey, X509Certificate certificate) {
        this(privateKey, certificate, null);
    }

    private SigningKeys(PrivateKey privateKey, X509Certificate certificate, SigningKeys standby) {
        this.privateKey = privateKey;
        this.certificate = certificate;
        this.standby = standby;
    }

    /** {@code signing} signs; {@code standby} is published and decrypts too. */
    public static SigningKeys rollOver(SigningKeys signing, SigningKeys standby) {
        return new SigningKeys(signing.privateKey, signing.certificate, new SigningKeys(standby.privateKey,
                standby.certificate));
    }

    /** The certificates Relais' metadata publish: the signing one first, then the roll-over's other one. */
    public List<X509Certificate> publishedCertificates() {
        return standby == null ? List.of(certificate) : List.of(certificate, standby.certificate);
    }

    /** The keys an assertion encrypted for Relais may be addressed to: every published one. */
    public List<SigningKeys> decryptionKeys() {
        return standby == null ? List.of(this) : List.of(this, standby);
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
                return load(keystore, password, ALIAS, "clé SAML de démonstration", passwordFile.toString(),
                        "clé SAML de démonstration");
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

    /**
     * Loads one key entry of a PKCS#12 keystore; a missing file, a wrong password or an absent entry is an
     * {@link InvalidSetting} naming {@code property} (e.g. {@code relais.sso.saml.keystore}), its {@code -password}
     * or {@code -alias}, and the file.
     *
     * @param alias the entry; null or empty when the keystore holds exactly one key
     */
    public static SigningKeys load(Path keystore, char[] password, String alias, String property) {
        return load(keystore, password, alias, property, property + "-password", property + "-alias");
    }

    private static SigningKeys load(Path keystore, char[] password, String alias, String property,
                                    String passwordSetting, String aliasSetting) {
        Path file = keystore.toAbsolutePath().normalize();
        if (!Files.isReadable(file)) {
            throw new InvalidSetting(property + " : le fichier " + file + " n'existe pas ou n'est pas lisible par "
                    + "Relais ; vérifiez le chemin et les droits (voir docs/operations.md, section 3)");
        }
        KeyStore store;
        try (InputStream in = Files.newInputStream(file)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (IOException e) {
            if (e.getCause() instanceof java.security.UnrecoverableKeyException) {
                throw new InvalidSetting(passwordSetting + " : mot de passe refusé par " + file
                        + " ; donnez celui du keystore (keytool -list -keystore " + file + " le vérifie)");
            }
            throw new InvalidSetting(property + " : " + file + " n'est pas un keystore PKCS#12 lisible ("
                    + e.getMessage() + ")");
        } catch (GeneralSecurityException e) {
            throw new InvalidSetting(property + " : " + file + " illisible (" + e.getMessage() + ")");
        }
        try {
            List<String> keys = new ArrayList<>();
            for (String entry : Collections.list(store.aliases())) {
                if (store.isKeyEntry(entry)) {
                    keys.add(entry);
                }
            }
            String entry;
            if (alias != null && !alias.isBlank()) {
                if (!keys.contains(alias)) {
                    throw new InvalidSetting(aliasSetting + " : aucune clé « " + alias + " » dans " + file
                            + (keys.isEmpty() ? "" : " (clés présentes : " + String.join(", ", keys) + ")"));
                }
                entry = alias;
            } else if (keys.size() == 1) {
                entry = keys.get(0);
            } else if (keys.isEmpty()) {
                throw new InvalidSetting(property + " : " + file + " ne contient aucune clé privée (un certificat "
                        + "seul ne signe pas) ; créez-le avec keytool -genkeypair (voir deploy/secrets)");
            } else {
                throw new InvalidSetting(property + " : " + file + " contient plusieurs clés (" + String.join(", ", keys)
                        + ") ; nommez celle à utiliser avec " + aliasSetting);
            }
            return new SigningKeys((PrivateKey) store.getKey(entry, password), (X509Certificate) store.getCertificate(entry));
        } catch (java.security.UnrecoverableKeyException e) {
            throw new InvalidSetting(passwordSetting + " : la clé de " + file + " a un autre mot de passe que le "
                    + "keystore ; Relais attend le même pour les deux (keytool -keypasswd le change)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SAML keystore " + file + ": " + e.getMessage(), e);
        }
    }
}
