package fr.relais.directory.aaf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

import fr.relais.directory.DirectoryProperties;
import fr.relais.directory.DirectoryTestBase;

/** The aaf-import route of routes/aaf-import.yaml, through the real file consumer. */
class AafInboxRouteTest extends DirectoryTestBase {

    @TempDir
    Path tmp;
    @Autowired
    DirectoryProperties properties;
    @Autowired
    ObjectMapper json;

    private Path drop(String name, String content) throws Exception {
        Path staged = AafFiles.write(tmp, name, content);
        Path inbox = properties.aaf().inbox();
        Files.createDirectories(inbox);
        return Files.move(staged, inbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void await(Path file) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (!Files.exists(file) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        assertThat(file).exists();
    }

    @Test
    void droppedFileIsImportedAndMovedToDoneWithItsReport() throws Exception {
        Path inbox = properties.aaf().inbox();
        drop("ENT_IT_Delta_20260903_EtabEducNat_0000.xml", AafFiles.HEAD
                + AafFiles.school("8201", "0592001" + letter(592001), "19598201000000", "COLLÈGE DU CANAL", "6A")
                + AafFiles.pupil("addRequest", "8201001", "MARAIS", "Zoé", "8201", "8201$6A")
                + AafFiles.pupil("addRequest", "8201002", "LEROUX", "Noé", "8201", "8201$6A",
                "<attr name=\"ENTEleveHobby\"><value>x</value></attr>")
                + AafFiles.TAIL);
        Path report = inbox.resolve("done").resolve("ENT_IT_Delta_20260903_EtabEducNat_0000.xml.report.json");
        await(report);
        await(inbox.resolve("done").resolve("ENT_IT_Delta_20260903_EtabEducNat_0000.xml"));
        assertThat(inbox.resolve("ENT_IT_Delta_20260903_EtabEducNat_0000.xml")).doesNotExist();
        JsonNode r = json.readTree(report.toFile());
        assertThat(r.path("status").asText()).isEqualTo("done");
        assertThat(r.path("added").asInt()).isEqualTo(3);
        assertThat(r.path("modified").asInt()).isZero();
        assertThat(r.path("deleted").asInt()).isZero();
        assertThat(r.path("rejected").asInt()).isZero();
        assertThat(r.path("rejections").isArray()).isTrue();
        assertThat(r.path("warnings").get(0).path("id").asText()).isEqualTo("8201002");
        assertThat(r.path("warnings").get(0).path("reason").asText()).isEqualTo("attribut inconnu 'ENTEleveHobby' : non enregistré");
        assertThat(directory.person("8201001").orElseThrow().classes()).containsExactly("6A");
    }

    @Test
    void unusableFileGoesToErrorWithItsReasonAndNothingIsApplied() throws Exception {
        Path inbox = properties.aaf().inbox();
        String whole = AafFiles.HEAD + AafFiles.school("8202", "0592002" + letter(592002), "19598202000000", "CLG", "6A")
                + AafFiles.pupil("addRequest", "8202001", "A", "B", "8202", "8202$6A") + AafFiles.TAIL;
        drop("truncated_Eleve_0000.xml", whole.substring(0, whole.length() - 50));
        Path report = inbox.resolve("error").resolve("truncated_Eleve_0000.xml.report.json");
        await(report);
        await(inbox.resolve("error").resolve("truncated_Eleve_0000.xml"));
        JsonNode r = json.readTree(report.toFile());
        assertThat(r.path("status").asText()).isEqualTo("error");
        assertThat(r.path("error").asText()).startsWith("XML mal formé ou fichier tronqué ligne 5");
        assertThat(directory.person("8202001")).isEmpty();
    }

    @Test
    void structuresOfAPollAreImportedBeforeThePersons() {
        assertThat(AafInbox.FileOrder.rank("ENT_X_Complet_20260901_Eleve_0000.xml"))
                .isGreaterThan(AafInbox.FileOrder.rank("ENT_X_Complet_20260901_EtabEducNat_0000.xml"));
        assertThat(AafInbox.FileOrder.rank("ENT_X_Complet_20260901_PersRelEleve_0000.xml"))
                .isGreaterThan(AafInbox.FileOrder.rank("ENT_X_Complet_20260901_Eleve_0000.xml"));
    }

    static char letter(int n) {
        return "ABCDEFGHJKLMNPRSTUVWXYZ".charAt(n % 23);
    }
}
