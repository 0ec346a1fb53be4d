package fr.relais.sso.saml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Import;

import fr.relais.platform.InvalidSetting;
import fr.relais.platform.RelaisProperties;
import fr.relais.sso.SsoProperties;
import fr.relais.sso.SsoProperties.SignWith;

/**
 * The SAML key roll-over from configuration: which certificates Relais' metadata publish, which key signs what a
 * publisher receives (checked by xmlsec1 against one certificate at a time), and the start refused with one
 * French message when the next key's settings are wrong. {@code SamlKeyRollOverSwitchedTest} drives a running
 * Relais after the switch.
 */
@ExtendWith(OutputCaptureExtension.class)
class SamlKeyRollOverTest {

    @TempDir
    Path dir;

    /** A PKCS#12 with one RSA key under {@code alias}, as {@code keytool -genkeypair} makes it. */
    static SigningKeys keystore(Path file, String alias, String password, String commonName) throws Exception {
        SigningKeys keys = SigningKeys.generate(commonName);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(alias, keys.privateKey(), password.toCharArray(),
                new java.security.cert.Certificate[] {keys.certificate()});
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
        return keys;
    }

    private static SsoProperties.Saml saml(Path current, Path next, String nextPassword, String nextAlias,
                                           SignWith signWith) {
        return new SsoProperties.Saml(null, current, "mdp-actuel", null, next, nextPassword, nextAlias, signWith, null);
    }

    private static String metadataKeys(SigningKeys keys) {
        return OpenSaml.keyDescriptors(keys, "signing");
    }

    /** The Response Relais posts to a publisher, signed with {@code keys}. */
    private static String assertionToPublisher(SigningKeys keys) {
        SsoProperties sso = new SsoProperties("https://relais.example.fr", null, null, null, true, null, null);
        return new AssertionIssuer(keys, sso).issue("https://editeur.example.fr/sp", "https://editeur.example.fr/acs",
                null, "a".repeat(128), Map.of("PRO", List.of("National_elv"))).responseXml();
    }

    @Test
    void withoutANextKeyTheMetadataPublishOneCertificate() throws Exception {
        SigningKeys current = keystore(dir.resolve("actuelle.p12"), "relais-saml", "mdp-actuel", "Relais IdP");

        SigningKeys keys = SamlConfig.signingKeys(saml(dir.resolve("actuelle.p12"), null, null, null, null), dir);

        assertThat(XmlSec1.certificates(metadataKeys(keys), "signing")).containsExactly(current.certificate());
        assertThat(keys.decryptionKeys()).hasSize(1);
    }

    @Test
    void beforeTheSwitchBothCertificatesArePublishedAndTheCurrentKeySigns() throws Exception {
        SigningKeys current = keystore(dir.resolve("actuelle.p12"), "relais-saml", "mdp-actuel", "Relais IdP");
        SigningKeys next = keystore(dir.resolve("suivante.p12"), "relais-saml", "mdp-suivant", "Relais IdP 2027");

        SigningKeys keys = SamlConfig.signingKeys(saml(dir.resolve("actuelle.p12"), dir.resolve("suivante.p12"),
                "mdp-suivant", null, null), dir);

        assertThat(XmlSec1.certificates(metadataKeys(keys), "signing")).containsExactly(current.certificate(), next.certificate());
        assertThat(XmlSec1.certificates(OpenSaml.keyDescriptors(keys, "encryption"), "encryption"))
                .containsExactly(current.certificate(), next.certificate());
        String response = assertionToPublisher(keys);
        XmlSec1.Outcome withCurrent = XmlSec1.verifyAssertion(response, current.certificate(), dir, "avant-actuelle");
        XmlSec1.Outcome withNext = XmlSec1.verifyAssertion(response, next.certificate(), dir, "avant-suivante");
        assertThat(withCurrent.verified()).as(withCurrent.output()).isTrue();
        assertThat(withNext.verified()).as(withNext.output()).isFalse();
        assertThat(withNext.output()).contains("FAIL");
    }

