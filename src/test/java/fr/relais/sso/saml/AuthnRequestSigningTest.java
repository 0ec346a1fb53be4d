package fr.relais.sso.saml;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opensaml.saml.saml2.core.AuthnRequest;
import org.opensaml.security.x509.BasicX509Credential;
import org.opensaml.xmlsec.crypto.XMLSigningUtil;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorProperties;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.sso.SsoProperties;

/**
 * The AuthnRequests Relais sends its SAML identity sources, as the IdP receives them: the HTTP-Redirect URL carries
 * SigAlg and a Signature over the raw query that verifies with Relais' key (SAML bindings 3.4.4.1), unless the
 * connector sets {@code sso.saml2.signAuthnRequests: false}. The IdP's metadata comes over real HTTP.
 */
class AuthnRequestSigningTest {

    static final String RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    static HttpServer idp;
    static String idpBase;
    static final SigningKeys RELAIS = SigningKeys.generate("Relais test");
    static final SigningKeys IDP = SigningKeys.generate("IdP test");

    @BeforeAll
    static void idpMetadata() throws Exception {
        idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idpBase = "http://127.0.0.1:" + idp.getAddress().getPort();
        String cert = Base64.getEncoder().encodeToString(IDP.certificate().getEncoded());
        byte[] md = ("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
                + "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" + idpBase + "/idp\">"
                + "<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
                + "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" + cert
                + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
                + "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
                + "Location=\"" + idpBase + "/idp/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>")
                .getBytes(StandardCharsets.UTF_8);
        idp.createContext("/idp/metadata", exchange -> {
            exchange.sendResponseHeaders(200, md.length);
            exchange.getResponseBody().write(md);
            exchange.close();
        });
        idp.start();
    }

    @AfterAll
    static void stop() {
        idp.stop(0);
    }

    private static SamlServiceProvider sp(Path empty) {
        DriverManagerDataSource db = new DriverManagerDataSource("jdbc:h2:mem:authn-signing;DB_CLOSE_DELAY=-1");
        JdbcTemplate jdbc = new JdbcTemplate(db);
        jdbc.execute("""
                CREATE TABLE IF NOT EXISTS saml_sp_request (id VARCHAR(64) PRIMARY KEY, connector_id VARCHAR(64) NOT NULL,
                login_request_id VARCHAR(64) NOT NULL, created_at TIMESTAMP WITH TIME ZONE NOT NULL,
                consumed_at TIMESTAMP WITH TIME ZONE)""");
        return new SamlServiceProvider(jdbc, new IdpMetadata(),
                new ConnectorRegistry(new ConnectorProperties(empty, true), List.of(), new StandardEnvironment()),
                new SsoProperties("http://localhost:8080", null, null, null, false, null, null), RELAIS);
    }

    private static Connector connector(String extra) throws Exception {
        JsonNode descriptor = new YAMLMapper().readTree("sso:\n  saml2:\n    entityId: " + idpBase + "/idp\n"
                + "    metadataUrl: " + idpBase + "/idp/metadata\n" + extra);
        return new Connector("ent-test", "ENT de test", fr.relais.connector.ConnectorKind.ENT, "saml2", "saml2", null, null, List.of("sso.inbound"),
                Connector.READY, List.of(), "connectors/ent/ent-test.yaml", descriptor);
    }

    /** The query's parameters as sent (still URL-encoded), in order. */
    private static Map<String, String> rawQuery(String url) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            params.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        return params;
    }

    @Test
    void theRedirectCarriesAnRsaSha256SignatureOfItsQueryByRelaisKey(@TempDir Path empty) throws Exception {
        String url = sp(empty).authnRequestUrl(connector(""), "login-1");
        assertThat(url).startsWith(idpBase + "/idp/sso?SAMLRequest=");
        Map<String, String> q = rawQuery(url);
        assertThat(q.keySet()).containsExactly("SAMLRequest", "SigAlg", "Signature");
        assertThat(URLDecoder.decode(q.get("SigAlg"), StandardCharsets.UTF_8)).isEqualTo(RSA_SHA256);

        // what the IdP checks (bindings 3.4.4.1): the octets "SAMLRequest=...&SigAlg=..." exactly as received
        byte[] signedOctets = ("SAMLRequest=" + q.get("SAMLRequest") + "&SigAlg=" + q.get("SigAlg"))
                .getBytes(StandardCharsets.UTF_8);
        byte[] signature = Base64.getDecoder().decode(URLDecoder.decode(q.get("Signature"), StandardCharsets.UTF_8));
        assertThat(XMLSigningUtil.verifyWithURI(new BasicX509Credential(RELAIS.certificate()), RSA_SHA256, signature,
                signedOctets)).isTrue();
        assertThat(XMLSigningUtil.verifyWithURI(new BasicX509Credential(IDP.certificate()), RSA_SHA256, signature,
                signedOctets)).as("another key").isFalse();
        byte[] tampered = signedOctets.clone();
        tampered[20] ^= 1;
        assertThat(XMLSigningUtil.verifyWithURI(new BasicX509Credential(RELAIS.certificate()), RSA_SHA256, signature,
                tampered)).as("a changed request").isFalse();

        AuthnRequest request = (AuthnRequest) OpenSaml.parse(OpenSaml.inflate(
                URLDecoder.decode(q.get("SAMLRequest"), StandardCharsets.UTF_8)));
        assertThat(request.getIssuer().getValue()).isEqualTo("http://localhost:8080/saml/sp");
        assertThat(request.getDestination()).isEqualTo(idpBase + "/idp/sso");
        // the redirect binding carries its signature in the URL, never inside the deflated message
        assertThat(request.getSignature()).isNull();
    }

    @Test
    void aConnectorThatWantsNoSignatureGetsAnUnsignedRequest(@TempDir Path empty) throws Exception {
        String url = sp(empty).authnRequestUrl(connector("    signAuthnRequests: false\n"), "login-2");
        assertThat(rawQuery(url).keySet()).containsExactly("SAMLRequest");
        assertThat(sp(empty).authnRequestUrl(connector("    signAuthnRequests: true\n"), "login-3"))
                .contains("&SigAlg=").contains("&Signature=");
    }

    @Test
    void theSettingIsCheckedWhenTheDescriptorLoads(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("ent"));
        Files.writeString(dir.resolve("ent/ent-test.yaml"), """
                id: ent-test
                name: ENT de test
                kind: ent
                family: saml2
                territory: Test
                capabilities: [sso.inbound]
                sso:
                  saml2:
                    entityId: https://idp.example.fr/idp
                    metadataUrl: https://idp.example.fr/idp/metadata
                    signAuthnRequests: parfois
                """);
        Connector loaded = new fr.relais.connector.ConnectorDescriptorLoader(dir,
                List.of(new fr.relais.connector.families.Saml2Family()), new StandardEnvironment())
                .load(dir.resolve("ent/ent-test.yaml"));
        assertThat(loaded.errors()).contains(dir.getFileName() + "/ent/ent-test.yaml: sso.saml2.signAuthnRequests: must be one of "
                + "true, false, found 'parfois'");
    }
}
