package fr.relais.directory.aaf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import fr.relais.directory.DirectoryProperties;
import fr.relais.platform.RelaisProperties;

/**
 * First start of the demo: writes a generated territory into the AAF inbox, where the import route takes it
 * like any feed. Done once per data directory.
 */
@Component
@ConditionalOnProperty(name = "relais.directory.demo-feed.enabled", havingValue = "true")
public class DemoFeed {

    private static final Logger log = LoggerFactory.getLogger(DemoFeed.class);

    private final DirectoryProperties directory;
    private final Path marker;

    public DemoFeed(DirectoryProperties directory, RelaisProperties relais) {
        this.directory = directory;
        this.marker = relais.dataDir().resolve("aaf").resolve("demo-feed.generated");
    }

    @EventListener(ApplicationReadyEvent.class)
    public void seedOnFirstStart() throws IOException {
        if (Files.exists(marker)) {
            return;
        }
        DirectoryProperties.DemoFeed d = directory.demoFeed();
        AafFeedGenerator.Parameters parameters = new AafFeedGenerator.Parameters(d.seed(), d.schools(),
                d.classesPerSchool(), d.pupilsPerClass(), d.teachersPerSchool(), 1, 100_000, "DEMO");
        Path staging = marker.resolveSibling("staging");
        List<Path> files = new AafFeedGenerator(parameters).writeTo(staging);
        Path inbox = directory.aaf().inbox();
        fr.relais.platform.DataFiles.privateDirectory(inbox);
        for (Path file : files) {
            Files.move(file, inbox.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
        Files.deleteIfExists(staging);
        fr.relais.platform.DataFiles.writeSecret(marker, ("Territoire de démonstration généré : " + parameters + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        log.info("Territoire de démonstration : {} fichiers AAF ({} personnes) déposés dans {}", files.size(),
                parameters.persons(), inbox.toAbsolutePath().normalize());
    }
}
