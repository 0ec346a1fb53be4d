package fr.relais.sso.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import fr.relais.directory.aaf.Uai;

/**
 * A real Keycloak 26 as an ENT, for the tests that prove Relais interoperates with it (OpenID Connect and SAML).
 * The distribution comes from Maven Central (the pom unpacks {@code org.keycloak:keycloak-quarkus-dist} under
 * {@code target/keycloak}); it is launched once per test JVM ({@code start-dev}, in-memory database, a free loopback
 * port), stopped by a shutdown hook, and set up through its admin REST API as an administrator would: one realm,
 * {@value #REALM}, with synthetic users carrying SDET attributes.
 */
public final class Keycloak {

    public static final String REALM = "relais";
    /** The pupil of the generated test territory (jointure 2000001, first school) as an ENT account. */
    public static final String PUPIL = "eleve.kc";
    /** An ENT account the directory does not know (no jointure): Relais must create it just in time, unlinked. */
    public static final String STRANGER = "invite.kc";
    public static final String PASSWORD = "Mot-de-passe-test-1";

    private static final Duration START_TIMEOUT = Duration.ofMinutes(8);
    private static Keycloak started;

    private final String url;
    private final Process process;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final String adminPassword;

    private boolean ready;

    /**
     * The JVM's Keycloak, launched on first use; its URL is known at once, so Relais can start meanwhile. Call
     * {@link #ready()} before talking to it.
     */
    public static synchronized Keycloak launched() {
        if (started == null) {
            started = new Keycloak();
        }
        return started;
    }

    /** Waits for Keycloak to answer (once), then sets up the test realm; answers this Keycloak. */
    public synchronized Keycloak ready() {
        if (!ready) {
            if (process != null) {
                waitUntilReady();
            } else {
                deleteRealmIfAny();
            }
            setUpRealm();
            ready = true;
        }
        return this;
    }

    private Keycloak() {
        String running = System.getProperty("keycloak.url", "");
        if (!running.isBlank()) {
            // a Keycloak the developer keeps running between runs (saves its start): -Dkeycloak.url=http://127.0.0.1:P
            // -Dkeycloak.admin-password=...; the test realm is made again from scratch
            url = running.replaceAll("/+$", "");
            adminPassword = System.getProperty("keycloak.admin-password", "admin");
            process = null;
            log = null;
            return;
        }
        adminPassword = "admin-" + java.util.UUID.randomUUID();
        Path home = Path.of(System.getProperty("keycloak.home", "target/keycloak/keycloak-26.0.7"));
        if (!Files.isExecutable(home.resolve("bin/kc.sh"))) {
            throw new IllegalStateException(home.toAbsolutePath() + "/bin/kc.sh missing: run the tests through Maven "
                    + "(mvn test), whose process-test-resources phase unpacks org.keycloak:keycloak-quarkus-dist there");
        }
        int port = freePort();
        url = "http://127.0.0.1:" + port;
        log = Path.of("target/keycloak-" + port + ".log").toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder(home.toAbsolutePath().resolve("bin/kc.sh").toString(), "start-dev",
                "--http-port=" + port, "--http-host=127.0.0.1", "--db=dev-mem", "--cache=local",
                // the management interface listens on 9000 by default: another Keycloak on the machine would clash
                "--http-management-port=" + freePort(), "--log-level=WARN")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
        builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", adminPassword);
        builder.environment().put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Keycloak from " + home, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "keycloak-stop"));
    }

    public String url() {
        return url;
    }

    public String realmUrl() {
        return url + "/realms/" + REALM;
    }

