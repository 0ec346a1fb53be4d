package fr.relais.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.stereotype.Component;

/**
 * The local administrator. In the {@code prod} profile the password must come from configuration; elsewhere
 * a password is generated on first start, printed once and kept in {@code <data-dir>/admin-password}.
 */
@Component
public class AdminAccount {

    private static final Logger log = LoggerFactory.getLogger(AdminAccount.class);
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private final String username;
    private final String password;

    public AdminAccount(RelaisProperties properties, Environment environment) {
        this.username = properties.admin().username();
        String configured = properties.admin().password();
        if (configured != null && !configured.isBlank()) {
            this.password = configured;
        } else if (environment.acceptsProfiles(Profiles.of("prod"))) {
            throw new IllegalStateException("relais.admin.password: must be set in the prod profile "
                    + "(environment variable RELAIS_ADMIN_PASSWORD); Relais does not generate passwords in production");
        } else {
            this.password = generatedOrKept(properties.dataDir().resolve("admin-password"));
        }
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    private String generatedOrKept(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            }
            SecureRandom random = new SecureRandom();
            char[] chars = new char[20];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
            }
            String generated = new String(chars);
            Arrays.fill(chars, ' ');
            DataFiles.writeSecret(file, (generated + "\n").getBytes(StandardCharsets.UTF_8));
            // one line per log event: the log pattern turns line breaks inside a message into a visible mark
            log.warn("====================================================================");
            log.warn(" Compte administrateur Relais : {} / {}", username, generated);
            log.warn(" (mot de passe généré une seule fois, conservé dans {})", file.toAbsolutePath().normalize());
            log.warn("====================================================================");
            return generated;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the admin password file " + file, e);
        }
    }
}
