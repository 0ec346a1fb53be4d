package fr.relais.classlog.tools;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import org.springframework.stereotype.Component;

import fr.relais.classlog.ClassLogEntry;
import fr.relais.classlog.ClassLogStore;
import fr.relais.classlog.ToolClient;
import fr.relais.classlog.ToolException;
import fr.relais.connector.Connector;

/**
 * The cahier de textes of EcoleDirecte (Aplim), v3 API: {@code POST /v3/login.awp} with
 * {@code data={"identifiant":..,"motdepasse":..}} gives a token, every later call carries it in {@code X-Token};
 * every call is a POST with a {@code verbe} and a {@code data={json}} form body, and the answer is HTTP 200 with
 * the outcome in the body's {@code code}.
 * <p>
 * EcoleDirecte's published routes are the pupils' ({@code /v3/Eleves/{id}/cahierdetexte.awp}); Relais uses the
 * establishment's staff routes of the same shape, with the staff account of {@code classlog.login} /
 * {@code classlog.password}: {@code /v3/etablissements/{uai}/cahierdetexte.awp} with {@code verbe=get&depuis=n}
 * (changes after a modification number), {@code verbe=post}, {@code verbe=put}, {@code verbe=delete}, and
 * {@code /v3/etablissements/{uai}/cahierdetexte/{date}.awp?verbe=get} (the day's lessons, used by {@link #find}).
 * <p>
 * Mapping: one séance per lesson: {@code date}, {@code heureDebut}, {@code heureFin}, {@code entityCode} (class or
 * group), {@code codeMatiere}, {@code idProf}, {@code titre}, {@code publie}, {@code visePar},
 * {@code contenuDeSeance.contenu} (the HTML, base64 as EcoleDirecte sends it) and its {@code documents}; the work
 * to do in {@code aFaire[]}: {@code idDevoir} (EcoleDirecte's number: a write keeps the ones the séance has),
 * {@code donneLe}, {@code pourLe}, {@code contenu} (base64), {@code dureeEstimee} (minutes), {@code typeDevoir}
 * (the kind; {@code interrogation} is set for a test), {@code documents}. Documents are references:
 * {@code {libelle, typeMime, taille, url, empreinte}} (empreinte: SHA-256). Each séance carries {@code numModif},
 * the establishment's modification number: the watermark and the version, distinct for two changes in the same
 * second. A deleted séance stays in the changes as {@code {"id", "supprime": true, "numModif", "modifieLe"}}.
 * <p>
 * Body codes: 200 is success; 520 (token invalide) and 525 (token expiré) log in again once and repeat the call,
 * and make the tool unavailable if they persist; 505 (identifiant ou mot de passe invalide) at login makes it
 * unavailable with what to fix (nothing can be synced until the descriptor is); another 4xx code (400 données
 * refusées, 403, 404 séance inconnue...) refuses the entry, with EcoleDirecte's message; any other code (5xx)
 * makes the tool unavailable. HTTP statuses are read first ({@link ToolHttp#check}): an outage is a 503 from the
 * load balancer, not a body code.
 */
@Component
public class EcoleDirecteClient implements ToolClient {

    static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    static final DateTimeFormatter MODIFIED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final int TOKEN_INVALID = 520;
    private static final int TOKEN_EXPIRED = 525;
    private static final int BAD_CREDENTIALS = 505;

    private record Account(String baseUrl, String login, String password) {
    }

    private final Map<Account, String> sessions = new ConcurrentHashMap<>();

    @Override
    public String family() {
        return "ecoledirecte";
    }

    @Override
    public List<Polled> poll(Connector tool, String school, String watermark) throws ToolException {
        JsonNode data = call(tool, "/etablissements/" + enc(school) + "/cahierdetexte.awp", "get",
                "&depuis=" + enc(watermark == null ? "0" : watermark), Map.of(), false);
        List<Polled> out = new ArrayList<>();
        for (JsonNode s : data.path("seances")) {
            String version = s.path("numModif").asText();
            boolean deleted = s.path("supprime").asBoolean(false);
            out.add(new Polled(new ClassLogStore.ToolChange(tool.id(), s.path("id").asText(), version,
                    modifiedAt(s.path("modifieLe").asText(null)), deleted, deleted ? null : fromSeance(s, school)),
                    version));
        }
        return out;
    }

    @Override
    public Written write(Connector tool, String toolEntryId, ClassLogEntry entry) throws ToolException {
        Map<String, Object> seance = toSeance(entry);
        if (toolEntryId != null) {
            seance.put("id", number(toolEntryId));
        }
        JsonNode stored = call(tool, "/etablissements/" + enc(entry.school()) + "/cahierdetexte.awp",
                toolEntryId == null ? "post" : "put", "", seance, false);
        return new Written(stored.path("id").asText(), stored.path("numModif").asText());
    }

