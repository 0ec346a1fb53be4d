package fr.relais.licence.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import fr.relais.connector.Capability;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.platform.RelaisProperties;

/**
 * The HTTPS connector publishers reach the GAR-compatible APIs on, with client certificates (mutual TLS).
 * Tomcat asks for a certificate without judging it; {@link #check} does, with messages a publisher can act on.
 * Without configured files (demo), a CA, a server certificate and one client certificate per publisher are
 * generated into {@code <data-dir>/keys/gar/} on first start.
 */
@Configuration
public class GarTls {

    private static final Logger log = LoggerFactory.getLogger(GarTls.class);

    private final int port;
    private final Path serverKeystore;
    private final char[] serverPassword;
    private final List<X509Certificate> trusted;
    private final Path revokedFile;

    public GarTls(@Value("${relais.licence.tls.port:8443}") int port,
                  @Value("${relais.licence.tls.server-keystore:}") String serverKeystore,
                  @Value("${relais.licence.tls.server-keystore-password:}") String serverPassword,
                  @Value("${relais.licence.tls.client-ca:}") String clientCa,
                  @Value("${relais.licence.tls.revoked:}") String revoked,
                  RelaisProperties relais, ConnectorRegistry registry) {
        this.port = port;
        Path dir = relais.dataDir().resolve("keys").resolve("gar");
        if (serverKeystore.isBlank()) {
            GarPki.Issued ca = GarPki.ca(dir);
            GarPki.server(dir, ca);
            for (var publisher : registry.offering(Capability.LICENCE_FEED)) {
                GarPki.client(dir.resolve("publishers").resolve(publisher.id() + ".p12"), ca,
                        publisher.descriptor().path("distributorId").asText(), Instant.now().minus(Duration.ofDays(1)),
                        Instant.now().plus(Duration.ofDays(825)));
            }
            this.serverKeystore = dir.resolve("gar-server.p12");
            this.serverPassword = GarPki.password(this.serverKeystore);
            this.trusted = List.of(ca.certificate());
            this.revokedFile = revoked.isBlank() ? dir.resolve("revoked.txt") : Path.of(revoked);
            log.info("TLS mutuel des éditeurs : AC et certificats de démonstration dans {}", dir.toAbsolutePath().normalize());
        } else {
            this.serverKeystore = Path.of(serverKeystore);
            this.serverPassword = serverPassword.toCharArray();
            this.trusted = pem(Path.of(clientCa));
            this.revokedFile = revoked.isBlank() ? null : Path.of(revoked);
        }
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> garHttpsConnector() {
        return factory -> {
            if (port < 0) {
                return;
            }
            Connector connector = new Connector(TomcatServletWebServerFactory.DEFAULT_PROTOCOL);
            connector.setPort(port);
            connector.setScheme("https");
            connector.setSecure(true);
            Http11NioProtocol protocol = (Http11NioProtocol) connector.getProtocolHandler();
            protocol.setSSLEnabled(true);
            SSLHostConfig ssl = new SSLHostConfig();
            // JSSE checks the chain against the trusted authorities and the validity dates during the handshake
            // (an unknown or expired certificate never gets a response); check() adds revocation and the mapping
            ssl.setCertificateVerification("optional");
            try {
                java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                for (int i = 0; i < trusted.size(); i++) {
                    trust.setCertificateEntry("ac-" + i, trusted.get(i));
                }
                ssl.setTrustStore(trust);
            } catch (java.security.GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot build the publishers' trust store: " + e.getMessage(), e);
            }
            SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.RSA);
            certificate.setCertificateKeystoreFile(serverKeystore.toAbsolutePath().toString());
            certificate.setCertificateKeystorePassword(new String(serverPassword));
            certificate.setCertificateKeystoreType("PKCS12");
            ssl.addCertificate(certificate);
            protocol.addSslHostConfig(ssl);
            factory.addAdditionalTomcatConnectors(connector);
        };
    }

    /** The outcome of looking at a client certificate. */
    public sealed interface Verdict permits Accepted, Refused {
    }

    public record Accepted(String distributorId) implements Verdict {
    }

    public record Refused(String reason) implements Verdict {
    }

    public Verdict check(X509Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            return new Refused("aucun certificat client présenté");
        }
        X509Certificate leaf = chain[0];
        boolean signed = false;
        for (X509Certificate ca : trusted) {
            try {
                leaf.verify(ca.getPublicKey());
                signed = leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
            } catch (Exception e) {
                // not this authority
            }
            if (signed) {
                break;
            }
        }
        if (!signed) {
            return new Refused("certificat client inconnu : il n'est pas émis par une autorité reconnue par Relais");
        }
        try {
            leaf.checkValidity();
        } catch (java.security.cert.CertificateExpiredException e) {
            return new Refused("certificat client expiré le " + leaf.getNotAfter().toInstant());
        } catch (java.security.cert.CertificateNotYetValidException e) {
            return new Refused("certificat client pas encore valide (à partir du " + leaf.getNotBefore().toInstant() + ")");
        }
        Set<BigInteger> revoked;
        try {
            revoked = revoked();
        } catch (NumberFormatException e) {
            // fail closed: an unreadable revocation list accepts nobody, and says so
            log.error("relais.licence.tls.revoked: ligne illisible ({}) : tous les certificats sont refusés", e.getMessage());
            return new Refused("liste de révocation illisible côté Relais : prévenez l'exploitant");
        }
        if (revoked.contains(leaf.getSerialNumber())) {
            return new Refused("certificat client révoqué (numéro de série " + leaf.getSerialNumber().toString(16) + ")");
        }
        try {
            List<String> cns = new ArrayList<>();
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                javax.naming.directory.Attribute cn = rdn.toAttributes().get("CN");
                if (cn != null) {
                    for (int i = 0; i < cn.size(); i++) {
                        cns.add(String.valueOf(cn.get(i)));
                    }
                }
            }
            if (cns.size() != 1) {
                return new Refused("certificat client ambigu : il doit porter exactement un CN (le distributeur)");
            }
            return new Accepted(cns.get(0));
        } catch (javax.naming.NamingException e) {
            return new Refused("sujet du certificat client illisible");
        }
    }

    private Set<BigInteger> revoked() {
        if (revokedFile == null || !Files.exists(revokedFile)) {
            return Set.of();
        }
        try {
            return Files.readAllLines(revokedFile).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .map(l -> new BigInteger(l.toLowerCase(Locale.ROOT), 16)).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException("relais.licence.tls.revoked: cannot read " + revokedFile, e);
        }
    }

    private static List<X509Certificate> pem(Path file) {
        try {
            String text = Files.readString(file);
            List<X509Certificate> out = new ArrayList<>();
            Collection<? extends java.security.cert.Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(text.getBytes()));
            certs.forEach(c -> out.add((X509Certificate) c));
            return out;
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("relais.licence.tls.client-ca: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

}