    @Test
    void afterTheSwitchTheNextKeySignsAndBothCertificatesStayPublished() throws Exception {
        SigningKeys current = keystore(dir.resolve("actuelle.p12"), "relais-saml", "mdp-actuel", "Relais IdP");
        SigningKeys next = keystore(dir.resolve("suivante.p12"), "cle-2027", "mdp-suivant", "Relais IdP 2027");

        SigningKeys keys = SamlConfig.signingKeys(saml(dir.resolve("actuelle.p12"), dir.resolve("suivante.p12"),
                "mdp-suivant", "cle-2027", SignWith.NEXT), dir);

        assertThat(XmlSec1.certificates(metadataKeys(keys), "signing")).containsExactly(next.certificate(), current.certificate());
        String response = assertionToPublisher(keys);
        XmlSec1.Outcome withNext = XmlSec1.verifyAssertion(response, next.certificate(), dir, "apres-suivante");
        XmlSec1.Outcome withCurrent = XmlSec1.verifyAssertion(response, current.certificate(), dir, "apres-actuelle");
        assertThat(withNext.verified()).as(withNext.output()).isTrue();
        assertThat(withCurrent.verified()).as(withCurrent.output()).isFalse();
        assertThat(withCurrent.output()).contains("FAIL");
    }

    @Test
    void aWrongNextKeySettingIsNamedWithItsFile() throws Exception {
        keystore(dir.resolve("actuelle.p12"), "relais-saml", "mdp-actuel", "Relais IdP");
        keystore(dir.resolve("suivante.p12"), "relais-saml", "mdp-suivant", "Relais IdP 2027");
        Path current = dir.resolve("actuelle.p12");
        String file = dir.resolve("suivante.p12").toAbsolutePath().normalize().toString();
        String absent = dir.resolve("absente.p12").toAbsolutePath().normalize().toString();

        assertThatThrownBy(() -> SamlConfig.signingKeys(saml(current, dir.resolve("absente.p12"), "mdp-suivant", null,
                null), dir)).isInstanceOf(InvalidSetting.class).hasMessage("relais.sso.saml.next-keystore : le fichier "
                + absent + " n'existe pas ou n'est pas lisible par Relais ; vérifiez le chemin et les droits (voir "
                + "docs/operations.md, section 3)");
        assertThatThrownBy(() -> SamlConfig.signingKeys(saml(current, dir.resolve("suivante.p12"), "faux", null,
                null), dir)).isInstanceOf(InvalidSetting.class).hasMessage("relais.sso.saml.next-keystore-password : "
                + "mot de passe refusé par " + file + " ; donnez celui du keystore (keytool -list -keystore " + file
                + " le vérifie)");
        assertThatThrownBy(() -> SamlConfig.signingKeys(saml(current, dir.resolve("suivante.p12"), "mdp-suivant",
                "cle-2027", null), dir)).isInstanceOf(InvalidSetting.class).hasMessage("relais.sso.saml.next-keystore-alias : "
                + "aucune clé « cle-2027 » dans " + file + " (clés présentes : relais-saml)");
        assertThatThrownBy(() -> SamlConfig.signingKeys(saml(current, null, null, null, SignWith.NEXT), dir))
                .isInstanceOf(InvalidSetting.class).hasMessage("relais.sso.saml.sign-with : « next » demande une clé "
                        + "suivante, or relais.sso.saml.next-keystore n'est pas renseigné ; renseignez-le ou revenez à « current »");
        assertThatThrownBy(() -> SamlConfig.signingKeys(saml(current, current, "mdp-actuel", null, null), dir))
                .isInstanceOf(InvalidSetting.class).hasMessageContaining("contient le même certificat que la clé actuelle");
    }

    // no @Configuration stereotype: component scanning of fr.relais would add this to every Relais the tests start;
    // as the source of its own application it is read all the same (@Bean and @Import in lite mode)
    @EnableConfigurationProperties({SsoProperties.class, RelaisProperties.class})
    @Import(SamlConfig.class)
    static class SamlKeysOnly {
    }

