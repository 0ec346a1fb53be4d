package fr.relais.connector;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/** Runs a connector's connection test ({@code POST /api/connectors/{id}/test}) and reports it. */
@Service
public class ConnectionTests {

    private static final Logger log = LoggerFactory.getLogger(ConnectionTests.class);

    /**
     * @param ok     no check failed (and at least one was made)
     * @param millis how long the test took
     */
    public record Report(String connector, String name, Instant at, boolean ok, long millis,
                         List<ConnectionTest.Check> checks) {
    }

    private final List<ConnectionTest> tests;

    public ConnectionTests(List<ConnectionTest> tests) {
        this.tests = tests;
    }

    public Optional<ConnectionTest> of(String family) {
        return tests.stream().filter(t -> t.families().contains(family)).findFirst();
    }

    public Report run(Connector connector) {
        long start = System.nanoTime();
        List<ConnectionTest.Check> checks = new ArrayList<>();
        if (!connector.isReady()) {
            checks.add(ConnectionTest.Check.echec("descripteur", "en quarantaine, Relais ne l'utilise pas : "
                    + String.join(" ; ", connector.errors())));
        } else if (!connector.capabilities().contains(Capability.TEST.id())) {
            checks.add(ConnectionTest.Check.echec("descripteur", "la capacité « test » n'est pas déclarée (capabilities)"));
        } else {
            Optional<ConnectionTest> test = of(connector.family());
            if (test.isEmpty()) {
                checks.add(ConnectionTest.Check.echec("famille", "aucun test de connexion pour la famille « "
                        + connector.family() + " »"));
            } else {
                try {
                    checks.addAll(test.get().run(connector));
                } catch (RuntimeException e) {
                    log.error("Test de connexion de {} : erreur interne", connector.id(), e);
                    checks.add(ConnectionTest.Check.echec("test", "erreur interne de Relais pendant le test : " + e));
                }
            }
        }
        boolean ok = !checks.isEmpty() && checks.stream().noneMatch(c -> c.status() == ConnectionTest.Status.ECHEC);
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        ConnectionTest.Check first = checks.stream().filter(c -> c.status() == ConnectionTest.Status.ECHEC).findFirst()
                .orElse(null);
        if (first == null) {
            log.info("Test de connexion de {} : réussi ({} vérifications, {} ms)", connector.id(), checks.size(), millis);
        } else {
            log.warn("Test de connexion de {} : échec ({} : {})", connector.id(), first.name(), first.detail());
        }
        return new Report(connector.id(), connector.name(), Instant.now(), ok, millis, List.copyOf(checks));
    }
}
