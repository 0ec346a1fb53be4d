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
                          - relais.proxies (RELAIS_PROXIES): the addresses of the TLS-terminating proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, as a regular expression (e.g. 10\\.0\\.0\\.5|10\\.0\\.0\\.6), or empty when users reach Relais without a proxy
                          - relais.sso.saml.keystore (RELAIS_SSO_SAML_KEYSTORE): the PKCS#12 holding the SAML signing key (and relais.sso.saml.keystore-password); Relais does not generate keys in production
                          - relais.sso.pairwise-secret (RELAIS_SSO_PAIRWISE_SECRET): at least 32 random characters, kept forever (publishers' pseudonymous ids derive from it)
                          - relais.licence.tls.server-keystore and relais.licence.tls.client-ca: the HTTPS certificate of the publishers' connector and the authority that issues distributors' certificates (or relais.licence.tls.port=-1 to close it)""");
    }

    private static Map<String, Object> external(Map<String, ?> overrides) {
        Map<String, Object> properties = new java.util.HashMap<>(Map.ofEntries(
                Map.entry("spring.datasource.url", "jdbc:postgresql://db:5432/relais"),
                Map.entry("relais.directory.ldap.url", "ldaps://annuaire:636"),
                Map.entry("relais.directory.ldap.bind-dn", "cn=relais,dc=relais,dc=local"),
                Map.entry("relais.directory.ldap.password", "from-vault-ldap"),
                Map.entry("relais.proxies", "10\\.0\\.0\\.5"),
                Map.entry("relais.admin.password", "s3cret-from-vault"),
                Map.entry("spring.artemis.mode", "native"),
                Map.entry("spring.artemis.broker-url", "tcp://artemis:61616"),
                Map.entry("relais.sso.base-url", "https://relais.example.fr"),
                Map.entry("relais.sso.saml.keystore", "/etc/relais/saml.p12"),
                Map.entry("relais.sso.pairwise-secret", "0123456789abcdef0123456789abcdef-from-vault"),
                Map.entry("relais.licence.tls.server-keystore", "/etc/relais/gar-server.p12"),
                Map.entry("relais.licence.tls.client-ca", "/etc/relais/distributeurs-ac.pem"),
                Map.entry("relais.licence.tls.revoked", "/etc/relais/revoques.txt")));
        properties.putAll(overrides);
        return properties;
    }

    @Test
    void prodRefusesWeakSettingsAndSaysWhy() {
        Map<String, Object> weak = external(Map.of(
                "relais.admin.password", "a",
                "relais.directory.ldap.url", "ldap://annuaire:389",
                "relais.directory.ldap.bind-dn", "",
                "relais.sso.pairwise-secret", "x".repeat(32)));
        weak.remove("relais.proxies");
        assertThatThrownBy(() -> new ProductionGuard().postProcessEnvironment(prod(weak), null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("""
                        Relais refuses to start in the prod profile:
                          - relais.directory.ldap.url (RELAIS_DIRECTORY_LDAP_URL): must be an ldaps:// URL, or set relais.directory.ldap.start-tls=true: pupils' data and Relais' password cross the network
                          - relais.directory.ldap.bind-dn and relais.directory.ldap.password (RELAIS_DIRECTORY_LDAP_BIND_DN, RELAIS_DIRECTORY_LDAP_PASSWORD): the account Relais binds with; the directory must refuse anonymous clients
                          - relais.admin.password (RELAIS_ADMIN_PASSWORD): too weak (length 1, about 0 bits): at least 12 varied characters and 40 bits, e.g. from openssl rand -base64 18
                          - relais.proxies (RELAIS_PROXIES): the addresses of the TLS-terminating proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, as a regular expression (e.g. 10\\.0\\.0\\.5|10\\.0\\.0\\.6), or empty when users reach Relais without a proxy
                          - relais.sso.pairwise-secret (RELAIS_SSO_PAIRWISE_SECRET): not random enough (about 0 bits, 100 needed), e.g. from openssl rand -base64 48; kept forever (publishers' pseudonymous ids derive from it)""");
    }

    @Test
    void prodAcceptsStartTlsWithABindAndProxiesSetEmpty() {
        assertThatCode(() -> new ProductionGuard().postProcessEnvironment(prod(external(Map.of(
                "relais.directory.ldap.url", "ldap://annuaire:389",
                "relais.directory.ldap.start-tls", "true",
                "relais.proxies", ""))), null))
                .doesNotThrowAnyException();
    }

    @Test
    void prodStartsWhenEverythingIsExternal() {
        assertThatCode(() -> new ProductionGuard().postProcessEnvironment(prod(external(Map.of())), null))
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
