package fr.relais.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

import fr.relais.audit.AuditTrail;
import fr.relais.classlog.ClassLogApi;
import fr.relais.classlog.SyncPlan;
import fr.relais.connector.ConnectionTests;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.directory.Directory;
import fr.relais.directory.Structure;
import fr.relais.directory.aaf.ImportHistory;
import fr.relais.licence.LicenceReports;
import fr.relais.platform.NotFoundException;

/**
 * The administrator's pages (French): connectors, their state and connection test, the last directory imports;
 * the cahier de textes sync (per school and class, each tool's state, changes waiting, dead letters to replay).
 */
@Controller
class AdminPages {

    private static final fr.relais.platform.FrenchDates DATES = new fr.relais.platform.FrenchDates();
    private final ConnectorRegistry connectors;
    private final ImportHistory imports;
    private final ConnectionTests tests;
    private final ClassLogApi classlog;
    private final SyncPlan plan;
    private final Directory directory;
    private final AuditTrail audit;
    private final LicenceReports licences;
    private final com.fasterxml.jackson.databind.ObjectMapper json;

    AdminPages(ConnectorRegistry connectors, ImportHistory imports, ConnectionTests tests, ClassLogApi classlog,
               SyncPlan plan, Directory directory, AuditTrail audit, LicenceReports licences,
               com.fasterxml.jackson.databind.ObjectMapper json) {
        this.json = json;
        this.audit = audit;
        this.licences = licences;
        this.connectors = connectors;
        this.imports = imports;
        this.tests = tests;
        this.classlog = classlog;
        this.plan = plan;
        this.directory = directory;
    }

    @GetMapping("/login")
    String login() {
        return "login";
    }

    @GetMapping({"/", "/admin"})
    String home(Model model) {
        model.addAttribute("connectors", connectors.all());
        model.addAttribute("ready", connectors.ready().size());
        model.addAttribute("imports", imports.latest(20));
        model.addAttribute("dates", DATES);
        return "admin";
    }

    /** The "Tester" button: the connector's connection test, its checks in French. */
    @PostMapping("/admin/connecteurs/{id}/test")
    String test(@PathVariable String id, Model model) {
        Connector connector = connectors.find(id).orElseThrow(() -> new NotFoundException("connecteur inconnu : " + id));
        model.addAttribute("connector", connector);
        model.addAttribute("report", tests.run(connector));
        model.addAttribute("dates", DATES);
        return "admin-test";
    }

    /** The cahier de textes sync as a school's administrator reads it. */
    @GetMapping("/admin/cahier-de-textes")
    String classlog(Model model) {
        List<Map<String, Object>> schools = new ArrayList<>();
        for (String uai : new TreeSet<>(plan.all().stream().map(SyncPlan.ClassSync::school).toList())) {
            Map<String, Object> school = new LinkedHashMap<>();
            school.put("uai", uai);
            school.put("name", directory.structure(uai).map(Structure::name).orElse(null));
            school.put("classes", classlog.status(uai));
            schools.add(school);
        }
        model.addAttribute("schools", schools);
        model.addAttribute("parked", classlog.parked(null, null));
        model.addAttribute("deadLetters", classlog.deadLetters(null));
        model.addAttribute("names", names());
        model.addAttribute("labels", new Labels());
        model.addAttribute("dates", DATES);
        return "admin-classlog";
    }

    /** The lessons of a class, the latest first, each linked to its history. */
    @GetMapping("/admin/cahier-de-textes/{uai}/{audience}")
    String classEntries(@PathVariable String uai, @PathVariable String audience, Model model) {
        if (plan.of(uai).stream().noneMatch(c -> c.audience().equals(audience))) {
            throw new NotFoundException("la classe " + audience + " de " + uai + " n'est pas synchronisée");
        }
        model.addAttribute("uai", uai);
        model.addAttribute("school", directory.structure(uai).map(Structure::name).orElse(null));
        model.addAttribute("audience", audience);
        model.addAttribute("entries", classlog.entries(uai, audience, 200));
        model.addAttribute("names", names());
        model.addAttribute("dates", DATES);
        return "admin-classlog-entries";
    }

    /** One lesson: its current state, every version with the tool it came from, its copies, its conflicts. */
    @GetMapping("/admin/cahier-de-textes/seance/{id}")
    @SuppressWarnings("unchecked")
    String entry(@PathVariable String id, Model model) {
        Map<String, Object> entry = classlog.entry(id);
        List<Map<String, Object>> versions = new ArrayList<>();
        for (Object o : (List<?>) entry.get("history")) {
            Map<String, Object> h = new LinkedHashMap<>((Map<String, Object>) o);
            h.put("lesson", lesson(h.remove("document")));
            versions.add(h);
        }
        java.util.Collections.reverse(versions);
        model.addAttribute("entry", entry);
        model.addAttribute("versions", versions);
        Map<?, ?> current = versions.isEmpty() ? Map.of() : (Map<?, ?>) versions.get(0).get("lesson");
        model.addAttribute("current", current);
        model.addAttribute("when", when(current.get("date"), current.get("start")));
        model.addAttribute("names", names());
        model.addAttribute("labels", new Labels());
        return "admin-classlog-entry";
    }

