package fr.relais.classlog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectionTest;
import fr.relais.connector.Connector;

/**
 * The class-log tools' test: one read of the tool's change feed for a school of the sync plan, from where Relais
 * stands (its watermark), as a poll does, with the descriptor's address and credentials. The read changes nothing,
 * neither in the tool nor in Relais (the watermark does not move). A tool no school of the plan uses yet cannot be
 * read for a school: the report says so. File exchange is the exception: its read takes the files dropped since
 * (into {@code processed/}), so its test only checks the drop folder, which the tool and Relais must both reach.
 */
@Component
class ToolConnectionTest implements ConnectionTest {

    private final List<ToolClient> clients;
    private final JdbcTemplate jdbc;

    ToolConnectionTest(List<ToolClient> clients, JdbcTemplate jdbc) {
        this.clients = clients;
        this.jdbc = jdbc;
    }

    @Override
    public Set<String> families() {
        return clients.stream().map(ToolClient::family).collect(Collectors.toSet());
    }

    @Override
    public List<Check> run(Connector tool) {
        List<Check> checks = new ArrayList<>();
        if (tool.family().equals("file-exchange")) {
            return dropFolder(tool);
        }
        ToolClient client = clients.stream().filter(c -> c.family().equals(tool.family())).findFirst().orElseThrow();
        List<Map<String, Object>> planned = jdbc.queryForList("SELECT school, watermark FROM classlog_watermark "
                + "WHERE tool = ? ORDER BY school LIMIT 1", tool.id());
        if (planned.isEmpty()) {
            checks.add(Check.attention("lecture du cahier de textes", "aucun établissement du plan de synchronisation "
                    + "n'utilise cet outil : lecture non essayée"));
            return checks;
        }
        String school = (String) planned.get(0).get("school");
        String watermark = (String) planned.get(0).get("watermark");
        long start = System.nanoTime();
        try {
            List<ToolClient.Polled> page = client.poll(tool, school, watermark);
            checks.add(Check.ok("lecture du cahier de textes", "établissement " + school + " : " + page.size()
                    + " changement(s) depuis la dernière relève, lus en " + (System.nanoTime() - start) / 1_000_000 + " ms"));
        } catch (ToolException e) {
            checks.add(Check.echec("lecture du cahier de textes", "établissement " + school + " : " + e.getMessage()));
        }
        return checks;
    }

    private List<Check> dropFolder(Connector tool) {
        java.nio.file.Path root;
        try {
            root = fr.relais.classlog.tools.FileExchangeSettings.of(tool).dropFolder();
        } catch (ToolException | RuntimeException e) {
            return List.of(Check.echec("dossier d'échange", e.getMessage()));
        }
        List<Check> checks = new ArrayList<>();
        for (String sub : List.of("", "export", "import", "processed", "rejected", "state")) {
            java.nio.file.Path dir = root.resolve(sub);
            if (!java.nio.file.Files.exists(dir)) {
                checks.add(sub.isEmpty() ? Check.echec("dossier d'échange", dir + " n'existe pas")
                        : Check.attention("dossier " + sub, dir + " n'existe pas encore (Relais le crée à la première relève)"));
            } else if (!java.nio.file.Files.isDirectory(dir) || !java.nio.file.Files.isReadable(dir)
                    || !java.nio.file.Files.isWritable(dir)) {
                checks.add(Check.echec(sub.isEmpty() ? "dossier d'échange" : "dossier " + sub, dir
                        + " n'est pas un dossier que Relais peut lire et écrire"));
            } else {
                checks.add(Check.ok(sub.isEmpty() ? "dossier d'échange" : "dossier " + sub, dir + " lisible et inscriptible"));
            }
            if (sub.isEmpty() && checks.get(0).status() == Status.ECHEC) {
                return checks;
            }
        }
        return checks;
    }
}
