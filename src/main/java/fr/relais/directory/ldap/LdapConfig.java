package fr.relais.directory.ldap;

import java.util.Optional;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.ldap.core.LdapTemplate;
import org.springframework.ldap.core.support.DefaultTlsDirContextAuthenticationStrategy;
import org.springframework.ldap.core.support.LdapContextSource;

import fr.relais.directory.DirectoryProperties;
import fr.relais.platform.RelaisProperties;

/** One LDAP connection setup: to the territory's server when {@code relais.directory.ldap.url} is set, else embedded. */
@Configuration
public class LdapConfig {

    @Bean(destroyMethod = "close")
    @ConditionalOnExpression("'${relais.directory.ldap.url:}'.isBlank()")
    EmbeddedLdapServer embeddedLdapServer(DirectoryProperties directory, RelaisProperties relais) {
        return new EmbeddedLdapServer(directory.baseDn(), directory.ldap().embeddedPort(),
                relais.dataDir().resolve("ldap").resolve("directory.ldif"));
    }

    @Bean
    LdapContextSource contextSource(DirectoryProperties directory, ObjectProvider<EmbeddedLdapServer> embedded) {
        LdapContextSource source = new LdapContextSource();
        Optional<EmbeddedLdapServer> server = Optional.ofNullable(embedded.getIfAvailable());
        if (server.isPresent()) {
            source.setUrl(server.get().url());
            source.setUserDn(server.get().bindDn());
            source.setPassword(server.get().password());
        } else {
            source.setUrl(directory.ldap().url());
            if (directory.ldap().bindDn() != null && !directory.ldap().bindDn().isBlank()) {
                source.setUserDn(directory.ldap().bindDn());
                source.setPassword(directory.ldap().password());
            } else {
                source.setAnonymousReadOnly(true);
            }
        }
        boolean startTls = server.isEmpty() && directory.ldap().startTls();
        if (startTls) {
            source.setAuthenticationStrategy(new DefaultTlsDirContextAuthenticationStrategy());
        }
        // the JDK's connection pool cannot hold connections upgraded with StartTLS
        source.setPooled(!startTls);
        if (!startTls) {
            poolLdaps();
        }
        // a directory that stops answering must not hang an import forever
        source.setBaseEnvironmentProperties(java.util.Map.of("com.sun.jndi.ldap.connect.timeout", "5000",
                "com.sun.jndi.ldap.read.timeout", "120000"));
        source.afterPropertiesSet();
        return source;
    }

    /**
     * The JDK pools only plain LDAP connections unless told otherwise (system properties read once, when its pool
     * is first used): over {@code ldaps://} every directory read then opened a connection, with its TLS handshake
     * and bind. Measured through the local deployment (two nodes, slapd over ldaps), that was a tenth of a node's CPU
     * per login. Idle pooled connections are closed after 5 minutes, before a firewall or the server's idle timeout
     * drops them unseen. A value set by the operator ({@code -Dcom.sun.jndi.ldap.connect.pool.protocol=...}) is kept.
     */
    static void poolLdaps() {
        if (System.getProperty("com.sun.jndi.ldap.connect.pool.protocol") == null) {
            System.setProperty("com.sun.jndi.ldap.connect.pool.protocol", "plain ssl");
        }
        if (System.getProperty("com.sun.jndi.ldap.connect.pool.timeout") == null) {
            System.setProperty("com.sun.jndi.ldap.connect.pool.timeout", "300000");
        }
    }

    @Bean
    LdapTemplate ldapTemplate(LdapContextSource contextSource) {
        LdapTemplate template = new LdapTemplate(contextSource);
        template.setIgnorePartialResultException(true);
        // a search cut by the server's size limit must fail, not answer part of the directory
        template.setIgnoreSizeLimitExceededException(false);
        return template;
    }
}
