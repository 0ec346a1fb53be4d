package fr.relais.platform;

import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;

/**
 * Keeps {@code relais.data-dir} private to Relais' user ({@link DataFiles}). Before any bean starts, the directory
 * is made {@code rwx------}, so that what the embedded database and broker create in it inherits a closed parent
 * whatever their own file modes; once started, whatever they created with the umask's modes is restricted too.
 * In the {@code prod} profile nothing is created (the data directory is normally unused there).
 */
public class DataDirectory implements EnvironmentPostProcessor, ApplicationListener<ApplicationReadyEvent> {

    private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);

    static Path of(Environment env) {
        return Path.of(env.getProperty("relais.data-dir", "./data"));
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        Path dir = of(env);
        if (!env.acceptsProfiles(Profiles.of("prod"))) {
            DataFiles.privateDirectory(dir);
            // the AAF inbox inside it is made here, private: its file route may start only once this node holds
            // the import role (master:, see platform/cluster), after the tree was restricted at start
            Path inbox = Path.of(env.getProperty("relais.directory.aaf.inbox", dir.resolve("aaf/inbox").toString()))
                    .toAbsolutePath().normalize();
            Path base = dir.toAbsolutePath().normalize();
            if (inbox.startsWith(base)) {
                Path made = base;
                for (Path part : base.relativize(inbox)) {
                    made = DataFiles.privateDirectory(made.resolve(part));
                }
            }
        }
        DataFiles.restrictTree(dir);
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        Path dir = of(event.getApplicationContext().getEnvironment());
        if (Files.exists(dir)) {
            int restricted = DataFiles.restrictTree(dir);
            log.debug("{} entries of {} restricted to Relais' user after start", restricted, dir);
        }
    }
}
