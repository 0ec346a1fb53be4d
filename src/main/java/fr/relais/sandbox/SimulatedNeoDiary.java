package fr.relais.sandbox;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.Ordered;

/**
 * A simulated NEO/ONE cahier de textes module (the "diary" app), for the demo and the tests: sessions with their
 * homework, in the API's field names, each with a modification sequence so that a client can ask what changed
 * in a school since a watermark. One instance per path segment ({@code /sandbox/neo/{instance}/diary}).
 * <p>
 * Like a real module it can fail: {@code PUT .../_control} with {@code {"down": true}} makes every call answer
 * 503, {@code {"refuseTitle": "x"}} makes writes of a session whose title contains x answer 400, and
 * {@code {"answerDelayMillis": n}} makes a write answer n ms after it is stored (its change is already in the feed
 * meanwhile, as with a slow module). {@code {"restart": true}} makes every module forget its sessions, with ids
 * and the change sequence starting over, as when the demo starts again on Relais' kept data.
 * <p>
 * It stands for another site's server: it answers its routes itself, as the first filter, without Relais' own
 * filters and Spring MVC (which cost the class-log benchmark, where the three modules share Relais' two cores,
 * more CPU than the module's work).
 */
@Configuration(proxyBeanMethods = false)
@Profile("demo")
public class SimulatedNeoDiary implements Filter {

