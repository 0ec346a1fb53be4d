package fr.relais.sandbox;

import java.util.List;
import java.util.Map;

import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import fr.relais.classlog.ToolException;
import fr.relais.connector.ConnectorRegistry;

/**
 * The demo's Pronote cahier de textes over its drop folder ({@link SimulatedPronote}, for the {@code pronote}
 * connector): {@code POST /sandbox/pronote/cycle} imports Relais' files and writes an export, as Pronote's
 * scheduled exchange would; {@code /lessons} types, edits and deletes lessons "in Pronote".
 */
@RestController
@Profile("demo")
@RequestMapping("/sandbox/pronote")
public class SimulatedPronoteFiles {

    private final ConnectorRegistry registry;
    private SimulatedPronote pronote;

    public SimulatedPronoteFiles(ConnectorRegistry registry) {
        this.registry = registry;
    }

    private synchronized SimulatedPronote pronote() {
        if (pronote == null) {
            var tool = registry.find("pronote").filter(c -> c.isReady()).orElseThrow(() ->
                    new ResponseStatusException(HttpStatus.CONFLICT, "connectors/tools/pronote.yaml n'est pas chargé"));
            try {
                pronote = new SimulatedPronote(tool);
            } catch (ToolException e) {
                throw new ResponseStatusException(HttpStatus.CONFLICT, e.getMessage());
            }
        }
        return pronote;
    }

    /** One exchange: Relais' imports applied, then an export written. */
    @PostMapping("/cycle")
    public Map<String, Object> cycle() {
        int imported = pronote().importFiles();
        return Map.of("imported", imported, "export", pronote().export().getFileName().toString());
    }

    @GetMapping("/lessons")
    public Map<String, List<Map<String, String>>> lessons() {
        return pronote().lessons();
    }

    @PostMapping("/lessons")
    public Map<String, String> type(@RequestBody Map<String, String> fields) {
        return Map.of("id", pronote().type(fields));
    }

    @PutMapping("/lessons/{id}")
    public void edit(@PathVariable String id, @RequestBody Map<String, String> fields) {
        pronote().edit(id, fields);
    }

    @DeleteMapping("/lessons/{id}")
    public void remove(@PathVariable String id) {
        pronote().remove(id);
    }
}
