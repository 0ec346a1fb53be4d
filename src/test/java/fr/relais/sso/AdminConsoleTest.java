package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import fr.relais.RelaisTestSupport;

/** The administrator's console as a French reader sees it, after logging in through its form. */
class AdminConsoleTest extends SsoTestBase {

    @Test
    void kindsAreInFrenchAndImportsStartInParisTime() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> form = b.get("/login");
        String csrf = form.body().replaceAll("(?s).*name=\"_csrf\" value=\"([^\"]+)\".*", "$1");
        HttpResponse<String> console = b.follow(b.post("/login", Map.of("username", "admin", "password",
                RelaisTestSupport.ADMIN_PASSWORD, "_csrf", csrf)));
        assertThat(console.statusCode()).isEqualTo(200);
        String page = console.body();
        assertThat(page).contains("<h2>Connecteurs</h2>").contains("<td>ENT</td>").contains("<td>outil</td>")
                .contains("<td>éditeur</td>").contains("<td>service d&#39;identité</td>")
                .doesNotContain("<td>publisher</td>").doesNotContain("<td>tool</td>");
        // the import this test class's directory came from: started at a moment shown in Paris time, in French
        Instant started = jdbc.queryForObject("SELECT started_at FROM directory_import ORDER BY started_at DESC, id DESC "
                + "LIMIT 1", java.sql.Timestamp.class).toInstant();
        String paris = DateTimeFormatter.ofPattern("d MMMM yyyy 'à' HH:mm:ss", Locale.FRENCH)
                .withZone(ZoneId.of("Europe/Paris")).format(started);
        assertThat(page).contains("<th>Début (heure de Paris)</th>").contains("<td>" + paris + "</td>")
                .doesNotContain("<td>" + started.toString().substring(0, 19));
        assertThat(paris).matches("\\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
                + "novembre|décembre) \\d{4} à \\d{2}:\\d{2}:\\d{2}");
    }

    @Test
    void replayingADeadLetterThatIsGoneSaysSoInFrench() throws Exception {
        Browser b = new Browser(BASE);
        String csrf = b.get("/login").body().replaceAll("(?s).*name=\"_csrf\" value=\"([^\"]+)\".*", "$1");
        b.follow(b.post("/login", Map.of("username", "admin", "password", RelaisTestSupport.ADMIN_PASSWORD, "_csrf",
                csrf)));
        String page = b.get("/admin/cahier-de-textes").body();
        String token = page.replaceAll("(?s).*name=\"_csrf\" value=\"([^\"]+)\".*", "$1");
        HttpResponse<String> replay = b.post("/admin/cahier-de-textes/lettres-mortes/inconnue/rejouer",
                Map.of("_csrf", token));
        assertThat(replay.statusCode()).isEqualTo(302);
        assertThat(Browser.location(replay)).endsWith("/admin/cahier-de-textes?introuvable");
        assertThat(b.follow(replay).body()).contains("Cette lettre morte n'existe plus");
    }
}
