package fr.relais.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import fr.relais.RelaisApplication;
import fr.relais.RelaisTestSupport;
import fr.relais.directory.Directory;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.directory.aaf.ImportHistory;

/** Stopping Relais and starting it again on the same data directory keeps the directory, the database and the broker journal. */
class RestartTest {

    private static ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(RelaisApplication.class).profiles("demo", "test")
                .run("--relais.data-dir=" + dataDir, "--server.port=0");
    }

    @Test
    void startingTwiceOnTheSameDataDirectoryKeepsTheData() throws Exception {
        Path data = RelaisTestSupport.fresh("restart");
        List<Path> feed = new AafFeedGenerator(new AafFeedGenerator.Parameters(5, 1, 2, 3, 4, 0, 1000, "R"))
                .writeTo(Path.of("./target/it/restart-feed"));
        try (ConfigurableApplicationContext first = start(data)) {
            AafImporter importer = first.getBean(AafImporter.class);
            for (Path f : feed) {
                importer.importFile(f, f.getFileName().toString(), "api");
            }
            assertThat(first.getBean(Directory.class).person("2000000")).isPresent();
        }
        assertThat(data.resolve("ldap/directory.ldif")).exists();
        assertThat(data.resolve("artemis")).isDirectory();
        assertThat(Files.list(data.resolve("db")).map(p -> p.getFileName().toString())).contains("relais.mv.db");

        try (ConfigurableApplicationContext second = start(data)) {
            assertThat(second.getBean(Directory.class).person("2000000").orElseThrow().classes()).containsExactly("6A");
            assertThat(second.getBean(Directory.class).structure(feedUai()).orElseThrow().persons())
                    .containsEntry("National_ELV", 6L);
            assertThat(second.getBean(ImportHistory.class).latest(10)).hasSize(feed.size());
        }
    }

    private static String feedUai() {
        return fr.relais.directory.aaf.Uai.of(690_100);
    }
}
