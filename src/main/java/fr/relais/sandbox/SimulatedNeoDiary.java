package fr.relais.sandbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
 * homework, in the API's field names, each with a modification sequence so that a client can ask what changed
 * in a school since a watermark. One instance per path segment ({@code /sandbox/neo/{instance}/diary}).
 * <p>
 * Like a real module it can fail: {@code PUT .../_control} with {@code {"down": true}} makes every call answer
 * 503, and {@code {"refuseTitle": "x"}} makes writes of a session whose title contains x answer 400.
 */
@RestController
@Profile("demo")
@RequestMapping("/sandbox/neo/{instance}/diary")
public class SimulatedNeoDiary {

    private final Map<String, Map<String, Map<String, Object>>> sessions = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Object>> controls = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    /** Per instance, its sessions by their last change (sequence), as the module's own change feed is indexed. */
    private final Map<String, java.util.NavigableMap<Long, Map<String, Object>>> byChange = new ConcurrentHashMap<>();

    private Map<String, Map<String, Object>> of(String instance) {
        return sessions.computeIfAbsent(instance, i -> new ConcurrentHashMap<>());
    }

    private java.util.NavigableMap<Long, Map<String, Object>> changesOf(String instance) {
        return byChange.computeIfAbsent(instance, i -> new java.util.concurrent.ConcurrentSkipListMap<>());
    }

    /** Gives the session its next change number; called with the lock held. */
    private void changed(String instance, Map<String, Object> s) {
        Object before = s.get("modified");
        if (before != null) {
            changesOf(instance).remove((Long) before);
        }
        long modified = sequence.incrementAndGet();
        s.put("modified", modified);
        s.put("modified_at", Instant.now().toString());
        changesOf(instance).put(modified, s);
    }

    private boolean down(String instance) {
        return Boolean.TRUE.equals(controls.getOrDefault(instance, Map.of()).get("down"));
    }

    @PutMapping("/_control")
    public Map<String, Object> control(@PathVariable String instance, @RequestBody Map<String, Object> control) {
        controls.put(instance, new ConcurrentHashMap<>(control));
        return control;
    }

    /** Sessions of a school changed after the watermark (deleted ones included, flagged), oldest change first. */
    @GetMapping("/sessions/changes/{structureId}")
    public ResponseEntity<List<Map<String, Object>>> changes(@PathVariable String instance,
                                                             @PathVariable String structureId,
                                                             @RequestParam(defaultValue = "0") long since,
                                                             @RequestParam(defaultValue = "500") int limit) {
        if (down(instance)) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).build();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        synchronized (this) { // a session stored with sequence n+1 is never seen before the one with n
            for (Map<String, Object> s : changesOf(instance).tailMap(since, false).values()) {
                if (structureId.equals(s.get("structure_id"))) {
                    out.add(new LinkedHashMap<>(s));
                    if (out.size() >= Math.max(1, limit)) {
                        break;
                    }
                }
            }
        }
        return ResponseEntity.ok(out);
    }

    /** The module's own route: a school's sessions between two dates. */
    @GetMapping("/sessions/own/{start}/{end}/{structureId}")
    public ResponseEntity<List<Map<String, Object>>> between(@PathVariable String instance, @PathVariable String start,
                                                             @PathVariable String end, @PathVariable String structureId) {
        if (down(instance)) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).build();
        }
        return ResponseEntity.ok(of(instance).values().stream().filter(s -> structureId.equals(s.get("structure_id")))
                .filter(s -> !Boolean.TRUE.equals(s.get("deleted")))
                .filter(s -> String.valueOf(s.get("date")).compareTo(start) >= 0
                        && String.valueOf(s.get("date")).compareTo(end) <= 0).toList());
    }

    /** Every session of the instance (the tests' and the demo's view of what the tool holds). */
    @GetMapping("/sessions")
    public List<Map<String, Object>> all(@PathVariable String instance) {
        return of(instance).values().stream().sorted(Comparator.comparingLong(s -> (long) s.get("modified"))).toList();
    }

    /** How many live sessions of a class the instance holds (for the benchmark and the demo). */
    @GetMapping("/_count")
    public long count(@PathVariable String instance, @RequestParam String audience) {
        return of(instance).values().stream().filter(s -> audience.equals(s.get("audience_id")))
                .filter(s -> !Boolean.TRUE.equals(s.get("deleted"))).count();
    }

    @PostMapping("/session")
    public ResponseEntity<Map<String, Object>> create(@PathVariable String instance, @RequestBody Map<String, Object> body) {
        ResponseEntity<Map<String, Object>> refused = refusal(instance, body);
        if (refused != null) {
            return refused;
        }
        return ResponseEntity.status(HttpStatus.CREATED).body(store(instance, UUID.randomUUID().toString(), body));
    }

    @PutMapping("/session/{id}")
    public ResponseEntity<Map<String, Object>> update(@PathVariable String instance, @PathVariable String id,
                                                      @RequestBody Map<String, Object> body) {
        ResponseEntity<Map<String, Object>> refused = refusal(instance, body);
        if (refused != null) {
            return refused;
        }
        if (!of(instance).containsKey(id)) {
            return ResponseEntity.notFound().build();
        }
        return ResponseEntity.ok(store(instance, id, body));
    }

    @DeleteMapping("/session/{id}")
    public ResponseEntity<Void> delete(@PathVariable String instance, @PathVariable String id) {
        if (down(instance)) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).build();
        }
        Map<String, Object> s = of(instance).get(id);
        if (s == null) {
            return ResponseEntity.notFound().build();
        }
        synchronized (this) {
            s.put("deleted", true);
            changed(instance, s);
        }
        return ResponseEntity.noContent().build();
    }

    /** A teacher types a session in the module's own pages: it works whether or not the API is reachable. */
    public Map<String, Object> typeIn(String instance, Map<String, Object> body) {
        return store(instance, UUID.randomUUID().toString(), body);
    }

    private ResponseEntity<Map<String, Object>> refusal(String instance, Map<String, Object> body) {
        if (down(instance)) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).build();
        }
        Object refuse = controls.getOrDefault(instance, Map.of()).get("refuseTitle");
        if (refuse != null && String.valueOf(body.get("title")).contains(String.valueOf(refuse))) {
            return ResponseEntity.badRequest().body(Map.of("error", "titre refusé par le module : " + body.get("title")));
        }
        return null;
    }

    private synchronized Map<String, Object> store(String instance, String id, Map<String, Object> body) {
        Map<String, Object> s = new LinkedHashMap<>(body);
        s.put("id", id);
        s.put("deleted", false);
        s.remove("modified");
        Map<String, Object> old = of(instance).put(id, s);
        if (old != null) {
            changesOf(instance).remove((Long) old.get("modified"));
        }
        changed(instance, s);
        return s;
    }
}