    @Override
    public void delete(Connector tool, String school, String toolEntryId) throws ToolException {
        call(tool, "/etablissements/" + enc(school) + "/cahierdetexte.awp", "delete", "",
                Map.of("id", number(toolEntryId)), true);
    }

    @Override
    public Optional<Written> find(Connector tool, ClassLogEntry entry) throws ToolException {
        JsonNode day = call(tool, "/etablissements/" + enc(entry.school()) + "/cahierdetexte/" + entry.date() + ".awp",
                "get", "", Map.of(), false);
        for (JsonNode s : day.path("matieres")) {
            if (entry.audience().equals(s.path("entityCode").asText())
                    && Objects.equals(entry.title(), s.path("titre").asText(null))
                    && Objects.equals(entry.start(), NeoDiaryClient.time(s.path("heureDebut").asText(null)))) {
                return Optional.of(new Written(s.path("id").asText(), s.path("numModif").asText(),
                        fromSeance(s, entry.school())));
            }
        }
        return Optional.empty();
    }

    /** A séance -> the canonical entry; unreadable dates, times or content are null. */
    static ClassLogEntry fromSeance(JsonNode s, String school) {
        List<ClassLogEntry.Homework> homework = new ArrayList<>();
        for (JsonNode h : s.path("aFaire")) {
            String kind = h.path("typeDevoir").asText(null);
            homework.add(new ClassLogEntry.Homework(h.path("idDevoir").asText(null),
                    NeoDiaryClient.date(h.path("donneLe").asText(null)), NeoDiaryClient.date(h.path("pourLe").asText(null)),
                    decode64(h.path("contenu").asText("")), h.hasNonNull("dureeEstimee") ? h.path("dureeEstimee").asInt() : null,
                    kind == null && h.path("interrogation").asBoolean(false) ? "interrogation" : kind,
                    documents(h.path("documents"))));
        }
        JsonNode seance = s.path("contenuDeSeance");
        return new ClassLogEntry(school, s.path("entityCode").asText(null), s.path("codeMatiere").asText(null),
                s.path("idProf").asText(null), NeoDiaryClient.date(s.path("date").asText(null)),
                NeoDiaryClient.time(s.path("heureDebut").asText(null)), NeoDiaryClient.time(s.path("heureFin").asText(null)),
                s.path("titre").asText(null), decode64(seance.path("contenu").asText("")), homework,
                documents(seance.path("documents")), s.path("publie").asBoolean(true), s.path("visePar").asText(null));
    }

