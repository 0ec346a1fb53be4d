package fr.relais.directory.aaf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.code_intelligence.jazzer.junit.FuzzTest;

import fr.relais.FuzzTargets;

/**
 * The AAF feed reader on any file: both passes of an import (scan, then the records). Seeds:
 * {@code AafReaderFuzzTestInputs/} (files of {@link AafFeedGenerator} with a few persons, and hostile ones).
 */
class AafReaderFuzzTest {

    private static final Path FILE = file();

    private static Path file() {
        try {
            Path dir = Files.createDirectories(Path.of("target", "fuzz"));
            return dir.resolve("ENT_DEMO_Complet_20260901_Eleve_0000.xml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Only {@link AafFileUnusableException}, with a reason, escapes; a file read to its end carried no internal
     * DTD subset (where entities are declared).
     */
    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    void aFeedIsReadOrRefusedWithItsReason(byte[] data) throws IOException {
        Files.write(FILE, data);
        try (AafReader reader = AafReader.open(FILE)) {
            reader.scan((category, id) -> { });
        } catch (AafFileUnusableException e) {
            FuzzTargets.assertSaysWhy(e);
        }
        try (AafReader reader = AafReader.open(FILE)) {
            for (int n = 0; reader.next() != null; n++) {
                if (n > 100_000) {
                    throw new AssertionError("more records than bytes");
                }
            }
            FuzzTargets.assertNoDtdSubset(data);
        } catch (AafFileUnusableException e) {
            FuzzTargets.assertSaysWhy(e);
        }
    }
}
