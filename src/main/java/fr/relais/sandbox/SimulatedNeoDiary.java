package fr.relais.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A simulated NEO/ONE cahier de textes module (the "diary" app), for the demo and the tests: sessions with their
 * homework, in the API's field names, each with a modification sequence so that a client can ask for what
 * changed since a watermark. One instance per path segment ({@code /sandbox/neo/{instance}/diary}).
 */
@RestController
@Profile("demo")
@RequestMapping("/sandbox/neo/{instance}/diary")
public class SimulatedNeoDiary {

    private final Map<String, Map<String, Map<String, Object>>> sessions = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    private Map<String, Map<String, Object>> of(String instance) {
        return sessions.computeIfAbsent(instance, i -> new ConcurrentHashMap<>());
    }

    /** Sessions changed after the watermark (deleted ones included, flagged), oldest change first. */
    @GetMapping("/sessions/changes")
    public List<Map<String, Object>> changes(@PathVariable String instance, @RequestParam(defaultValue = "0") long since) {
        List<Map<String, Object>> out = new ArrayList<>();
        of(instance).values().stream().filter(s -> (long) s.get("modified") > since)
                .sorted(java.util.Comparator.comparingLong(s -> (long) s.get("modified"))).forEach(out::add);
        return out;
    }

    @PostMapping("/session")
    public ResponseEntity<Map<String, Object>> create(@PathVariable String instance, @RequestBody Map<String, Object> body) {
        String id = UUID.randomUUID().toString();
        return ResponseEntity.status(HttpStatus.CREATED).body(store(instance, id, body));
    }

    @PutMapping("/session/{id}")
    public ResponseEntity<Map<String, Object>> update(@PathVariable String instance, @PathVariable String id,
                                                      @RequestBody Map<String, Object> body) {
        if (!of(instance).containsKey(id)) {
            return ResponseEntity.notFound().build();
        }
        return ResponseEntity.ok(store(instance, id, body));
    }

    @DeleteMapping("/session/{id}")
    public ResponseEntity<Void> delete(@PathVariable String instance, @PathVariable String id) {
        Map<String, Object> s = of(instance).get(id);
        if (s == null) {
            return ResponseEntity.notFound().build();
        }
        s.put("deleted", true);
        s.put("modified", sequence.incrementAndGet());
        s.put("modified_at", java.time.Instant.now().toString());
        return ResponseEntity.noContent().build();
    }

    private Map<String, Object> store(String instance, String id, Map<String, Object> body) {
        Map<String, Object> s = new LinkedHashMap<>(body);
        s.put("id", id);
        s.put("deleted", false);
        s.put("modified", sequence.incrementAndGet());
        s.put("modified_at", java.time.Instant.now().toString());
        of(instance).put(id, s);
        return s;
    }
}
