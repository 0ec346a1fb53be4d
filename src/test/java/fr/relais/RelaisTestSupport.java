package fr.relais;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Each Spring test class gets its own data directory under target/it/, emptied before its context starts. */
public final class RelaisTestSupport {

    public static final String ADMIN_PASSWORD = "test-admin-secret";

    private RelaisTestSupport() {
    }

    public static Path fresh(String name) {
        Path dir = Path.of("./target/it/" + name);
        delete(dir);
        return dir;
    }

    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
