package fr.relais.directory.aaf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.apache.camel.Handler;
import org.apache.camel.Header;
import org.apache.camel.component.file.GenericFile;
import org.springframework.stereotype.Component;

import fr.relais.directory.DirectoryProperties;

/**
 * The steps of the {@code aaf-import} route (routes/aaf-import.yaml): import a file dropped in the inbox and
 * leave its JSON report beside where Camel moves it, {@code done/} or {@code error/}.
 */
@Component("aafInbox")
public class AafInbox {

    private final AafImporter importer;
    private final Path inbox;
    private final ObjectMapper json;

    public AafInbox(AafImporter importer, DirectoryProperties properties, ObjectMapper json) {
        this.importer = importer;
        this.inbox = properties.aaf().inbox();
        this.json = json.copy().enable(SerializationFeature.INDENT_OUTPUT);
    }

    @Handler
    public ImportReport importFile(@Header("CamelFileAbsolutePath") String path, @Header("CamelFileName") String name)
            throws AafFileUnusableException, IOException {
        try {
            ImportReport report = importer.importFile(Path.of(path), name, "inbox");
            writeReport("done", name, report);
            return report;
        } catch (AafFileUnusableException | RuntimeException e) {
            writeReport("error", name, ImportReport.failed(name, e.getMessage()));
            throw e;
        }
    }

    private void writeReport(String folder, String name, ImportReport report) throws IOException {
        Path dir = inbox.resolve(folder);
        byte[] body = json.writeValueAsBytes(report);
        fr.relais.platform.DataFiles.writePrivately(dir.resolve(name + ".report.json"), out -> out.write(body));
    }

    /**
     * Files of one poll are imported structures first, then staff, pupils and guardians, then by name, so
     * that persons find their school.
     */
    @Component("aafFileOrder")
    public static class FileOrder implements Comparator<GenericFile<?>> {

        private static final List<String> KINDS = List.of("EtabEducNat", "MefEducNat", "MatiereEducNat",
                "PersEducNat", "Eleve", "PersRelEleve");

        static int rank(String name) {
            for (int i = 0; i < KINDS.size(); i++) {
                if (name.contains("_" + KINDS.get(i) + "_")) {
                    return i;
                }
            }
            return KINDS.size();
        }

        @Override
        public int compare(GenericFile<?> a, GenericFile<?> b) {
            return Comparator.<String>comparingInt(FileOrder::rank).thenComparing(Comparator.naturalOrder())
                    .compare(a.getFileName(), b.getFileName());
        }
    }
}
