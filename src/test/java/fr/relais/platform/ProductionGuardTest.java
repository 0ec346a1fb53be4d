package fr.relais.platform;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.env.MockEnvironment;

class ProductionGuardTest {

    @TempDir
    Path dir;

    private static StandardEnvironment prod(Map<String, Object> properties) {
        StandardEnvironment env = new StandardEnvironment();
        env.setActiveProfiles("prod");
        env.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return env;
    }

    @Test
    void prodRefusesTheDemoDefaultsAndSaysWhatToSet() {
        assertThatThrownBy(() -> new ProductionGuard().postProcessEnvironment(prod(Map.of(
                "spring.datasource.url", "jdbc:h2:file:./data/db/relais")), null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("""
                        Relais refuses to start in the prod profile:
                          - spring.datasource.url (SPRING_DATASOURCE_URL): must point at PostgreSQL, e.g. jdbc:postgresql://db:5432/relais
                          - relais.directory.ldap.url (RELAIS_DIRECTORY_LDAP_URL): must point at the territory's LDAP server, e.g. ldaps://annuaire.example.fr:636
                          - relais.admin.password (RELAIS_ADMIN_PASSWORD): must be set
                          - spring.artemis.broker-url (SPRING_ARTEMIS_BROKER_URL): must point at the Artemis cluster, e.g. tcp://artemis:61616
                          - relais.sso.base-url (RELAIS_SSO_BASE_URL): must be the https URL users reach Relais at
                          - relais.sso.saml.keystore (RELAIS_SSO_SAML_KEYSTORE): the PKCS#12 holding the SAML signing key (and relais.sso.saml.keystore-password); Relais does not generate keys in production
                          - relais.sso.pairwise-secret (RELAIS_SSO_PAIRWISE_SECRET): at least 32 random characters, kept forever (publishers' pseudonymous ids derive from it)
                          - relais.licence.tls.server-keystore and relais.licence.tls.client-ca: the HTTPS certificate of the publishers' connector and the authority that issues distributors' certificates (or relais.licence.tls.port=-1 to close it)""");
    }

    @Test
    void prodStartsWhenEverythingIsExternal() {
        assertThatCode(() -> new ProductionGuard().postProcessEnvironment(prod(Map.ofEntries(
                Map.entry("spring.datasource.url", "jdbc:postgresql://db:5432/relais"),
                Map.entry("relais.directory.ldap.url", "ldap://annuaire:389"),
                Map.entry("relais.admin.password", "s3cret-from-vault"),
                Map.entry("spring.artemis.mode", "native"),
                Map.entry("spring.artemis.broker-url", "tcp://artemis:61616"),
                Map.entry("relais.sso.base-url", "https://relais.example.fr"),
                Map.entry("relais.sso.saml.keystore", "/etc/relais/saml.p12"),
                Map.entry("relais.sso.pairwise-secret", "0123456789abcdef0123456789abcdef-from-vault"),
                Map.entry("relais.licence.tls.server-keystore", "/etc/relais/gar-server.p12"),
                Map.entry("relais.licence.tls.client-ca", "/etc/relais/distributeurs-ac.pem"),
                Map.entry("relais.licence.tls.revoked", "/etc/relais/revoques.txt"))), null))
                .doesNotThrowAnyException();
    }

    @Test
    void adminPasswordIsGeneratedOnceInTheDemoAndRefusedMissingInProd() throws Exception {
        RelaisProperties properties = new RelaisProperties(dir, null);
        AdminAccount first = new AdminAccount(properties, new MockEnvironment());
        AdminAccount second = new AdminAccount(properties, new MockEnvironment());
        org.assertj.core.api.Assertions.assertThat(first.password()).hasSize(20).isEqualTo(second.password());
        org.assertj.core.api.Assertions.assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("admin-password")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

        MockEnvironment prod = new MockEnvironment();
        prod.setActiveProfiles("prod");
        assertThatThrownBy(() -> new AdminAccount(new RelaisProperties(dir.resolve("other"), null), prod))
                .hasMessageStartingWith("relais.admin.password: must be set in the prod profile");
    }
}
