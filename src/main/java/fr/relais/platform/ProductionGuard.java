package fr.relais.platform;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Profiles;

/**
 * The {@code prod} profile refuses to start on the demo's unsafe defaults: an embedded or missing database,
 * the embedded LDAP server or one reached in clear or anonymously, a generated or weak admin password, a secret
 * without enough randomness, forwarded headers believed from anyone. Each refusal says which property to set.
 */
public class ProductionGuard implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        if (!env.acceptsProfiles(Profiles.of("prod"))) {
            return;
        }
        List<String> problems = new ArrayList<>();
        String db = env.getProperty("spring.datasource.url", "");
        if (db.isBlank() || db.startsWith("jdbc:h2:")) {
            problems.add("spring.datasource.url (SPRING_DATASOURCE_URL): must point at PostgreSQL, e.g. "
                    + "jdbc:postgresql://db:5432/relais");
        }
        String ldap = env.getProperty("relais.directory.ldap.url", "");
        if (ldap.isBlank()) {
            problems.add("relais.directory.ldap.url (RELAIS_DIRECTORY_LDAP_URL): must point at the territory's "
                    + "LDAP server, e.g. ldaps://annuaire.example.fr:636");
        } else if (!ldap.startsWith("ldaps://")
                && !env.getProperty("relais.directory.ldap.start-tls", Boolean.class, false)) {
            problems.add("relais.directory.ldap.url (RELAIS_DIRECTORY_LDAP_URL): must be an ldaps:// URL, or set "
                    + "relais.directory.ldap.start-tls=true: pupils' data and Relais' password cross the network");
        }
        if (!ldap.isBlank() && (env.getProperty("relais.directory.ldap.bind-dn", "").isBlank()
                || env.getProperty("relais.directory.ldap.password", "").isBlank())) {
            problems.add("relais.directory.ldap.bind-dn and relais.directory.ldap.password (RELAIS_DIRECTORY_LDAP_BIND_DN, "
                    + "RELAIS_DIRECTORY_LDAP_PASSWORD): the account Relais binds with; the directory must refuse "
                    + "anonymous clients");
        }
        String adminPassword = env.getProperty("relais.admin.password", "");
        if (adminPassword.isBlank()) {
            problems.add("relais.admin.password (RELAIS_ADMIN_PASSWORD): must be set");
        } else if (adminPassword.length() < 12 || Secrets.estimatedBits(adminPassword) < 40) {
            problems.add("relais.admin.password (RELAIS_ADMIN_PASSWORD): too weak (length " + adminPassword.length()
                    + ", about " + Secrets.estimatedBits(adminPassword) + " bits): at least 12 varied "
                    + "characters and 40 bits, e.g. from openssl rand -base64 18");
        }
        if (!"native".equals(env.getProperty("spring.artemis.mode"))
                || env.getProperty("spring.artemis.broker-url", "").isBlank()) {
            problems.add("spring.artemis.broker-url (SPRING_ARTEMIS_BROKER_URL): must point at the Artemis "
                    + "cluster, e.g. tcp://artemis:61616");
        }
        if (env.getProperty("relais.connectors.allow-loopback-http", Boolean.class, false)) {
            problems.add("relais.connectors.allow-loopback-http: must be false (it lets connectors use plain http)");
        }
        if (!env.getProperty("relais.sso.base-url", "").startsWith("https://")) {
            problems.add("relais.sso.base-url (RELAIS_SSO_BASE_URL): must be the https URL users reach Relais at");
        }
        if (env.getProperty("relais.proxies") == null) {
            problems.add("relais.proxies (RELAIS_PROXIES): the addresses of the TLS-terminating proxies whose "
                    + "X-Forwarded-For and X-Forwarded-Proto are believed, as a regular expression (e.g. "
                    + "10\\.0\\.0\\.5|10\\.0\\.0\\.6), or empty when users reach Relais without a proxy");
        }
        if (env.getProperty("relais.sso.saml.keystore", "").isBlank()) {
            problems.add("relais.sso.saml.keystore (RELAIS_SSO_SAML_KEYSTORE): the PKCS#12 holding the SAML signing key "
                    + "(and relais.sso.saml.keystore-password); Relais does not generate keys in production");
        }
        String pairwise = env.getProperty("relais.sso.pairwise-secret", "");
        if (pairwise.length() < 32) {
            problems.add("relais.sso.pairwise-secret (RELAIS_SSO_PAIRWISE_SECRET): at least 32 random characters, "
                    + "kept forever (publishers' pseudonymous ids derive from it)");
        } else if (Secrets.estimatedBits(pairwise) < 100) {
            problems.add("relais.sso.pairwise-secret (RELAIS_SSO_PAIRWISE_SECRET): not random enough (about "
                    + Secrets.estimatedBits(pairwise) + " bits, 100 needed), e.g. from openssl rand -base64 48; "
                    + "kept forever (publishers' pseudonymous ids derive from it)");
        }
        if (env.getProperty("relais.licence.tls.port", Integer.class, 8443) >= 0
                && (env.getProperty("relais.licence.tls.server-keystore", "").isBlank()
                    || env.getProperty("relais.licence.tls.client-ca", "").isBlank())) {
            problems.add("relais.licence.tls.server-keystore and relais.licence.tls.client-ca: the HTTPS certificate of "
                    + "the publishers' connector and the authority that issues distributors' certificates (or "
                    + "relais.licence.tls.port=-1 to close it)");
        }
        if (env.getProperty("relais.licence.tls.port", Integer.class, 8443) >= 0
                && !env.getProperty("relais.licence.tls.server-keystore", "").isBlank()
                && env.getProperty("relais.licence.tls.revoked", "").isBlank()) {
            problems.add("relais.licence.tls.revoked: the file of revoked distributor certificates (serial numbers in "
                    + "hex, one per line; it may be empty)");
        }
        if (env.getProperty("relais.licence.api-keys-enabled", Boolean.class, false)) {
            problems.add("relais.licence.api-keys-enabled: must be false (publishers authenticate with their certificate)");
        }
        if (!env.getProperty("relais.sso.secure-cookies", Boolean.class, true)) {
            problems.add("relais.sso.secure-cookies: must be true");
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Relais refuses to start in the prod profile:\n  - "
                    + String.join("\n  - ", problems));
        }
    }
}
