package fr.relais.platform;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses state-changing requests a browser sends on another site's behalf to the administrator's endpoints:
 * {@code Sec-Fetch-Site} other than {@code same-origin} or {@code none} (typed by the user), or, from browsers
 * that do not send it, an {@code Origin} other than Relais' own. Clients that send neither (curl, scripts) are
 * not browsers acting for a page, and go on to authentication. The partners' protocol endpoints (SAML ACS, CAS
 * and SAML back-channel logouts, GAR API) never pass through this filter: they are cross-site by design.
 */
class CrossSiteRequestFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(CrossSiteRequestFilter.class);
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    private final String ownOrigin;
    private final ApiErrors errors;

    CrossSiteRequestFilter(String baseUrl, ApiErrors errors) {
        this.ownOrigin = origin(baseUrl);
        this.errors = errors;
    }

    static String origin(String url) {
        URI uri = URI.create(url);
        String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port < 0 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        return scheme + "://" + uri.getHost().toLowerCase(java.util.Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String refusal = SAFE.contains(request.getMethod()) ? null : refusal(request);
        if (refusal == null) {
            chain.doFilter(request, response);
            return;
        }
        log.warn("Requête inter-sites refusée : {} {} ({})", request.getMethod(), request.getRequestURI(), refusal);
        errors.write(response, HttpStatus.FORBIDDEN, "Requête refusée : elle vient d'un autre site (" + refusal
                + "). Les modifications se font depuis la console Relais ou par un client d'API (curl...).", request);
    }

    private String refusal(HttpServletRequest request) {
        String fetchSite = request.getHeader("Sec-Fetch-Site");
        if (fetchSite != null) {
            return "same-origin".equals(fetchSite) || "none".equals(fetchSite) ? null : "Sec-Fetch-Site: " + fetchSite;
        }
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return null;
        }
        try {
            return ownOrigin.equals(origin(origin)) ? null : "Origin: " + origin;
        } catch (RuntimeException notAnOrigin) {
            return "Origin: " + origin;
        }
    }
}
