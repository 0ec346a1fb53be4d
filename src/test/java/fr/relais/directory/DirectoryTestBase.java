package fr.relais.directory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.AafImporter;

/**
 * One Relais for the directory tests: embedded LDAP (SDET schema), H2, Artemis, the AAF route, real HTTP.
 * Tests share it, so each uses its own schools and ids.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "relais.data-dir=./target/it/directory")
@ActiveProfiles({"demo", "test"})
@AutoConfigureObservability
public abstract class DirectoryTestBase {

    static {
        RelaisTestSupport.fresh("directory");
    }

    @Autowired
    protected AafImporter importer;
    @Autowired
    protected Directory directory;
    @Autowired
    protected DirectoryStore store;
}
