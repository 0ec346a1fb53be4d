package fr.relais.platform;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * SSO protocol endpoints and health are public; the JSON API (HTTP Basic) and the admin pages (login form)
 * need the administrator.
 */
@Configuration
public class SecurityConfig {

    static final String ADMIN = "ADMIN";

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    UserDetailsService administrators(AdminAccount admin, PasswordEncoder encoder) {
        return new InMemoryUserDetailsManager(User.withUsername(admin.username())
                .password(encoder.encode(admin.password()))
                .roles(ADMIN)
                .build());
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
    SecurityFilterChain api(HttpSecurity http) throws Exception {
        http.securityMatcher("/api/**", "/actuator/**", "/gar/ressources/**")
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/actuator/health", "/actuator/health/**").permitAll()
                        .anyRequest().hasRole(ADMIN))
                .httpBasic(Customizer.withDefaults())
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain pages(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(auth -> auth
                        .requestMatchers("/cas/**", "/sso/**", "/saml/**", "/oidc/**", "/launch/**", "/gar/**",
                                "/sandbox/**", "/login", "/error", "/css/**", "/favicon.ico").permitAll()
                        .anyRequest().hasRole(ADMIN))
                // the protocol endpoints are cross-site by nature; the simulators stand for other sites
                .csrf(csrf -> csrf.ignoringRequestMatchers("/cas/**", "/sso/**", "/saml/**", "/sandbox/**", "/gar/**"))
                .formLogin(form -> form.loginPage("/login").defaultSuccessUrl("/admin", false).permitAll())
                .logout(logout -> logout.logoutUrl("/admin/logout").logoutSuccessUrl("/login?logout"));
        return http.build();
    }
}
