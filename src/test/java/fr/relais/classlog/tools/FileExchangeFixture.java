package fr.relais.classlog.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import org.junit.jupiter.api.TestInfo;
import org.springframework.mock.env.MockEnvironment;

import fr.relais.RelaisTestSupport;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorDescriptorLoader;
import fr.relais.connector.families.FileExchangeFamily;
import fr.relais.directory.aaf.Uai;

/** Drop folders under target/, and file-exchange tools: the shipped Pronote descriptor or one written in the test. */
final class FileExchangeFixture {

    static final String SCHOOL = Uai.of(690_100);
    static final String OTHER_SCHOOL = Uai.of(690_101);
    static final String PRONOTE_HEADER = "Identifiant;UAI;Date;Heure de début;Heure de fin;Matière;Professeur;Classe;"
            + "Titre;Contenu;Publié;Pièces jointes;Travail à faire;Donné le;Pour le;Pièces jointes du travail;"
            + "Visa;Modifié le;Supprimé";

    private FileExchangeFixture() {
    }

    static Path folder(TestInfo test) {
        return RelaisTestSupport.fresh("file-exchange/" + test.getTestClass().orElseThrow().getSimpleName() + "-"
                + test.getTestMethod().orElseThrow().getName());
    }

    /**
     * connectors/tools/pronote.yaml loaded as Relais loads it, its drop folder in target/, with a zero quiet period
     * (the tests write their files whole) and the overrides given under {@code classlog}.
     */
    static Connector pronote(Path drop, Map<String, Object> classlog) {
        MockEnvironment env = new MockEnvironment().withProperty("relais.tools.pronote.drop-folder", drop.toString());
        Connector c = new ConnectorDescriptorLoader(Path.of("connectors"), List.of(new FileExchangeFamily()), env)
                .load(Path.of("connectors/tools/pronote.yaml"));
        if (!c.isReady()) {
            throw new IllegalStateException(String.valueOf(c.errors()));
        }
        ObjectNode block = (ObjectNode) c.descriptor().path("classlog");
        block.put("quietPeriod", "PT0S");
        classlog.forEach((k, v) -> block.set(k, new YAMLMapper().valueToTree(v)));
        return c;
    }

    static Connector pronote(Path drop) {
        return pronote(drop, Map.of());
    }

    /** A tool whose {@code classlog:} block is the YAML given (the drop folder is added). */
    static Connector tool(String id, Path drop, String classlogYaml) {
        try {
            JsonNode tree = new YAMLMapper().readTree("id: " + id + "\nkind: tool\nfamily: file-exchange\nclasslog:\n"
                    + "  dropFolder: \"" + drop + "\"\n  quietPeriod: PT0S\n" + classlogYaml.indent(2));
            return new Connector(id, id, fr.relais.connector.ConnectorKind.TOOL, "file-exchange", null, null, null,
                    List.of("classlog.read", "classlog.write", "classlog.delete"), Connector.READY, null,
                    "connectors/tools/" + id + ".yaml", tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file dropped by the tool into export/. */
    static Path export(Path drop, String name, byte[] content) {
        try {
            Files.createDirectories(drop.resolve("export"));
            return Files.write(drop.resolve("export").resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> files(Path folder) {
        try (var list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