    @Test
    void aWrongNextPasswordStopsTheStartWithOneFrenchMessageAndNoStackTrace(CapturedOutput output) throws Exception {
        keystore(dir.resolve("actuelle.p12"), "relais-saml", "mdp-actuel", "Relais IdP");
        keystore(dir.resolve("suivante.p12"), "relais-saml", "mdp-suivant", "Relais IdP 2027");
        SpringApplication app = new SpringApplication(SamlKeysOnly.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setRegisterShutdownHook(false);

        assertThatThrownBy(() -> app.run("--relais.data-dir=" + dir.resolve("data"),
                "--relais.sso.saml.keystore=" + dir.resolve("actuelle.p12"),
                "--relais.sso.saml.keystore-password=mdp-actuel",
                "--relais.sso.saml.next-keystore=" + dir.resolve("suivante.p12"),
                "--relais.sso.saml.next-keystore-password=faux",
                "--relais.sso.saml.sign-with=next"))
                .hasRootCauseInstanceOf(InvalidSetting.class);

        String file = dir.resolve("suivante.p12").toAbsolutePath().normalize().toString();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START").contains("relais.sso.saml.next-keystore-password : "
                + "mot de passe refusé par " + file).doesNotContain("\tat ").doesNotContain("Caused by");
    }

    @Test
    void theSecretsScriptMakesTheNextKeyThenRetiresTheOldOne() throws Exception {
        // what deploy/secrets DIR leaves for the SAML key: relais-saml.p12 and its lines in relais.env
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        X509Certificate old = keystore(secrets.resolve("relais-saml.p12"), "relais-saml", "mdp-actuel", "Relais IdP")
                .certificate();
        Files.writeString(secrets.resolve("relais.env"), "RELAIS_SSO_SAML_KEYSTORE_PASSWORD='mdp-actuel'\n"
                + "RELAIS_SSO_SAML_KEYSTORE_FILE='" + secrets.toAbsolutePath() + "/relais-saml.p12'\n");

        run("deploy/secrets", "--next-saml-key", secrets.toString());
        SigningKeys rolling = SamlConfig.signingKeys(fromEnv(secrets), dir);
        assertThat(rolling.certificate()).isEqualTo(old);
        assertThat(rolling.publishedCertificates()).hasSize(2).startsWith(old);
        X509Certificate next = rolling.publishedCertificates().get(1);

        assertThat(runFails("deploy/secrets", "--retire-saml-key", secrets.toString()))
                .contains("la clé suivante ne signe pas encore");
        Files.writeString(secrets.resolve("relais.env"), "RELAIS_SSO_SAML_SIGN_WITH='next'\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertThat(SamlConfig.signingKeys(fromEnv(secrets), dir).certificate()).isEqualTo(next);

        run("deploy/secrets", "--retire-saml-key", secrets.toString());
        SigningKeys after = SamlConfig.signingKeys(fromEnv(secrets), dir);
        assertThat(after.publishedCertificates()).containsExactly(next);
    }

    /** The SAML settings deploy/local/up gives the nodes from relais.env. */
    private static SsoProperties.Saml fromEnv(Path secrets) throws Exception {
        Properties env = new Properties();
        for (String line : Files.readAllLines(secrets.resolve("relais.env"), StandardCharsets.UTF_8)) {
            Matcher m = Pattern.compile("([A-Z_]+)='(.*)'").matcher(line);
            if (m.matches()) {
                env.setProperty(m.group(1), m.group(2));
            }
        }
        String next = env.getProperty("RELAIS_SSO_SAML_NEXT_KEYSTORE_FILE");
        return new SsoProperties.Saml(null, Path.of(env.getProperty("RELAIS_SSO_SAML_KEYSTORE_FILE")),
                env.getProperty("RELAIS_SSO_SAML_KEYSTORE_PASSWORD"), null, next == null ? null : Path.of(next),
                env.getProperty("RELAIS_SSO_SAML_NEXT_KEYSTORE_PASSWORD"), null,
                "next".equals(env.getProperty("RELAIS_SSO_SAML_SIGN_WITH")) ? SignWith.NEXT : SignWith.CURRENT, null);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isZero();
        return output;
    }

    private static String runFails(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isNotZero();
        return output;
    }
}
