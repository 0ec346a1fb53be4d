package fr.relais.bench;

import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import fr.relais.RelaisApplication;
import fr.relais.RelaisTestSupport;
import fr.relais.directory.Directory;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;

/** How fast the directory answers a person lookup through Relais' LDAP stack (one thread), to explain decisions. */
@Tag("benchmark")
class LdapLookupProbeBenchmark {

    @Test
    void personLookups() throws Exception {
        Path data = RelaisTestSupport.fresh("bench-ldap-probe");
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(RelaisApplication.class)
                .profiles("demo", "test").run("--relais.data-dir=" + data, "--server.port=0",
                        "--logging.level.fr.relais=WARN", "--relais.directory.person-cache-max-age=0s")) {
            AafFeedGenerator.Parameters p = new AafFeedGenerator.Parameters(3, 10, 16, 25, 2, 0, 40_000, "P");
            for (Path f : new AafFeedGenerator(p).writeTo(data.resolve("feed"))) {
                app.getBean(AafImporter.class).importFile(f, f.getFileName().toString(), "bench");
            }
            Directory directory = app.getBean(Directory.class);
            int n = 3000;
            for (int i = 0; i < 500; i++) {
                directory.person(String.valueOf(2_000_000 + i));
            }
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                directory.person(String.valueOf(2_000_000 + (i % p.pupils())));
            }
            System.out.printf("%n=== person lookups, uncached: %,.0f /s%n%n", n / ((System.nanoTime() - start) / 1e9));
        }
    }
}
