package fr.relais.platform;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings shared by every capability. Capability-specific settings live with their capability
 * ({@code relais.connectors.*}, {@code relais.directory.*}).
 *
 * @param dataDir where the embedded database, broker journal, directory snapshot, keys and
 *                generated secrets are kept
 * @param admin   the local administrator account
 */
@ConfigurationProperties("relais")
public record RelaisProperties(Path dataDir, Admin admin) {

    public RelaisProperties {
        dataDir = dataDir == null ? Path.of("./data") : dataDir;
        admin = admin == null ? new Admin(null, null) : admin;
    }

    /** @param password when blank, the demo profile generates one into the data directory */
    public record Admin(String username, String password) {
        public Admin {
            username = username == null || username.isBlank() ? "admin" : username;
        }
    }
}
