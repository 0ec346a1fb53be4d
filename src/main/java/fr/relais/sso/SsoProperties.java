package fr.relais.sso;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param baseUrl              the URL users and partners reach Relais at (callbacks are built on it)
 * @param serviceTicketLifetime how long a CAS service ticket may wait for its validation
 * @param sessionIdle          an SSO session unused for this long ends
 * @param sessionMaxAge        an SSO session ends this long after the login, used or not
 * @param secureCookies        cookies only over https (off only for the demo on http://localhost)
 */
@ConfigurationProperties("relais.sso")
public record SsoProperties(String baseUrl, Duration serviceTicketLifetime, Duration sessionIdle,
                            Duration sessionMaxAge, Boolean secureCookies) {

    public SsoProperties {
        baseUrl = baseUrl == null || baseUrl.isBlank() ? "http://localhost:8080" : baseUrl.replaceAll("/+$", "");
        serviceTicketLifetime = serviceTicketLifetime == null ? Duration.ofSeconds(10) : serviceTicketLifetime;
        sessionIdle = sessionIdle == null ? Duration.ofHours(2) : sessionIdle;
        sessionMaxAge = sessionMaxAge == null ? Duration.ofHours(10) : sessionMaxAge;
        secureCookies = secureCookies == null || secureCookies;
    }
}
