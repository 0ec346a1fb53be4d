package fr.relais.platform;

import java.time.Duration;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The HTTP client of Relais' calls to other systems (class-log tools, the ENTs' CAS ticket validation): Apache
 * HttpClient's classic (blocking) client, in the caller's thread, over pooled, kept-alive HTTP/1.1 connections, so
 * that a call to a system reached before reuses its connection (and its TLS session) instead of opening one. No
 * redirect followed, no cookie kept, no retry, no compression asked; the JVM's TLS settings (trust store, key
 * store); a connection timeout of 3 s. Each call gives its own answer timeout.
 */
public final class PooledHttp {

    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    public static final CloseableHttpClient CLIENT = HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                    .setSSLSocketFactory(tls())
                    .setMaxConnTotal(200).setMaxConnPerRoute(50)
                    .setDefaultConnectionConfig(ConnectionConfig.custom()
                            .setConnectTimeout(Timeout.of(CONNECT_TIMEOUT))
                            .setValidateAfterInactivity(TimeValue.ofSeconds(2)).build())
                    .build())
            .disableRedirectHandling().disableCookieManagement().disableAutomaticRetries()
            .disableContentCompression().disableAuthCaching()
            .setUserAgent("Relais").build();

    private PooledHttp() {
    }

    /** An answer of any status, its body read as UTF-8. */
    public record Answer(int status, String body) {
    }

    /**
     * A GET, waiting {@code timeout} at most for the answer (and as long for a pooled connection).
     *
     * @throws java.io.IOException the system did not answer (refused, timed out, TLS refused)
     */
    public static Answer get(String url, Duration timeout) throws java.io.IOException {
        var get = new org.apache.hc.client5.http.classic.methods.HttpGet(url);
        get.setConfig(org.apache.hc.client5.http.config.RequestConfig.custom().setResponseTimeout(Timeout.of(timeout))
                .setConnectionRequestTimeout(Timeout.of(timeout)).build());
        return CLIENT.execute(get, r -> new Answer(r.getCode(), r.getEntity() == null ? ""
                : org.apache.hc.core5.http.io.entity.EntityUtils.toString(r.getEntity(),
                java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Why a system did not answer, in French words for a report: the exception's kind and message. */
    public static String unreachable(java.io.IOException e) {
        return e.getClass().getSimpleName() + " : " + e.getMessage();
    }

    @SuppressWarnings("deprecation") // the builder's TLS strategy would do the same, with more to configure
    private static org.apache.hc.client5.http.ssl.SSLConnectionSocketFactory tls() {
        try {
            return new org.apache.hc.client5.http.ssl.SSLConnectionSocketFactory(javax.net.ssl.SSLContext.getDefault());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
