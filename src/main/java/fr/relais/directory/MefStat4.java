package fr.relais.directory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * MEF -> MEFSTAT4, the level codes GAR releases as {@code P_MS4}: a {@code MEF;MEFSTAT4} file
 * ({@code relais.directory.mefstat4}), by default the small table of the demo's levels shipped with Relais.
 */
@Component
public class MefStat4 {

    private final Map<String, String> table = new HashMap<>();

    public MefStat4(@Value("${relais.directory.mefstat4:}") String file) {
        try (InputStream in = file.isBlank() ? MefStat4.class.getResourceAsStream("/directory/mefstat4.csv")
                : Files.newInputStream(Path.of(file));
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String[] parts = line.strip().split(";");
                if (parts.length == 2 && !line.startsWith("#")) {
                    table.put(parts[0].strip(), parts[1].strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("relais.directory.mefstat4: cannot read " + file, e);
        }
    }

    public List<String> of(List<String> mefs) {
        return mefs.stream().map(table::get).filter(Objects::nonNull).distinct().toList();
    }
}
