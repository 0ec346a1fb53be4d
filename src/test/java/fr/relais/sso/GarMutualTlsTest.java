package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;

import fr.relais.directory.aaf.Uai;
import fr.relais.licence.tls.GarPki;

/**
 * A publisher's client that only knows GAR's calls, over mutual TLS with its distributor certificate: create,
 * update, list and delete a subscription; and the certificates Relais must refuse.
 */
class GarMutualTlsTest extends SsoTestBase {

    static final Path KEYS = Path.of("./target/it/sso-cas/keys/gar");

    @Autowired
    ServletWebServerApplicationContext context;

    private int tlsPort() {
        for (Connector c : ((TomcatWebServer) context.getWebServer()).getTomcat().getService().findConnectors()) {
            if ("https".equals(c.getScheme())) {
                return c.getLocalPort();
            }
        }
        throw new AssertionError("no https connector");
    }

    private static SSLContext ssl(Path clientP12) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", GarPki.ca(KEYS).certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        if (clientP12 != null) {
            KeyStore client = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(clientP12)) {
                client.load(in, GarPki.password(clientP12));
            }
            kmf.init(client, GarPki.password(clientP12));
        } else {
            KeyStore empty = KeyStore.getInstance("PKCS12");
            empty.load(null, null);
            kmf.init(empty, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private HttpResponse<String> call(Path cert, String method, String path, String body) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(ssl(cert)).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tlsPort() + "/gar/abonnement" + path))
                .header("Content-Type", "application/xml").method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String doc(String id, String distributor, boolean withSchool, String pupils) {
        return "<abonnement xmlns=\"http://www.atosworldline.com/wsabonnement/v1.0/\"><idAbonnement>" + id
                + "</idAbonnement><idDistributeurCom>" + distributor + "</idDistributeurCom><idRessource>ark:/1/" + id
                + "</idRessource><typeIdRessource>ark</typeIdRessource><libelleRessource>Ressource</libelleRessource>"
                + "<debutValidite>2026-09-01T00:00:00</debutValidite>"
                + (withSchool ? "<uaiEtab>" + Uai.of(690_100) + "</uaiEtab>" : "")
                + "<categorieAffectation>non transferable</categorieAffectation><typeAffectation>INDIV</typeAffectation>"
                + "<nbLicenceEleve>" + pupils + "</nbLicenceEleve><publicCible>ELEVE</publicCible></abonnement>";
    }

    @Test
    void aGarClientWithItsCertificateManagesItsSubscriptions() throws Exception {
        Path cns = KEYS.resolve("publishers/cns.p12");
        assertThat(call(cns, "PUT", "/ABO-TLS", doc("ABO-TLS", "CNS_DISTRIBUTEUR", true, "10")).statusCode()).isEqualTo(201);
        assertThat(call(cns, "PUT", "/ABO-TLS", doc("ABO-TLS", "CNS_DISTRIBUTEUR", true, "10")).statusCode()).isEqualTo(409);
        HttpResponse<String> updated = call(cns, "POST", "/ABO-TLS", doc("ABO-TLS", "CNS_DISTRIBUTEUR", false, "12"));
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(updated.body()).contains("<nbLicenceEleve>12</nbLicenceEleve>");
        assertThat(call(cns, "GET", "/abonnements", "<filtres><filtre><filtreNom>idAbonnement</filtreNom><filtreValeur>"
                + "ABO-TLS</filtreValeur></filtre></filtres>").body()).contains("<idAbonnement>ABO-TLS</idAbonnement>");
        Path kne = KEYS.resolve("publishers/kne-educadhoc.p12");
        assertThat(call(kne, "DELETE", "/ABO-TLS", null).statusCode()).isEqualTo(404);
        assertThat(call(cns, "DELETE", "/ABO-TLS", null).statusCode()).isEqualTo(204);
    }

    @Test
    void missingUnknownExpiredAndRevokedCertificatesAreRefused() throws Exception {
        assertThat(call(KEYS.resolve("publishers/cns.p12"), "GET", "/abonnements", "").statusCode()).isEqualTo(200);
        HttpResponse<String> none = call(null, "GET", "/abonnements", "");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("présentez le certificat client du distributeur");

        GarPki.Issued foreignCa = GarPki.ca(Files.createTempDirectory("autre-ac"));
        Path unknown = Files.createTempDirectory("inconnu").resolve("c.p12");
        GarPki.client(unknown, foreignCa, "CNS_DISTRIBUTEUR", Instant.now().minusSeconds(60), Instant.now().plusSeconds(86400));
        // an unknown or expired certificate fails the TLS handshake itself: no response at all
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> call(unknown, "GET", "/abonnements", ""))
                .isInstanceOf(java.io.IOException.class);

        Path expired = Files.createTempDirectory("expire").resolve("c.p12");
        GarPki.client(expired, GarPki.ca(KEYS), "CNS_DISTRIBUTEUR", Instant.now().minus(Duration.ofDays(400)),
                Instant.now().minus(Duration.ofDays(1)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> call(expired, "GET", "/abonnements", ""))
                .isInstanceOf(java.io.IOException.class);

        Path revoked = Files.createTempDirectory("revoque").resolve("c.p12");
        GarPki.Issued r = GarPki.client(revoked, GarPki.ca(KEYS), "CNS_DISTRIBUTEUR", Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(86400));
        assertThat(call(revoked, "GET", "/abonnements", "").statusCode()).isEqualTo(200);
        Files.writeString(KEYS.resolve("revoked.txt"), "# révoqués\n" + r.certificate().getSerialNumber().toString(16) + "\n");
        try {
            HttpResponse<String> refused = call(revoked, "GET", "/abonnements", "");
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).contains("certificat client révoqué");
        } finally {
            Files.delete(KEYS.resolve("revoked.txt"));
        }
    }
}
