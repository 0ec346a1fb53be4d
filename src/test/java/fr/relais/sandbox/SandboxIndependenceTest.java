package fr.relais.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The sandbox's simulated peers talk to Relais only over the wire: a simulator that reused Relais' protocol code
 * would agree with Relais' bugs and prove nothing. Read from the compiled classes (every constant-pool name, so
 * fully qualified uses, signatures and lambdas count, not only imports).
 */
class SandboxIndependenceTest {

    private static final Pattern RELAIS_NAME = Pattern.compile("fr/relais/(?!sandbox/)[A-Za-z0-9_/$]+");

    /**
     * Known exceptions, each limited to the packages it uses today so that nothing new slips in: the simulated
     * Pronote reads and writes its exchange files with Relais' own Pronote file code (classlog.tools), a debt
     * of the class-log side, not of the SAML simulators.
     */
    private static final Map<String, Set<String>> KNOWN = Map.of(
            "SimulatedPronote", Set.of("fr/relais/classlog/", "fr/relais/connector/"),
            "SimulatedPronoteFiles", Set.of("fr/relais/classlog/", "fr/relais/connector/"));

    @Test
    void noSandboxClassUsesRelaisProtocolCode() throws Exception {
        Path root = Path.of(SimulatedSamlIdp.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("fr/relais/sandbox");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> classes = Files.walk(root)) {
            for (Path file : classes.filter(f -> f.toString().endsWith(".class")).toList()) {
                String simpleName = file.getFileName().toString().replaceAll("[$.].*", "");
                Set<String> allowed = KNOWN.getOrDefault(simpleName, Set.of());
                for (String used : relaisNames(file)) {
                    if (allowed.stream().noneMatch(used::startsWith)) {
                        violations.add(root.relativize(file) + " -> " + used.replace('/', '.'));
                    }
                }
            }
        }
        assertThat(violations).as("classes du bac à sable qui utilisent du code de Relais").isEmpty();
    }

    @Test
    void theSamlSimulatorsAreAmongTheScannedClassesAndClean() throws Exception {
        Path root = Path.of(SimulatedSamlIdp.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("fr/relais/sandbox");
        for (String name : List.of("SimulatedSamlIdp", "SimulatedSamlPublisher", "SandboxSaml")) {
            Path file = root.resolve(name + ".class");
            assertThat(file).exists();
            assertThat(relaisNames(file)).as(name).isEmpty();
            assertThat(utf8Constants(file)).as(name).noneMatch(s -> s.contains("org/opensaml/"));
        }
    }

    /** Names of Relais classes outside the sandbox referenced from one class file. */
    static Set<String> relaisNames(Path classFile) throws IOException {
        Set<String> names = new TreeSet<>();
        for (String constant : utf8Constants(classFile)) {
            Matcher m = RELAIS_NAME.matcher(constant);
            while (m.find()) {
                names.add(m.group());
            }
        }
        return names;
    }

    /** The CONSTANT_Utf8 entries of a class file's constant pool (JVMS §4.4). */
    static List<String> utf8Constants(Path classFile) throws IOException {
        List<String> found = new ArrayList<>();
        try (InputStream in = Files.newInputStream(classFile); DataInputStream data = new DataInputStream(in)) {
            if (data.readInt() != 0xCAFEBABE) {
                throw new IOException(classFile + " n'est pas un fichier de classe");
            }
            data.readUnsignedShort();
            data.readUnsignedShort();
            int count = data.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = data.readUnsignedByte();
                switch (tag) {
                    case 1 -> found.add(data.readUTF());
                    case 7, 8, 16, 19, 20 -> data.skipNBytes(2);
                    case 15 -> data.skipNBytes(3);
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> data.skipNBytes(4);
                    case 5, 6 -> {
                        data.skipNBytes(8);
                        i++;
                    }
                    default -> throw new IOException(classFile + ": constante de type " + tag + " inconnue");
                }
            }
        }
        return found;
    }
}