    private void stop() {
        if (process == null) {
            return;
        }
        // kc.sh execs the JVM, so the process is Keycloak itself; its children (none expected) go with it
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void waitUntilReady() {
        Instant until = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(until)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak stopped during its start, see " + log);
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url + "/realms/master")).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(500);
        }
        stop();
        throw new IllegalStateException("Keycloak not ready after " + START_TIMEOUT + ", see " + log);
    }

    // ---- set-up, through the admin REST API ----

    private void deleteRealmIfAny() {
        try {
            http.send(HttpRequest.newBuilder(URI.create(url + "/admin/realms/" + REALM)).DELETE()
                    .header("Authorization", "Bearer " + adminToken()).build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void setUpRealm() {
        admin("POST", "/admin/realms", Map.of("realm", REALM, "enabled", true, "displayName", "ENT de test (Keycloak)"));
        // attributes outside the user profile (the SDET ones) are kept and shown to mappers
        ObjectNode profile = (ObjectNode) admin("GET", "/admin/realms/" + REALM + "/users/profile", null);
        profile.put("unmanagedAttributePolicy", "ENABLED");
        admin("PUT", "/admin/realms/" + REALM + "/users/profile", profile);
        user(PUPIL, "Camille", "Testeleve", Map.of("ENTPersonJointure", List.of("2000001"),
                "ENTPersonProfils", List.of("National_ELV"), "ENTPersonStructRattachUAI", List.of(Uai.of(690_100))));
        user(STRANGER, "Dominique", "Testinvite", Map.of("ENTPersonProfils", List.of("National_TUT")));
    }

    private void user(String username, String firstName, String lastName, Map<String, List<String>> attributes) {
        admin("POST", "/admin/realms/" + REALM + "/users", Map.of("username", username, "enabled", true,
                "firstName", firstName, "lastName", lastName, "email", username + "@ent-test.invalid",
                "emailVerified", true, "attributes", attributes,
                "credentials", List.of(Map.of("type", "password", "value", PASSWORD, "temporary", false))));
    }

    /**
     * An OpenID Connect client for Relais: confidential by PKCE alone (public client, S256), code flow only, the SDET
     * attributes as ID token claims.
     */
    public void oidcClient(String clientId, String redirectUri) {
        admin("POST", "/admin/realms/" + REALM + "/clients", Map.of("clientId", clientId, "protocol", "openid-connect",
                "publicClient", true, "standardFlowEnabled", true, "directAccessGrantsEnabled", false,
                "redirectUris", List.of(redirectUri),
                "attributes", Map.of("pkce.code.challenge.method", "S256"),
                "protocolMappers", List.of(
                        oidcClaim("ENTPersonJointure", "ent_person_jointure", false),
                        oidcClaim("ENTPersonProfils", "profile_national", true),
                        oidcClaim("ENTPersonStructRattachUAI", "uai", true))));
    }

    private static Map<String, Object> oidcClaim(String attribute, String claim, boolean multivalued) {
        return Map.of("name", claim, "protocol", "openid-connect", "protocolMapper", "oidc-usermodel-attribute-mapper",
                "config", Map.of("user.attribute", attribute, "claim.name", claim, "jsonType.label", "String",
                        "multivalued", String.valueOf(multivalued), "id.token.claim", "true",
                        "access.token.claim", "true", "userinfo.token.claim", "true"));
    }

    /**
     * A SAML client made from Relais' SP metadata exactly as an administrator imports it (the admin console's
     * "Import client" goes through the client-description converter, whose defaults follow the metadata), then
     * assertion encryption turned on and the SDET attributes mapped.
     */
    public void samlClientFromMetadata(String spMetadata) {
        JsonNode client;
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/admin/realms/" + REALM
                    + "/client-description-converter")).header("Authorization", "Bearer " + adminToken())
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(spMetadata)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("Keycloak refused Relais' SP metadata: HTTP " + r.statusCode() + " " + r.body());
            }
            client = json.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        ((ObjectNode) client).set("protocolMappers", json.valueToTree(List.of(
                samlAttribute("ENTPersonJointure"), samlAttribute("ENTPersonProfils"),
                samlAttribute("ENTPersonStructRattachUAI"))));
        admin("POST", "/admin/realms/" + REALM + "/clients", client);
        String clientId = client.path("clientId").asText();
        ArrayNodeClient found = clientById(clientId);
        ObjectNode attributes = (ObjectNode) found.client.path("attributes");
        attributes.put("saml.encrypt", "true");
        admin("PUT", "/admin/realms/" + REALM + "/clients/" + found.id, found.client);
    }

    /** The client as Keycloak stores it (its attributes show what the import decided). */
    public JsonNode client(String clientId) {
        return clientById(clientId).client;
    }

    private record ArrayNodeClient(String id, ObjectNode client) {
    }

    private ArrayNodeClient clientById(String clientId) {
        JsonNode list = admin("GET", "/admin/realms/" + REALM + "/clients?clientId="
                + URLEncoder.encode(clientId, StandardCharsets.UTF_8), null);
        ObjectNode client = (ObjectNode) list.get(0);
        return new ArrayNodeClient(client.path("id").asText(), client);
    }

    private static Map<String, Object> samlAttribute(String attribute) {
        return Map.of("name", attribute, "protocol", "saml", "protocolMapper", "saml-user-attribute-mapper",
                "config", Map.of("user.attribute", attribute, "attribute.name", attribute,
                        "attribute.nameformat", "Basic", "aggregate.attrs", "false"));
    }

    private String adminToken() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url
                    + "/realms/master/protocol/openid-connect/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&client_id=admin-cli&username=admin"
                            + "&password=" + URLEncoder.encode(adminPassword, StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("Keycloak admin login: HTTP " + r.statusCode() + " " + r.body());
            }
            return json.readTree(r.body()).path("access_token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One admin API call; answers its JSON body (empty for 201/204), fails the test on any other status. */
    private JsonNode admin(String method, String path, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + adminToken()).header("Content-Type", "application/json");
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("Keycloak admin API " + method + " " + path + ": HTTP " + r.statusCode()
                        + " " + r.body());
            }
            return r.body().isBlank() ? json.createObjectNode() : json.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
