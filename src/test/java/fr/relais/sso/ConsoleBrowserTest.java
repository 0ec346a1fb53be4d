package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import fr.relais.RelaisTestSupport;

/**
 * The console in Chromium, as an administrator uses it: the login form, the connectors page and its "Tester"
 * button, the cahier de textes page; by keyboard first (the skip link). Each page's screenshot is saved under
 * {@code target/screenshots/} for review.
 */
class ConsoleBrowserTest extends SsoTestBase {

    WebDriver browser;
    WebDriverWait wait;

    @BeforeEach
    void start() throws Exception {
        browser = Chromium.start();
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        browser.get(BASE + "/admin");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys("admin");
        browser.findElement(By.id("password")).sendKeys(RelaisTestSupport.ADMIN_PASSWORD);
        browser.findElement(By.id("password")).submit();
        wait.until(ExpectedConditions.titleIs("Relais – administration : connecteurs et imports"));
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theConnectionTestRunsFromItsButtonAndReportsInFrench() throws Exception {
        // keyboard first: the first Tab reaches the skip link, which leads to the page's content
        browser.findElement(By.tagName("body")).sendKeys(Keys.TAB);
        WebElement skip = browser.switchTo().activeElement();
        assertThat(skip.getText()).isEqualTo("Aller au contenu");
        assertThat(skip.getAttribute("href")).endsWith("#contenu");
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Connecteurs et imports");
        Chromium.screenshot(browser, "console-connecteurs.png");

        // a CAS ENT of the sandbox: its row has the button; a publisher's has none (no test for that family)
        WebElement row = browser.findElement(By.xpath("//tr[td[1][normalize-space()='agora06']]"));
        assertThat(browser.findElements(By.xpath("//tr[td[1][normalize-space()='cns']]//button"))).isEmpty();
        row.findElement(By.xpath(".//button[normalize-space()='Tester']")).click();

        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("resultat")));
        assertThat(browser.getTitle()).startsWith("Relais – test de connexion : ");
        assertThat(browser.findElement(By.id("resultat")).getText()).startsWith("Réussi")
                .contains("vérification(s)").contains("(heure de Paris)");
        List<String> results = browser.findElements(By.cssSelector("tbody tr td:nth-child(2)")).stream()
                .map(WebElement::getText).toList();
        assertThat(results).isNotEmpty().allMatch(r -> r.equals("OK") || r.equals("Attention"));
        Chromium.screenshot(browser, "console-test-de-connexion.png");
    }

    @Test
    void theCahierDeTextesPageShowsEachClassAndToolInFrench() throws Exception {
        browser.findElement(By.linkText("Cahier de textes")).click();
        wait.until(ExpectedConditions.titleIs("Relais – administration : cahier de textes"));
        assertThat(browser.findElement(By.cssSelector("nav a[aria-current='page']")).getText())
                .isEqualTo("Cahier de textes");
        String page = browser.findElement(By.id("contenu")).getText();
        // the demo plan: its school named, its classes, its tools by name and direction in words, no raw code
        assertThat(page).contains("Classe ").contains("séance(s)").contains("lu et écrit")
                .contains("Séances en attente").contains("Lettres mortes")
                .doesNotContain("\"tool\"").doesNotContain("half_open").doesNotContain("BOTH");
        assertThat(browser.findElements(By.cssSelector("main h2")).get(0).getText()).matches(".+ \\(\\d{7}[A-Z]\\)");
        List<String> polls = browser.findElements(By.cssSelector("caption + thead + tbody tr td:nth-child(3)"))
                .stream().map(WebElement::getText).toList();
        assertThat(polls).isNotEmpty().allMatch(p -> p.equals("jamais") || p.matches("\\d{1,2} \\p{L}+ \\d{4} à \\d{2}:\\d{2}:\\d{2}"));
        Chromium.screenshot(browser, "console-cahier-de-textes.png");
    }

    @Test
    void theAuditPageShowsTheChainAndAPersonsEventsInFrench() throws Exception {
        // an administrator reads a person through the API: one audit event about that person
        String person = "audit-" + System.nanoTime();
        java.net.http.HttpResponse<String> read = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create(BASE + "/api/directory/persons/" + person)).header("Authorization",
                        "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + RelaisTestSupport.ADMIN_PASSWORD)
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).isEqualTo(404);
        browser.findElement(By.linkText("Audit")).click();
        wait.until(ExpectedConditions.titleIs("Relais – administration : journal d’audit"));
        assertThat(browser.findElements(By.id("chaine"))).as("vérifiée sur demande seulement").isEmpty();
        browser.findElement(By.id("verifier")).click();
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("chaine"))).getText())
                .startsWith("Chaîne intacte").contains("heure de Paris");
        browser.findElement(By.id("personne")).sendKeys(person, Keys.ENTER);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("caption"), person));
        List<WebElement> cells = browser.findElements(By.cssSelector("tbody tr:first-child td"));
        assertThat(cells.get(2).getText()).isEqualTo("directory.person.read");
        assertThat(cells.get(3).getText()).isEqualTo("admin");
        assertThat(cells.get(4).getText()).isEqualTo(person);
        assertThat(cells.get(7).getText()).isEqualTo("effectué");
        assertThat(cells.get(1).getText()).matches("\\d{1,2} \\p{L}+ \\d{4} à \\d{2}:\\d{2}:\\d{2}");
        Chromium.screenshot(browser, "console-audit.png");
    }

    @Test
    void theLicencesPageShowsExpiringSubscriptionsAndLaunchesWithoutPublishersFigures() throws Exception {
        // a launch of a publisher's resource in the demo's first school, as the SAML IdP records it
        String session = "console-" + System.nanoTime();
        jdbc.update("INSERT INTO sso_session (id, person_id, source_connector, subject, renewed, created_at, last_seen_at) "
                + "VALUES (?, 'p', 'agora06', 's', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", session);
        jdbc.update("INSERT INTO saml_assertion_issued (id, session_id, publisher_id, resource_id, uai, issued_at) VALUES "
                + "(?, ?, 'cns', 'ark:/86527/manuel-maths', '0690100J', CURRENT_TIMESTAMP)", session, session);
        long launches = jdbc.queryForObject("SELECT COUNT(*) FROM saml_assertion_issued WHERE uai = '0690100J'", Long.class);
        browser.findElement(By.linkText("Licences")).click();
        wait.until(ExpectedConditions.titleIs("Relais – administration : licences"));
        String page = browser.findElement(By.id("contenu")).getText();
        assertThat(page).contains("Abonnements arrivant à échéance").contains("Lancements de ressources")
                .contains("sans détail par éditeur ni par produit").doesNotContain("cns");
        WebElement school = browser.findElement(By.xpath("//caption[.='Par établissement']/..//tr[td[1][contains(., "
                + "'(0690100J)')]]"));
        assertThat(school.findElement(By.xpath("td[1]")).getText()).matches(".+ \\(0690100J\\)");
        assertThat(school.findElement(By.xpath("td[2]")).getText()).isEqualTo(String.valueOf(launches));
        Chromium.screenshot(browser, "console-licences.png");
    }

    @Test
    void aClassLessonsAndALessonsHistoryAreListed() throws Exception {
        // a lesson of the demo plan's class, in two versions from two tools, copied into one of them
        String id = java.util.UUID.randomUUID().toString();
        String title = "Les fractions " + System.nanoTime();
        String doc = "{\"school\":\"0690100J\",\"audience\":\"6A\",\"subject\":\"MATHEMATIQUES\",\"teacher\":"
                + "\"Mme Martin\",\"date\":\"2026-09-14\",\"start\":\"08:00:00\",\"end\":\"08:55:00\",\"title\":\""
                + title + "\",\"content\":\"%s\",\"homework\":[],\"attachments\":[],\"published\":true,\"visaBy\":null}";
        java.sql.Timestamp t1 = java.sql.Timestamp.from(java.time.Instant.parse("2026-09-14T06:10:00Z"));
        java.sql.Timestamp t2 = java.sql.Timestamp.from(java.time.Instant.parse("2026-09-14T17:30:00Z"));
        jdbc.update("INSERT INTO classlog_entry (id, school, audience, subject, teacher, lesson_date, document, version, "
                + "deleted, source_tool, modified_at) VALUES (?, '0690100J', '6A', 'MATHEMATIQUES', 'Mme Martin', "
                + "DATE '2026-09-14', ?, 2, FALSE, 'neo-cahier-de-textes-77', ?)", id, String.format(doc, "Exercices 1 à 4"), t2);
        String history = "INSERT INTO classlog_history (entry_id, version, document, deleted, source_tool, modified_at, "
                + "recorded_at, conflict_lost) VALUES (?, ?, ?, FALSE, ?, ?, ?, FALSE)";
        jdbc.update(history, id, 1, String.format(doc, "Exercice 1"), "neo-cahier-de-textes", t1, t1);
        jdbc.update(history, id, 2, String.format(doc, "Exercices 1 à 4"), "neo-cahier-de-textes-77", t2, t2);
        browser.findElement(By.linkText("Cahier de textes")).click();
        wait.until(ExpectedConditions.titleIs("Relais – administration : cahier de textes"));
        browser.findElement(By.linkText("voir les séances de 6A")).click();
        wait.until(ExpectedConditions.titleIs("Relais – cahier de textes : classe 6A"));
        WebElement row = browser.findElement(By.xpath("//tr[td/a[normalize-space()='" + title + "']]"));
        assertThat(row.findElement(By.xpath("td[1]")).getText()).isEqualTo("lundi 14 septembre 2026");
        assertThat(row.findElement(By.xpath("td[2]")).getText()).isEqualTo("08:00");
        assertThat(row.findElement(By.xpath("td[7]")).getText()).isEqualTo("14 septembre 2026 à 19:30:00 dans "
                + "Cahier de textes NEO (ENT77)");
        Chromium.screenshot(browser, "console-seances-de-la-classe.png");
        row.findElement(By.linkText(title)).click();
        wait.until(ExpectedConditions.titleIs("Relais – séance : " + title));
        assertThat(browser.findElement(By.id("seance")).getText())
                .isEqualTo("Classe 6A, établissement 0690100J, lundi 14 septembre 2026 à 08:00 ; version 2");
        List<WebElement> versions = browser.findElements(By.xpath("//h2[.='Versions']/following-sibling::table[1]/tbody/tr"));
        assertThat(versions).hasSize(2);
        assertThat(versions.get(0).getText()).contains("2").contains("Cahier de textes NEO (ENT77)")
                .contains("14 septembre 2026 à 19:30:00").contains("Exercices 1 à 4");
        assertThat(versions.get(1).getText()).contains("Cahier de textes NEO (Paris Classe Numérique)")
                .contains("14 septembre 2026 à 08:10:00").contains("Exercice 1");
        Chromium.screenshot(browser, "console-historique-de-seance.png");
        jdbc.update("DELETE FROM classlog_history WHERE entry_id = ?", id);
        jdbc.update("DELETE FROM classlog_entry WHERE id = ?", id);
    }
}
