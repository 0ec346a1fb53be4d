package fr.relais.platform;

import java.time.Clock;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.security.web.util.matcher.AntPathRequestMatcher;
import org.springframework.security.web.util.matcher.NegatedRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

import fr.relais.audit.AuditTrail;

/**
 * SSO protocol endpoints and health are public; the JSON API (HTTP Basic, without a challenge a browser would
 * remember) and the admin pages (login form) need the administrator, whose logins are throttled
 * ({@link LoginThrottle}); state-changing requests a browser sends there from another site are refused
 * ({@link CrossSiteRequestFilter}).
 */
@Configuration
@EnableConfigurationProperties(LoginThrottle.Settings.class)
public class SecurityConfig {

    static final String ADMIN = "ADMIN";
    /** Partners' endpoints: cross-site by design (IdP form posts, back-channel logouts, GAR web service). */
    private static final String[] PROTOCOL_PATHS = {"/cas/**", "/sso/**", "/saml/**", "/oidc/**", "/launch/**",
            "/gar/**", "/sandbox/**"};

    private final ApiErrors errors;
    private final String baseUrl;

    SecurityConfig(ObjectMapper json, @Value("${relais.sso.base-url}") String baseUrl) {
        this.errors = new ApiErrors(json);
        this.baseUrl = baseUrl;
    }

    /**
     * Spring Security's own observations: the administrator's authentications only. Observing the filter chain and
     * every authorization put a Micrometer observation (its tags and timers) around each of the dozen filters of
     * every request, 10 % of Relais' CPU per login in the login benchmark; {@code http.server.requests} still
     * times every request.
     */
    @Bean
    org.springframework.security.config.observation.SecurityObservationSettings securityObservations() {
        return org.springframework.security.config.observation.SecurityObservationSettings.withDefaults()
                .shouldObserveRequests(false).shouldObserveAuthorizations(false).shouldObserveAuthentications(true)
                .build();
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    LoginThrottle loginThrottle(LoginThrottle.Settings settings, AuditTrail audit) {
        return new LoginThrottle(settings, audit, Clock.systemUTC());
    }

    /** The one authentication of the API and the console: the administrator's password, behind the throttle. */
    @Bean
    AuthenticationManager authenticationManager(AdminAccount admin, PasswordEncoder encoder, LoginThrottle throttle) {
        // not a bean of its own: Spring Security would build a second, unthrottled password check from it
        UserDetailsService administrators = new InMemoryUserDetailsManager(User.withUsername(admin.username())
                .password(encoder.encode(admin.password()))
                .roles(ADMIN)
                .build());
        DaoAuthenticationProvider passwords = new DaoAuthenticationProvider(administrators);
        passwords.setPasswordEncoder(encoder);
        return new ProviderManager(new ThrottledAuthentication(passwords, throttle));
    }

    /**
     * The class-log tools' simulators stand for other sites, called machine to machine by Relais' own connectors:
     * Relais' security has nothing to check there, and its filter chain cost each simulated tool call as much as
     * the tool's work (benchmarks run the three tools in the same process).
     */
    @Bean
    org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer simulatedTools() {
        // (the NEO modules' simulator answers as the first servlet filter, before this chain: SimulatedNeoDiary)
        return web -> web.ignoring().requestMatchers("/sandbox/skolengo/**", "/sandbox/ecoledirecte/**");
    }

    @Bean
    @Order(1)
    SecurityFilterChain api(HttpSecurity http, AuthenticationManager authentication) throws Exception {
        http.authenticationManager(authentication)
                .securityMatcher("/api/**", "/actuator/**", "/gar/ressources/**")
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/actuator/health", "/actuator/health/**").permitAll()
                        .anyRequest().hasRole(ADMIN))
                .httpBasic(basic -> basic.authenticationEntryPoint(errors))
                .exceptionHandling(e -> e.authenticationEntryPoint(errors))
                // stateless Basic: no cookie to ride on; the cross-site filter stands where CSRF tokens would
                .csrf(csrf -> csrf.disable())
                .addFilterBefore(new CrossSiteRequestFilter(baseUrl, errors), CsrfFilter.class)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        return http.build();
    }

    /**
     * The OpenAPI description ({@link ApiDocs}): the administrator's console session (its browsable page at
     * {@code /admin/api} reads it) or HTTP Basic (a client generator, curl); read only.
     */
    @Bean
    @Order(2)
    SecurityFilterChain apiDescription(HttpSecurity http, AuthenticationManager authentication) throws Exception {
        http.authenticationManager(authentication)
                .securityMatcher("/v3/api-docs", "/v3/api-docs/**")
                .authorizeHttpRequests(auth -> auth.requestMatchers(org.springframework.http.HttpMethod.GET, "/**")
                        .hasRole(ADMIN).anyRequest().denyAll())
                .httpBasic(basic -> basic.authenticationEntryPoint(errors))
                .exceptionHandling(e -> e.authenticationEntryPoint(errors))
                .csrf(csrf -> csrf.disable());
        return http.build();
    }

    @Bean
    @Order(3)
    SecurityFilterChain pages(HttpSecurity http, AuthenticationManager authentication) throws Exception {
        RequestMatcher protocols = new OrRequestMatcher(java.util.Arrays.stream(PROTOCOL_PATHS)
                .map(p -> (RequestMatcher) new AntPathRequestMatcher(p)).toList());
        CrossSiteRequestFilter crossSite = new CrossSiteRequestFilter(baseUrl, errors);
        http.authenticationManager(authentication)
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers(PROTOCOL_PATHS).permitAll()
                        .requestMatchers("/login", "/error", "/css/**", "/favicon.ico").permitAll()
                        .anyRequest().hasRole(ADMIN))
                .csrf(csrf -> csrf.ignoringRequestMatchers(protocols))
                .addFilterBefore(new ConditionalFilter(new NegatedRequestMatcher(protocols), crossSite), CsrfFilter.class)
                .formLogin(form -> form.loginPage("/login").defaultSuccessUrl("/admin", false)
                        .failureHandler(loginFailure()).permitAll())
                .logout(logout -> logout.logoutUrl("/admin/logout").logoutSuccessUrl("/login?logout"));
        return http.build();
    }

    /** The console's login form says when the account or the address is locked, and for how long. */
    private static AuthenticationFailureHandler loginFailure() {
        return (request, response, failure) -> response.sendRedirect(request.getContextPath()
                + (failure instanceof ThrottledAuthentication.LoginLockedException
                        ? "/login?bloque"
                        : "/login?error"));
    }

    /** Runs {@code filter} only for requests {@code matcher} accepts. */
    private static final class ConditionalFilter extends org.springframework.web.filter.OncePerRequestFilter {
        private final RequestMatcher matcher;
        private final jakarta.servlet.Filter filter;

        ConditionalFilter(RequestMatcher matcher, jakarta.servlet.Filter filter) {
            this.matcher = matcher;
            this.filter = filter;
        }

        @Override
        protected void doFilterInternal(jakarta.servlet.http.HttpServletRequest request,
                                        jakarta.servlet.http.HttpServletResponse response,
                                        jakarta.servlet.FilterChain chain)
                throws jakarta.servlet.ServletException, java.io.IOException {
            if (matcher.matches(request)) {
                filter.doFilter(request, response, chain);
            } else {
                chain.doFilter(request, response);
            }
        }
    }
}
