package fr.relais.sso.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import fr.relais.connector.Connector;

/** Relais' call to an ENT's {@code serviceValidate}: what it sends, over which connection, and its refusals. */
class CasIdentitySourceTest {

    private HttpServer ent;
    private final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private final List<String> queries = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile long delayMillis = 0;

    @BeforeEach
    void start() throws Exception {
        ent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        ent.createContext("/cas/p3/serviceValidate", exchange -> {
            try (exchange) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                clientPorts.add(exchange.getRemoteAddress().getPort());
                String query = exchange.getRequestURI().getRawQuery();
                queries.add(query);
                String ticket = query.replaceAll(".*ticket=([^&]*).*", "$1");
                byte[] body = ("<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\"><cas:authenticationSuccess>"
                        + "<cas:user>2000001</cas:user><cas:attributes><cas:ENTPersonJointure>" + ticket
                        + "</cas:ENTPersonJointure></cas:attributes></cas:authenticationSuccess></cas:serviceResponse>")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        ent.setExecutor(threads);
        ent.start();
    }

    @AfterEach
    void stop() {
        ent.stop(0);
        threads.shutdownNow();
    }

    private static Connector cas(String serverUrl) {
        var descriptor = new ObjectMapper().createObjectNode();
        descriptor.putObject("sso").putObject("cas").put("serverUrl", serverUrl);
        return new Connector("ent-test", "ENT de test", fr.relais.connector.ConnectorKind.ENT, "cas", "cas", null, null, List.of("sso.inbound"),
                Connector.READY, List.of(), "test", descriptor);
    }

    @Test
    void ticketsAreValidatedOverOneKeptAliveConnection() throws Exception {
        Connector connector = cas("http://127.0.0.1:" + ent.getAddress().getPort() + "/cas/");
        CasIdentitySource source = new CasIdentitySource();
        for (int i = 1; i <= 5; i++) {
            CasIdentitySource.Answer answer = source.validate(connector, "ST-" + i, "https://relais.test/sso/callback/ent-test",
                    i == 5, java.time.Instant.now());
            assertThat(answer.identity().first("ENTPersonJointure")).isEqualTo("ST-" + i);
        }
        assertThat(clientPorts).hasSize(1); // one kept-alive connection: no new handshake per login

        assertThat(queries.get(0)).isEqualTo("ticket=ST-1&service=https%3A%2F%2Frelais.test%2Fsso%2Fcallback%2Fent-test");
        assertThat(queries.get(4)).contains("ticket=ST-5").contains("renew=true");
    }

    @Test
    void anEntThatAnswersAnErrorOrNothingIsARefusalInFrench() throws Exception {
        status = 503;
        Connector connector = cas("http://127.0.0.1:" + ent.getAddress().getPort() + "/cas");
        CasIdentitySource source = new CasIdentitySource();
        assertThatThrownBy(() -> source.validate(connector, "ST-1", "https://relais.test/cb"))
                .isInstanceOf(CasIdentitySource.Refused.class)
                .hasMessage("l'ENT a répondu HTTP 503 à la validation du ticket");
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertThatThrownBy(() -> source.validate(cas("http://127.0.0.1:" + closed + "/cas"), "ST-1", "https://relais.test/cb"))
                .isInstanceOf(CasIdentitySource.Refused.class)
                .hasMessageStartingWith("ENT injoignable (HttpHostConnectException : Connect to http://127.0.0.1:" + closed);
    }

    /** The Apereo client set no timeout: an ENT that never answered held the user's request (and its thread) forever. */
    @Test
    void anEntThatDoesNotAnswerIsGivenUpAfterTenSeconds() {
        delayMillis = 30_000;
        Connector connector = cas("http://127.0.0.1:" + ent.getAddress().getPort() + "/cas");
        long start = System.nanoTime();
        assertThatThrownBy(() -> new CasIdentitySource().validate(connector, "ST-1", "https://relais.test/cb"))
                .isInstanceOf(CasIdentitySource.Refused.class)
                .hasMessageStartingWith("ENT injoignable (SocketTimeoutException : ");
        assertThat((System.nanoTime() - start) / 1_000_000_000.0).isBetween(9.5, 20.0);
    }

    /** The connection test of an ENT that is not there: one failed check, in French, and no attempt beyond it. */
    @Test
    void theConnectionTestOfAnUnreachableEntSaysSo() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        var test = new CasConnectionTest(new fr.relais.sso.SsoProperties("https://relais.test", null, null, null, null,
                null, null));
        List<fr.relais.connector.ConnectionTest.Check> checks = test.run(cas("http://127.0.0.1:" + closed + "/cas"));
        assertThat(checks).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(fr.relais.connector.ConnectionTest.Status.ECHEC);
            assertThat(c.name()).isEqualTo("page de connexion");
            assertThat(c.detail()).startsWith("injoignable à http://127.0.0.1:" + closed + "/cas/login "
                    + "(HttpHostConnectException : Connect to http://127.0.0.1:" + closed);
        });
        // a server that answers, but not as a CAS server at that address
        String elsewhere = "http://127.0.0.1:" + ent.getAddress().getPort() + "/elsewhere";
        checks = test.run(cas(elsewhere));
        assertThat(checks).extracting(c -> c.status() + " " + c.name() + " : " + c.detail()).containsExactly(
                "ECHEC page de connexion : HTTP 404 sur " + elsewhere + "/login",
                "ECHEC validation des tickets : HTTP 404 sans réponse CAS sur " + elsewhere
                        + "/p3/serviceValidate (version CAS du descripteur : 3.0)");
    }
}
