package fr.relais.classlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import fr.relais.RelaisTestSupport;
import fr.relais.sso.SsoTestBaseAccess;

/**
 * Unsafe text written into one simulated NEO module (Paris) for the demo class 0690100J 6A, and what the other
 * (ENT77) receives over HTTP: plain-text fields arrive as text with no tag in them and no entity decoded, links
 * of the HTML fields in http(s) only, and an attachment in another scheme refuses the change with its reason.
 */
class ClassLogUnsafeTextTest extends SsoTestBaseAccess {

    static final String SCHOOL = "0690100J";
    static final String PARIS = "neo-cahier-de-textes";
    static final String IMG = "&lt;img src=x onerror=alert(1)&gt;";

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    static Map<String, Object> attachment(String name, String url) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("name", name);
        a.put("mediaType", "application/pdf");
        a.put("size", 48213);
        a.put("url", url);
        a.put("sha256", null);
        return a;
    }

    static Map<String, Object> session(String title, String subject, String teacher, String description,
                                       String homeworkDescription, Map<String, Object> attachment,
                                       Map<String, Object> homeworkAttachment) {
        Map<String, Object> hw = new LinkedHashMap<>();
        hw.put("id", "h1");
        hw.put("description", homeworkDescription);
        hw.put("given_date", "2026-11-23");
        hw.put("due_date", "2026-11-30");
        hw.put("workload", 30);
        hw.put("type_id", "exercice");
        hw.put("attachments", List.of(homeworkAttachment));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("structure_id", SCHOOL);
        s.put("audience_id", "6A");
        s.put("subject_id", subject);
        s.put("teacher_id", teacher);
        s.put("date", "2026-11-23");
        s.put("start_time", "10:00");
        s.put("end_time", "11:00");
        s.put("title", title);
        s.put("description", description);
        s.put("is_published", true);
        s.put("attachments", List.of(attachment));
        s.put("homeworks", List.of(hw));
        return s;
    }

    private String createInParis(Map<String, Object> session) throws Exception {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base() + "/sandbox/neo/paris/diary/session"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(session))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json.readTree(created.body()).path("id").asText();
    }

    private JsonNode ent77Sessions() throws Exception {
        return json.readTree(http.send(HttpRequest.newBuilder(URI.create(base() + "/sandbox/neo/ent77/diary/sessions")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private JsonNode awaitInEnt77(Predicate<JsonNode> found) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            for (JsonNode s : ent77Sessions()) {
                if (found.test(s)) {
                    return s;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("nothing matching in ent77");
    }

    /** The reason the admin API lists for this Paris session, waiting for it to be recorded. */
    private String awaitRejection(String parisId) throws Exception {
        String basic = Base64.getEncoder().encodeToString(("admin:" + RelaisTestSupport.ADMIN_PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> listed = http.send(HttpRequest.newBuilder(URI.create(base()
                    + "/api/classlog/rejections?tool=" + PARIS)).header("Authorization", "Basic " + basic).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(listed.statusCode()).isEqualTo(200);
            for (JsonNode r : json.readTree(listed.body())) {
                if (r.path("tool_entry_id").asText().equals(parisId)) {
                    return r.path("reason").asText();
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no rejection recorded for Paris session " + parisId);
    }

    @Test
    void markupInPlainTextFieldsReachesTheOtherToolAsTextWithNoTagAndNoEntityDecoded() throws Exception {
        String tag = "Texte" + System.nanoTime();
        createInParis(session("<b>Algèbre</b> " + IMG + " " + tag, "<b>MATHS</b>" + IMG, "<b>4000002</b>" + IMG,
                "<p>Cours</p>", "<p>Ex. 12</p>", attachment("<b>fiche</b>" + IMG + ".pdf", "https://docs.example.org/fiche.pdf"),
                attachment("<i>corrigé</i>.pdf", "https://docs.example.org/corrige.pdf")));

        JsonNode copy = awaitInEnt77(s -> s.path("title").asText().endsWith(tag));
        // the tags are gone, the escaped markup stays the characters it was: no tag can come out of it
        assertThat(copy.path("title").asText()).isEqualTo("Algèbre " + IMG + " " + tag);
        assertThat(copy.path("subject_id").asText()).isEqualTo("MATHS" + IMG);
        assertThat(copy.path("teacher_id").asText()).isEqualTo("4000002" + IMG);
        assertThat(copy.path("attachments").get(0).path("name").asText()).isEqualTo("fiche" + IMG + ".pdf");
        assertThat(copy.path("homeworks").get(0).path("attachments").get(0).path("name").asText()).isEqualTo("corrigé.pdf");
        assertThat(copy.toString()).doesNotContain("<img").doesNotContain("<b>").doesNotContain("<i>");
    }

    @Test
    void linksInOtherSchemesThanHttpLeaveTheDescriptionsKeepingTheirText() throws Exception {
        String tag = "Liens" + System.nanoTime();
        createInParis(session(tag, "MATHS", "4000002",
                "<p>Voir <a href=\"mailto:prof@example.org\">le professeur</a>, <a href=\"ftp://ftp.example.org/cours.zip\">"
                        + "l'archive</a>, <a href=\"javascript:alert(1)\">ceci</a>, <a href=\"data:text/html,&lt;script&gt;"
                        + "alert(1)&lt;/script&gt;\">cela</a> et <a href=\"https://docs.example.org/fiche.pdf\">la fiche</a></p>",
                "Lire <a href=\"mailto:prof@example.org\">la consigne</a> sur <a href=\"ftp://ftp.example.org/\">le serveur</a>",
                attachment("fiche.pdf", "https://docs.example.org/fiche.pdf"),
                attachment("corrigé.pdf", "http://docs.example.org/corrige.pdf")));

        JsonNode copy = awaitInEnt77(s -> tag.equals(s.path("title").asText()));
        assertThat(copy.path("description").asText()).isEqualTo("<p>Voir le professeur, l'archive, ceci, cela et "
                + "<a href=\"https://docs.example.org/fiche.pdf\">la fiche</a></p>");
        assertThat(copy.path("homeworks").get(0).path("description").asText()).isEqualTo("Lire la consigne sur le serveur");
        assertThat(copy.path("attachments").get(0).path("url").asText()).isEqualTo("https://docs.example.org/fiche.pdf");
        assertThat(copy.path("homeworks").get(0).path("attachments").get(0).path("url").asText())
                .isEqualTo("http://docs.example.org/corrige.pdf");
    }

    @Test
    void anAttachmentInAnotherSchemeRefusesTheChangeNamingTheAttachmentAndTheScheme() throws Exception {
        String script = "Script" + System.nanoTime();
        String scriptId = createInParis(session(script, "MATHS", "4000002", "<p>Cours</p>", "Ex. 12",
                attachment("fiche.pdf", "javascript:alert(document.cookie)"),
                attachment("corrigé.pdf", "https://docs.example.org/corrige.pdf")));
        String page = "Page" + System.nanoTime();
        String pageId = createInParis(session(page, "MATHS", "4000002", "<p>Cours</p>", "Ex. 12",
                attachment("fiche.pdf", "https://docs.example.org/fiche.pdf"),
                attachment("<b>corrigé</b>.html", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==")));
        // a session written after them reaches ENT77: the two refused ones were read (and refused) before it
        String after = "Après" + System.nanoTime();
        createInParis(session(after, "MATHS", "4000002", "<p>Cours</p>", "Ex. 12",
                attachment("fiche.pdf", "https://docs.example.org/fiche.pdf"),
                attachment("corrigé.pdf", "https://docs.example.org/corrige.pdf")));

        assertThat(awaitRejection(scriptId)).isEqualTo("séance, pièce jointe 'fiche.pdf' (url) : schéma « javascript: » "
                + "refusé, seuls http et https sont acceptés ; corrigez le lien dans l'outil d'origine");
        assertThat(awaitRejection(pageId)).isEqualTo("travail 'h1', pièce jointe 'corrigé.html' (url) : schéma « data: » "
                + "refusé, seuls http et https sont acceptés ; corrigez le lien dans l'outil d'origine");
        awaitInEnt77(s -> after.equals(s.path("title").asText()));
        for (JsonNode s : ent77Sessions()) {
            assertThat(s.path("title").asText()).isNotIn(script, page);
        }
    }
}
