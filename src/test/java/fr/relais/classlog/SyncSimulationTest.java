package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;

/**
 * The deterministic simulation of the cahier de textes sync (see {@link SyncSimulation}), in {@code mvn verify}:
 * {@code sim.seeds} seeds from {@code sim.first} (default 1,000 from 1; {@code -Psim}: 100,000); one seed alone with
 * {@code -Dsim.seed=N},
 * which replays that run exactly and prints its trace. A failing seed prints itself and how to replay it.
 */
class SyncSimulationTest {

    /** Each disturbance can be turned off ({@code -Dsim.crashes=false}...), to find which one a failure needs. */
    static SyncSimulation.Options options(int steps) {
        // tools going back (restored, reinstalled) only on demand: random interleavings of them still fail (README)
        return new SyncSimulation.Options(steps, on("sim.crashes"), Boolean.getBoolean("sim.resets"), on("sim.unknownClass"),
                on("sim.outages"), on("sim.refusals"), on("sim.deletes"));
    }

    private static boolean on(String property) {
        return !"false".equals(System.getProperty(property));
    }

    @Test
    void everyLessonEndsExactlyOnceInEveryToolOfItsClassWhateverTheOrder() {
        Long only = Long.getLong("sim.seed");
        long first = only != null ? only : Long.getLong("sim.first", 1);
        long count = only != null ? 1 : Long.getLong("sim.seeds", 1000);
        int steps = Integer.getInteger("sim.steps", 300);
        var logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("fr.relais.classlog");
        Level level = logger.getLevel();
        logger.setLevel(only != null ? (Boolean.getBoolean("sim.debug") ? Level.DEBUG : Level.INFO) : Level.OFF); // expected outcomes of thousands of runs: not logged
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        try {
            int stopAfter = Integer.getInteger("sim.maxFailures", 5); // the first failures tell enough, usually
            for (long seed = first; seed < first + count && failures.size() < stopAfter; seed++) {
                SyncSimulation sim = new SyncSimulation(seed, options(steps));
                String failure;
                try {
                    failure = sim.run();
                } catch (AssertionError | RuntimeException e) {
                    failure = "exception : " + e;
                }
                if (only != null) {
                    sim.trace.forEach(System.out::println);
                    System.out.println(sim.summary());
                }
                if (failure != null) {
                    failures.add(sim.summary() + "\n  " + failure + "\n  rejouer : mvn test -Dtest=SyncSimulationTest "
                            + "-Dsim.seed=" + seed + (Boolean.getBoolean("sim.resets") ? " -Dsim.resets=true" : "")
                            + (only == null ? "\n  fin de la trace :\n    " + String.join("\n    ",
                            sim.trace.subList(Math.max(0, sim.trace.size() - 40), sim.trace.size())) : ""));
                }
            }
        } finally {
            logger.setLevel(level);
        }
        System.out.printf("Simulation : %d graine(s) en %.1f s%n", count, (System.nanoTime() - started) / 1e9);
        assertThat(failures).as("graines en échec").isEmpty();
    }
}
