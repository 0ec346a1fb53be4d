package fr.relais.sso.cas;

import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import fr.relais.connector.Connector;
import fr.relais.platform.Tokens;

/**
 * CAS proxy granting tickets: given only to a callback that is https, registered for the service
 * ({@code sso.outbound.proxyCallbackPatterns}), and proves itself by answering 200 to Relais' call with the PGT
 * and its IOU. Callback certificates are checked against the JDK's authorities, plus the PKCS#12 named by
 * {@code relais.sso.cas.proxy-callback-trust} if any (the demo's own authority).
 */
@Component
public class ProxyGrantingTickets {

    private static final Logger log = LoggerFactory.getLogger(ProxyGrantingTickets.class);
    static final Duration LIFETIME = Duration.ofHours(2);

    private final JdbcTemplate jdbc;
    private final String extraTrust;
    private volatile HttpClient http;

    public ProxyGrantingTickets(JdbcTemplate jdbc, @Value("${relais.sso.cas.proxy-callback-trust:}") String extraTrust) {
        this.jdbc = jdbc;
        this.extraTrust = extraTrust;
    }

    /** Whether this callback URL may receive PGTs for the service. */
    public static boolean callbackAllowed(Connector service, String pgtUrl) {
        if (pgtUrl == null || !pgtUrl.startsWith("https://") || service.is(fr.relais.connector.ConnectorKind.PUBLISHER)) {
            // publishers never act for the user towards other services: it would link their pseudonyms
            return false;
        }
        for (var p : service.descriptor().path("sso").path("outbound").path("proxyCallbackPatterns")) {
            if (Pattern.compile(p.asText()).matcher(pgtUrl).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Grants a PGT if the callback takes it; answers the IOU to put in the validation response. */
    public Optional<String> grant(String sessionId, String connectorId, String pgtUrl) {
        String pgt = Tokens.random("PGT-");
        String iou = Tokens.random("PGTIOU-");
        try {
            String url = pgtUrl + (pgtUrl.contains("?") ? "&" : "?") + "pgtIou=" + URLEncoder.encode(iou, StandardCharsets.UTF_8)
                    + "&pgtId=" + URLEncoder.encode(pgt, StandardCharsets.UTF_8);
            HttpResponse<Void> r = client().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() != 200) {
                log.warn("Rappel de proxy {} : HTTP {}, aucun PGT délivré", pgtUrl, r.statusCode());
                return Optional.empty();
            }
        } catch (Exception e) {
            log.warn("Rappel de proxy {} impossible ({}), aucun PGT délivré", pgtUrl, e.toString());
            return Optional.empty();
        }
        Instant now = Instant.now();
        jdbc.update("INSERT INTO cas_proxy_granting_ticket (id, session_id, pgt_url, connector_id, created_at, expires_at) "
                + "VALUES (?, ?, ?, ?, ?, ?)", pgt, sessionId, pgtUrl, connectorId, Timestamp.from(now),
                Timestamp.from(now.plus(LIFETIME)));
        return Optional.of(iou);
    }

    /**
     * Whether the proxy may obtain tickets for this target: never a publisher (that would bypass its licence
     * decision and link identities), and only a tool that lists the proxy in {@code sso.outbound.allowedProxies}.
     */
    public static boolean mayProxyTo(String proxyConnectorId, Connector target) {
        if (target.is(fr.relais.connector.ConnectorKind.PUBLISHER)) {
            return false;
        }
        for (var allowed : target.descriptor().path("sso").path("outbound").path("allowedProxies")) {
            if (allowed.asText().equals(proxyConnectorId)) {
                return true;
            }
        }
        return false;
    }

    /** A live PGT: its session, the callback URL of the proxy holding it, and the proxy's connector. */
    public record Granting(String sessionId, String pgtUrl, String connectorId) {
    }

    public Optional<Granting> find(String pgt) {
        return jdbc.query("""
                SELECT p.session_id, p.pgt_url, p.connector_id FROM cas_proxy_granting_ticket p
                JOIN sso_session s ON s.id = p.session_id WHERE p.id = ? AND p.expires_at > ? AND s.ended_at IS NULL""",
                (rs, n) -> new Granting(rs.getString(1), rs.getString(2), rs.getString(3)), pgt, Timestamp.from(Instant.now()))
                .stream().findFirst();
    }

    private HttpClient client() throws Exception {
        if (http == null) {
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, new TrustManager[] {trust()}, null);
            http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(3))
                    .followRedirects(HttpClient.Redirect.NEVER).build();
        }
        return http;
    }

    private X509TrustManager trust() throws Exception {
        List<X509TrustManager> managers = new ArrayList<>();
        managers.add(manager(null));
        if (!extraTrust.isBlank() && Files.exists(Path.of(extraTrust))) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            Path file = Path.of(extraTrust);
            char[] password = Files.readString(file.resolveSibling(file.getFileName() + ".password")).strip().toCharArray();
            try (InputStream in = Files.newInputStream(file)) {
                store.load(in, password);
            }
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            int i = 0;
            for (var alias : java.util.Collections.list(store.aliases())) {
                trusted.setCertificateEntry("extra-" + i++, store.getCertificate(alias));
            }
            managers.add(manager(trusted));
        }
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("not a server");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                CertificateException last = null;
                for (X509TrustManager m : managers) {
                    try {
                        m.checkServerTrusted(chain, authType);
                        return;
                    } catch (CertificateException e) {
                        last = e;
                    }
                }
                throw last;
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return managers.stream().flatMap(m -> java.util.Arrays.stream(m.getAcceptedIssuers()))
                        .toArray(X509Certificate[]::new);
            }
        };
    }

    private static X509TrustManager manager(KeyStore store) throws Exception {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager m : f.getTrustManagers()) {
            if (m instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("no X509 trust manager");
    }
}
