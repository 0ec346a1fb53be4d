package fr.relais.directory.aaf;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.Directory;
import fr.relais.directory.Structure;

/** The README's promise: the first start of the demo imports a small generated territory through the inbox. */
@SpringBootTest(properties = {"relais.data-dir=./target/it/demo-feed", "relais.directory.demo-feed.enabled=true"})
@ActiveProfiles({"demo", "test"})
class DemoFeedTest {

    static {
        RelaisTestSupport.fresh("demo-feed");
    }

    @Autowired
    Directory directory;
    @Autowired
    ImportHistory history;

    @Test
    void firstStartImportsTheDemoTerritory() throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (history.latest(10).size() < 4 && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
        assertThat(history.latest(10)).hasSize(4).allSatisfy(i -> {
            assertThat(i.source()).isEqualTo("inbox");
            assertThat(i.status()).isEqualTo("done");
            assertThat(i.rejected()).isZero();
        });
        long persons = 0;
        for (int school = 0; school < 3; school++) {
            Optional<Structure> s = directory.structure(Uai.of(690_100 + school * 7));
            assertThat(s).isPresent();
            assertThat(s.get().classes()).hasSize(12);
            persons += s.get().persons().values().stream().mapToLong(Long::longValue).sum();
        }
        assertThat(persons).isEqualTo(1875).isGreaterThanOrEqualTo(1000);
    }
}
