package fr.relais.sso;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param baseUrl              the URL users and partners reach Relais at (callbacks are built on it)
 * @param serviceTicketLifetime how long a CAS service ticket may wait for its validation
 * @param sessionIdle          an SSO session unused for this long ends
 * @param sessionMaxAge        an SSO session ends this long after the login, used or not
 * @param secureCookies        cookies only over https (off only for the demo on http://localhost)
 * @param pairwiseSecret       the secret behind publishers' pseudonymous ids; generated into the data
 *                             directory when empty (demo only)
 * @param saml                 Relais' SAML identity provider
 */
@ConfigurationProperties("relais.sso")
public record SsoProperties(String baseUrl, Duration serviceTicketLifetime, Duration sessionIdle,
                            Duration sessionMaxAge, Boolean secureCookies, String pairwiseSecret, Saml saml) {

    /**
     * @param entityId            the IdP's entity id (default: base URL + /saml/idp)
     * @param keystore            PKCS#12 holding the signing key; generated into the data directory when empty
     * @param keystorePassword    its password
     * @param keystoreAlias       the entry to use; empty when the keystore holds one key
     * @param nextKeystore        during a key roll-over, the PKCS#12 of the next key: published in both metadata
     *                            documents next to the current one, and used to decrypt; empty outside a roll-over
     * @param nextKeystorePassword its password
     * @param nextKeystoreAlias   its entry; empty when it holds one key
     * @param signWith            which of the two keys signs ({@code current} until the partners trust the next)
     * @param assertionLifetime   how long an assertion may be presented
     */
    public record Saml(String entityId, java.nio.file.Path keystore, String keystorePassword, String keystoreAlias,
                       java.nio.file.Path nextKeystore, String nextKeystorePassword, String nextKeystoreAlias,
                       SignWith signWith, Duration assertionLifetime) {
        public Saml {
            // an empty variable (docker compose without a roll-over) is no file
            keystore = keystore == null || keystore.toString().isEmpty() ? null : keystore;
            nextKeystore = nextKeystore == null || nextKeystore.toString().isEmpty() ? null : nextKeystore;
            signWith = signWith == null ? SignWith.CURRENT : signWith;
            assertionLifetime = assertionLifetime == null ? Duration.ofMinutes(5) : assertionLifetime;
        }
    }

    /** The key Relais signs with during a roll-over: the current one, or the next one once partners trust it. */
    public enum SignWith {
        CURRENT, NEXT
    }

    public SsoProperties {
        baseUrl = baseUrl == null || baseUrl.isBlank() ? "http://localhost:8080" : baseUrl.replaceAll("/+$", "");
        serviceTicketLifetime = serviceTicketLifetime == null ? Duration.ofSeconds(10) : serviceTicketLifetime;
        sessionIdle = sessionIdle == null ? Duration.ofHours(2) : sessionIdle;
        sessionMaxAge = sessionMaxAge == null ? Duration.ofHours(10) : sessionMaxAge;
        secureCookies = secureCookies == null || secureCookies;
        saml = saml == null ? new Saml(null, null, null, null, null, null, null, null, null) : saml;
    }

    public String idpEntityId() {
        return saml.entityId() == null || saml.entityId().isBlank() ? baseUrl + "/saml/idp" : saml.entityId();
    }
}