    private static final String PREFIX = "/sandbox/neo/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    /** First of all filters, for the module's paths only. */
    @Bean
    FilterRegistrationBean<SimulatedNeoDiary> simulatedNeoDiaryFilter() {
        FilterRegistrationBean<SimulatedNeoDiary> registration = new FilterRegistrationBean<>(this);
        registration.addUrlPatterns(PREFIX + "*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    private final Map<String, Map<String, Map<String, Object>>> sessions = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Object>> controls = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    /** Session ids, as the module's table (PostgreSQL, bigserial) numbers its rows. */
    private final AtomicLong ids = new AtomicLong(1000);
    /**
     * Per instance and school, its sessions by their last change (sequence), as the module's own change feed is
     * indexed (one feed per instance, scanned for the school asked, made each idle poll of a school read the other
     * schools' later changes: in the class-log benchmark, a few percent of the process' CPU).
     */
    private final Map<String, java.util.NavigableMap<Long, Map<String, Object>>> byChange = new ConcurrentHashMap<>();

    /**
     * Live sessions per (instance, school, class), kept as sessions are stored and deleted (with the lock held): the
     * benchmark asks for them four times a second, which scanning every session made a tenth of its CPU.
     */
    private final Map<List<String>, AtomicLong> live = new ConcurrentHashMap<>();

    private void counted(String instance, Map<String, Object> s, int delta) {
        if (!Boolean.TRUE.equals(s.get("deleted"))) {
            live.computeIfAbsent(List.of(instance, String.valueOf(s.get("structure_id")), String.valueOf(s.get("audience_id"))),
                    k -> new AtomicLong()).addAndGet(delta);
        }
    }

    private String newId() {
        return String.valueOf(ids.incrementAndGet());
    }

    private Map<String, Map<String, Object>> of(String instance) {
        return sessions.computeIfAbsent(instance, i -> new ConcurrentHashMap<>());
    }

    private java.util.NavigableMap<Long, Map<String, Object>> changesOf(String instance, Object structureId) {
        return byChange.computeIfAbsent(instance + "\n" + structureId,
                i -> new java.util.concurrent.ConcurrentSkipListMap<>());
    }

    /** Gives the session its next change number; called with the lock held. */
    private void changed(String instance, Map<String, Object> s) {
        Object before = s.get("modified");
        if (before != null) {
            changesOf(instance, s.get("structure_id")).remove((Long) before);
        }
        long modified = sequence.incrementAndGet();
        s.put("modified", modified);
        s.put("modified_at", Instant.now().toString());
        changesOf(instance, s.get("structure_id")).put(modified, s);
    }

    private boolean down(String instance) {
        return Boolean.TRUE.equals(controls.getOrDefault(instance, Map.of()).get("down"));
    }

    /** What a route answers: a status, and a body sent as JSON (none when null). */
    record Answer(int status, Object body) {
        static Answer ok(Object body) {
            return new Answer(200, body);
        }
    }

    private static final Answer UNAVAILABLE = new Answer(503, null);
    private static final Answer NOT_FOUND = new Answer(404, null);

    /** The module's routes, under {@code /sandbox/neo/{instance}/diary}. */
    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String[] p = path.substring(PREFIX.length()).split("/", -1);
        Answer answer;
        try {
            for (int i = 0; i < p.length; i++) {
                p[i] = java.net.URLDecoder.decode(p[i], java.nio.charset.StandardCharsets.UTF_8);
            }
            answer = p.length >= 3 && p[1].equals("diary") ? route(request, p[0], request.getMethod(),
                    java.util.Arrays.copyOfRange(p, 2, p.length)) : NOT_FOUND;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            answer = new Answer(400, Map.of("error", "requête illisible : " + e.getMessage()));
        }
        response.setStatus(answer.status());
        if (answer.body() != null) {
            byte[] bytes = JSON.writeValueAsBytes(answer.body());
            response.setContentType("application/json");
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
        }
    }

    private Answer route(HttpServletRequest request, String instance, String method, String[] p) throws IOException {
        String route = method + " " + p[0] + (p.length > 1 ? "/" + p[1] : "");
        if (p.length == 1) {
            switch (route) {
                case "PUT _control":
                    return Answer.ok(control(instance, body(request)));
                case "GET sessions":
                    return Answer.ok(all(instance));
                case "GET _count":
                    String audience = request.getParameter("audience");
                    if (audience == null) {
                        return new Answer(400, Map.of("error", "paramètre obligatoire absent : audience"));
                    }
                    return Answer.ok(count(instance, request.getParameter("structure"), audience));
                case "POST session":
                    return create(instance, body(request));
                default:
                    return NOT_FOUND;
            }
        }
        if (p.length == 2 && route.startsWith("PUT session/")) {
            return update(instance, p[1], body(request));
        }
        if (p.length == 2 && route.startsWith("DELETE session/")) {
            return delete(instance, p[1]);
        }
        if (p.length == 3 && method.equals("GET") && p[0].equals("sessions") && p[1].equals("changes")) {
            String since = request.getParameter("since");
            String limit = request.getParameter("limit");
            return changes(instance, p[2], since == null ? 0 : Long.parseLong(since),
                    limit == null ? 500 : Integer.parseInt(limit));
        }
        if (p.length == 5 && method.equals("GET") && p[0].equals("sessions") && p[1].equals("own")) {
            return between(instance, p[2], p[3], p[4]);
        }
        return NOT_FOUND;
    }

    private static Map<String, Object> body(HttpServletRequest request) throws IOException {
        Map<String, Object> body = JSON.readValue(request.getInputStream(), OBJECT);
        if (body == null) {
            throw new IllegalArgumentException("corps JSON absent");
        }
        return body;
    }

    /**
     * Replaces every control of the module: {@code {}} turns them all off, and a control set to null is off
     * (it is left out, so {@code {"refuseTitle": null}} no longer fails).
     */
    public Map<String, Object> control(String instance, Map<String, Object> control) {
        if (Boolean.TRUE.equals(control.get("restart"))) {
            restart();
        }
        Map<String, Object> on = new ConcurrentHashMap<>();
        control.forEach((name, value) -> {
            if (value != null && !name.equals("restart")) {
                on.put(name, value);
            }
        });
        controls.put(instance, on);
        return on;
    }

    /**
     * As when the demo starts again: every module forgets its sessions (they live in memory), and ids and the
     * change sequence start over, below the watermarks Relais kept.
     */
    private synchronized void restart() {
        sessions.clear();
        byChange.clear();
        live.clear();
        sequence.set(0);
        ids.set(1000);
    }

    /** Sessions of a school changed after the watermark (deleted ones included, flagged), oldest change first. */
    public Answer changes(String instance, String structureId, long since, int limit) {
        if (down(instance)) {
            return UNAVAILABLE;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        synchronized (this) { // a session stored with sequence n+1 is never seen before the one with n
            for (Map<String, Object> s : changesOf(instance, structureId).tailMap(since, false).values()) {
                out.add(new LinkedHashMap<>(s));
                if (out.size() >= Math.max(1, limit)) {
                    break;
                }
            }
        }
        return Answer.ok(out);
    }

    /** The module's own route: a school's sessions between two dates. */
    public Answer between(String instance, String start, String end, String structureId) {
        if (down(instance)) {
            return UNAVAILABLE;
        }
        return Answer.ok(of(instance).values().stream().filter(s -> structureId.equals(s.get("structure_id")))
                .filter(s -> !Boolean.TRUE.equals(s.get("deleted")))
                .filter(s -> String.valueOf(s.get("date")).compareTo(start) >= 0
                        && String.valueOf(s.get("date")).compareTo(end) <= 0).toList());
    }

    /** Every session of the instance (the tests' and the demo's view of what the tool holds). */
    public List<Map<String, Object>> all(String instance) {
        return of(instance).values().stream().sorted(Comparator.comparingLong(s -> (long) s.get("modified"))).toList();
    }

    /** How many live sessions of a class the instance holds (for the benchmark and the demo); of one school if given. */
    public long count(String instance, String structure, String audience) {
        return live.entrySet().stream().filter(e -> e.getKey().get(0).equals(instance)
                        && e.getKey().get(2).equals(audience) && (structure == null || e.getKey().get(1).equals(structure)))
                .mapToLong(e -> e.getValue().get()).sum();
    }

    public long count(String instance, String audience) {
        return count(instance, null, audience);
    }

    public Answer create(String instance, Map<String, Object> body) {
        Answer refused = refusal(instance, body);
        if (refused != null) {
            return refused;
        }
        return slowly(instance, new Answer(201, store(instance, newId(), body)));
    }

    /** The answer, after the instance's {@code answerDelayMillis}. */
    private Answer slowly(String instance, Answer answer) {
        Object delay = controls.getOrDefault(instance, Map.of()).get("answerDelayMillis");
        if (delay instanceof Number millis && millis.longValue() > 0) {
            try {
                Thread.sleep(millis.longValue());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return answer;
    }

    public Answer update(String instance, String id, Map<String, Object> body) {
        Answer refused = refusal(instance, body);
        if (refused != null) {
            return refused;
        }
        if (!of(instance).containsKey(id)) {
            return NOT_FOUND;
        }
        return slowly(instance, Answer.ok(store(instance, id, body)));
    }

    public Answer delete(String instance, String id) {
        if (down(instance)) {
            return UNAVAILABLE;
        }
        Map<String, Object> s = of(instance).get(id);
        if (s == null) {
            return NOT_FOUND;
        }
        synchronized (this) {
            counted(instance, s, -1);
            s.put("deleted", true);
            changed(instance, s);
        }
        return new Answer(204, null);
    }

    /** A teacher types a session in the module's own pages: it works whether or not the API is reachable. */
    public Map<String, Object> typeIn(String instance, Map<String, Object> body) {
        return store(instance, newId(), body);
    }

    private Answer refusal(String instance, Map<String, Object> body) {
        if (down(instance)) {
            return UNAVAILABLE;
        }
        Object refuse = controls.getOrDefault(instance, Map.of()).get("refuseTitle");
        if (refuse != null && String.valueOf(body.get("title")).contains(String.valueOf(refuse))) {
            return new Answer(400, Map.of("error", "titre refusé par le module : " + body.get("title")));
        }
        return null;
    }

    private synchronized Map<String, Object> store(String instance, String id, Map<String, Object> body) {
        Map<String, Object> s = new LinkedHashMap<>(body);
        s.put("id", Long.parseLong(id)); // a number in the API, as the module's PostgreSQL serial gives it
        s.put("deleted", false);
        s.remove("modified");
        Map<String, Object> old = of(instance).put(id, s);
        counted(instance, s, 1);
        if (old != null) {
            counted(instance, old, -1);
            changesOf(instance, old.get("structure_id")).remove((Long) old.get("modified"));
        }
        changed(instance, s);
        return s;
    }
}