    /** A lesson's day and time in French ("lundi 14 septembre 2026 à 08:00"), from its document's ISO values. */
    private static String when(Object date, Object start) {
        try {
            String day = java.time.format.DateTimeFormatter.ofPattern("EEEE d MMMM yyyy", Locale.FRENCH)
                    .format(java.time.LocalDate.parse(String.valueOf(date)));
            return start == null ? day : day + " à " + String.valueOf(start).substring(0, Math.min(5,
                    String.valueOf(start).length()));
        } catch (java.time.format.DateTimeParseException e) {
            return String.valueOf(date);
        }
    }

    /** A version's document as the page shows it (title, date, start, content...). */
    private Map<String, Object> lesson(Object document) {
        try {
            return json.readValue(String.valueOf(document), new com.fasterxml.jackson.core.type.TypeReference<>() { });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Map.of("title", "(illisible)");
        }
    }

    /** A dead letter back on its tool's queue: the page again, saying so. */
    @PostMapping("/admin/cahier-de-textes/lettres-mortes/{id}/rejouer")
    String replay(@PathVariable String id) throws Exception {
        try {
            classlog.replay(id);
        } catch (NotFoundException e) {
            return "redirect:/admin/cahier-de-textes?introuvable"; // replayed meanwhile, or from another tab
        }
        return "redirect:/admin/cahier-de-textes?rejouee";
    }

    /** The audit trail: the latest events (of one person, or all), and whether the chain holds. */
    @GetMapping("/admin/audit")
    String audit(@RequestParam(name = "personne", required = false) String person,
                 @RequestParam(name = "verifier", required = false) String check, Model model) {
        String subject = person == null || person.isBlank() ? null : person.trim();
        model.addAttribute("personne", subject);
        model.addAttribute("events", audit.latest(200, subject));
        // the chain is verified on request only: it reads every event of the trail
        model.addAttribute("checked", check != null);
        model.addAttribute("brokenAt", check != null ? audit.verify().orElse(null) : null);
        model.addAttribute("names", names());
        model.addAttribute("dates", DATES);
        return "admin-audit";
    }

    /** Licences as a territory reads them: subscriptions ending soon, launches per school and kind of resource. */
    @GetMapping("/admin/licences")
    String licences(Model model) {
        Map<String, Object> launches = licences.launches();
        model.addAttribute("expiring", licences.expiring(Instant.now()));
        model.addAttribute("launches", launches);
        model.addAttribute("names", names());
        model.addAttribute("schools", schoolNames((List<?>) launches.get("parEtablissement")));
        model.addAttribute("dates", DATES);
        return "admin-licences";
    }

    /** The names of the schools listed (a page of launches names a few schools, not the whole directory). */
    private Map<String, String> schoolNames(List<?> rows) {
        Map<String, String> names = new LinkedHashMap<>();
        for (Object row : rows) {
            String uai = String.valueOf(((Map<?, ?>) row).get("uai"));
            directory.structure(uai).ifPresent(s -> names.put(uai, s.name()));
        }
        return names;
    }

    private Map<String, String> names() {
        Map<String, String> names = new LinkedHashMap<>();
        connectors.all().forEach(c -> names.put(c.id(), c.name() == null ? c.id() : c.name()));
        return names;
    }

    /** Labels of the sync's codes, in French. */
    static final class Labels {

        public String direction(Object code) {
            return switch (String.valueOf(code).toLowerCase(Locale.ROOT)) {
                case "both" -> "lu et écrit";
                case "source" -> "lu seulement";
                case "target" -> "écrit seulement";
                default -> String.valueOf(code);
            };
        }

        public String circuit(Object code) {
            return code == null ? "—" : switch (String.valueOf(code)) {
                case "closed" -> "normal";
                case "open" -> "livraisons suspendues (outil en échec)";
                case "half_open" -> "livraisons à l'essai";
                default -> String.valueOf(code);
            };
        }

        public String when(Object instant) {
            if (instant instanceof java.sql.Timestamp t) {
                return DATES.format(t.toInstant());
            }
            if (instant instanceof java.time.OffsetDateTime t) {
                return DATES.format(t.toInstant());
            }
            return instant instanceof Instant i ? DATES.format(i) : "jamais";
        }

        /** A lag in seconds, as a person says it. */
        public String lag(Object seconds) {
            long s = seconds instanceof Number n ? n.longValue() : 0;
            if (s < 60) {
                return s + " s";
            }
            if (s < 3600) {
                return s / 60 + " min";
            }
            return s / 3600 + " h " + s % 3600 / 60 + " min";
        }
    }
}