    static Map<String, Object> toSeance(ClassLogEntry e) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("date", e.date() == null ? null : e.date().toString());
        s.put("heureDebut", e.start() == null ? null : e.start().toString());
        s.put("heureFin", e.end() == null ? null : e.end().toString());
        s.put("entityCode", e.audience());
        s.put("codeMatiere", e.subject());
        s.put("idProf", e.teacher());
        s.put("titre", e.title());
        s.put("publie", e.published());
        s.put("visePar", e.visaBy());
        s.put("contenuDeSeance", Map.of("contenu", encode64(e.content()), "documents", documents(e.attachments())));
        List<Map<String, Object>> work = new ArrayList<>();
        for (ClassLogEntry.Homework h : e.homework()) {
            Map<String, Object> w = new LinkedHashMap<>();
            if (h.id() != null && h.id().matches("[0-9]{1,18}")) { // EcoleDirecte's own number: kept
                w.put("idDevoir", Long.parseLong(h.id()));
            }
            w.put("donneLe", h.givenOn() == null ? null : h.givenOn().toString());
            w.put("pourLe", h.dueOn() == null ? null : h.dueOn().toString());
            w.put("contenu", encode64(h.description()));
            w.put("dureeEstimee", h.estimatedMinutes());
            w.put("typeDevoir", h.kind());
            w.put("interrogation", "interrogation".equals(h.kind()) || "test".equals(h.kind()));
            w.put("documents", documents(h.attachments()));
            work.add(w);
        }
        s.put("aFaire", work);
        return s;
    }

    /**
     * One call with the session's token; a 520 or 525 logs in again once and repeats it. Answers the body's
     * {@code data} (missing for a 404 code when {@code notFoundIsAnswer}).
     */
    private JsonNode call(Connector tool, String path, String verbe, String query, Map<String, Object> data,
                          boolean notFoundIsAnswer) throws ToolException {
        Account account = account(tool);
        String payload = ToolHttp.JSON.valueToTree(data).toString();
        for (int attempt = 0; ; attempt++) {
            String token = session(tool, account, attempt > 0);
            HttpRequest request = ToolHttp.request(account.baseUrl() + path + "?verbe=" + verbe + query)
                    .header("X-Token", token).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(ToolHttp.form(Map.of("data", payload))).build();
            JsonNode body = ToolHttp.read(tool, ToolHttp.check(tool, request, ToolHttp.exchange(tool, request), false,
                    b -> b));
            int code = body.path("code").asInt(0);
            String message = body.path("message").asText("");
            if (code == 200) {
                String renewed = body.path("token").asText("");
                if (!renewed.isBlank() && !renewed.equals(token)) { // EcoleDirecte may hand a new token with any answer
                    sessions.put(account, renewed);
                }
                return body.path("data");
            }
            if ((code == TOKEN_INVALID || code == TOKEN_EXPIRED) && attempt == 0) {
                continue;
            }
            if (code == TOKEN_INVALID || code == TOKEN_EXPIRED) {
                throw ToolException.unavailable(tool.id() + " refuse la session tout juste ouverte (code " + code + " : "
                        + message + ") : réessayer plus tard, ou vérifier les droits du compte '" + account.login() + "'", null);
            }
            if (code == 404 && notFoundIsAnswer) {
                return MissingNode.getInstance();
            }
            if (code >= 400 && code < 500) {
                String refusal = tool.id() + " a refusé " + verbe + " " + path + " : code " + code + " " + message;
                throw code == 404 ? ToolException.notFound(refusal) : ToolException.refused(refusal);
            }
            throw ToolException.unavailable(tool.id() + " indisponible pour " + verbe + " " + path + " : code " + code
                    + " " + message, null);
        }
    }

    /** The session's token, or a new one from {@code login.awp} when there is none or {@code renew}. */
    private String session(Connector tool, Account account, boolean renew) throws ToolException {
        String token = sessions.get(account);
        if (token != null && !renew) {
            return token;
        }
        if (account.login().isBlank() || account.password().isBlank()) {
            throw ToolException.unavailable(tool.id() + " : classlog.login et classlog.password sont nécessaires pour se "
                    + "connecter à " + account.baseUrl() + " (le mot de passe se donne par propriété ou variable "
                    + "d'environnement)", null);
        }
        String credentials = ToolHttp.JSON.valueToTree(Map.of("identifiant", account.login(),
                "motdepasse", account.password())).toString();
        HttpRequest request = ToolHttp.request(account.baseUrl() + "/login.awp")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(ToolHttp.form(Map.of("data", credentials))).build();
        JsonNode body = ToolHttp.read(tool, ToolHttp.check(tool, request, ToolHttp.exchange(tool, request), false, b -> b));
        int code = body.path("code").asInt(0);
        String fresh = body.path("token").asText("");
        if (code == BAD_CREDENTIALS) {
            throw ToolException.unavailable(tool.id() + " : " + account.baseUrl() + "/login.awp refuse l'identifiant '"
                    + account.login() + "' ou son mot de passe (code 505 : " + body.path("message").asText("")
                    + ") : vérifier classlog.login et classlog.password du descripteur", null);
        }
        if (code != 200 || fresh.isBlank()) {
            throw ToolException.unavailable(tool.id() + " : connexion impossible à " + account.baseUrl() + "/login.awp (code "
                    + code + " : " + body.path("message").asText("") + ")", null);
        }
        sessions.put(account, fresh);
        return fresh;
    }

    private static Account account(Connector tool) {
        JsonNode c = tool.descriptor().path("classlog");
        return new Account(ToolHttp.baseUrl(tool), c.path("login").asText(""), c.path("password").asText(""));
    }

    /** EcoleDirecte's names for a document. */
    static final Attachments.Fields DOCUMENT = new Attachments.Fields("libelle", "typeMime", "taille", "url", "empreinte");

    static List<Map<String, Object>> documents(List<ClassLogEntry.Attachment> attachments) {
        return Attachments.write(attachments, DOCUMENT);
    }

    static List<ClassLogEntry.Attachment> documents(JsonNode array) {
        return Attachments.read(array, DOCUMENT);
    }

    static String encode64(String html) {
        return Base64.getEncoder().encodeToString((html == null ? "" : html).getBytes(StandardCharsets.UTF_8));
    }

    /** Decoded base64 content; null when it is not base64 (the entry still comes, its content unreadable). */
    static String decode64(String text) {
        try {
            return new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Instant modifiedAt(String text) {
        try {
            return text == null ? Instant.now() : LocalDateTime.parse(text, MODIFIED).atZone(PARIS).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.now();
        }
    }

    /** EcoleDirecte's ids are numbers; an id that is not one is sent as text (EcoleDirecte answers 404). */
    private static Object number(String id) {
        return id.matches("[0-9]{1,18}") ? Long.parseLong(id) : id;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
