package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The {@code service} of /cas/login is matched once normalised (RFC 3986, 5.2.4), and a path a tool could read
 * otherwise than Relais (encoded dot segments or separators, backslashes) is refused: a ticket, which carries
 * name and birth date, must only ever reach the page the tool's pattern names.
 */
class CasServiceUrlTest extends SsoTestBase {

    private static final String UNREGISTERED = "L&#39;application qui vous a envoyé ici n&#39;est pas déclarée auprès "
            + "de Relais : aucune connexion ne lui est transmise.";
    private static final String AMBIGUOUS = "L&#39;adresse de l&#39;application qui vous a envoyé ici contient un "
            + "segment de chemin encodé (%2e, %2f, %5c) ou une barre oblique inverse : elle pourrait désigner une autre "
            + "page que celle déclarée auprès de Relais, aucune connexion ne lui est transmise.";

    private Browser loggedIn() throws Exception {
        Browser b = new Browser(BASE);
        CasSsoTest.loginAt(b, CasSsoTest.toEntLogin(b, "/cas/login?service=" + encode(TOOL) + "&ent=agora06"),
                "4000002");
        return b;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private int tickets() {
        return jdbc.queryForObject("SELECT COUNT(*) FROM cas_service_ticket", Integer.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // climbs out of Pronote's folder: normalised, it is Relais' own portal, which no pattern names
            "../../../sso/portail|UNREGISTERED",
            "%2e%2e/%2e%2e/%2e%2e/sso/portail|AMBIGUOUS",
            "%2E./%2E./%2E./sso/portail|AMBIGUOUS",
            ".%2e/.%2e/.%2e/sso/portail|AMBIGUOUS",
            "%2e/eleves|AMBIGUOUS",
            "..%2f..%2f..%2fsso/portail|AMBIGUOUS",
            "..%5c..%5c..%5csso/portail|AMBIGUOUS",
            "..\\..\\..\\sso\\portail|AMBIGUOUS",
            "eleves\\notes|AMBIGUOUS"})
    void aServiceWhosePathLeavesOrBlursThePatternGetsAnErrorPageAndNoTicket(String tail, String outcome)
            throws Exception {
        Browser b = loggedIn();
        int before = tickets();
        HttpResponse<String> r = b.get("/cas/login?service=" + encode(TOOL + tail));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Location")).isEmpty();
        assertThat(r.body()).contains("Service non autorisé")
                .contains("UNREGISTERED".equals(outcome) ? UNREGISTERED : AMBIGUOUS).doesNotContain("ticket=");
        assertThat(tickets()).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"./", "eleves/../", "eleves/./../.", "./eleves/../?x=1"})
    void literalDotSegmentsAreRemovedAndTheTicketIsBoundToTheNormalisedUrl(String tail) throws Exception {
        Browser b = loggedIn();
        String normalised = TOOL + (tail.contains("?") ? tail.substring(tail.indexOf('?')) : "");
        HttpResponse<String> r = b.get("/cas/login?service=" + encode(TOOL + tail));
        assertThat(r.statusCode()).isEqualTo(302);
        String location = Browser.location(r);
        assertThat(location).startsWith(normalised + (normalised.contains("?") ? "&" : "?") + "ticket=ST-");
        String ticket = Browser.query(location, "ticket");
        assertThat(jdbc.queryForObject("SELECT service FROM cas_service_ticket WHERE id = ?", String.class, ticket))
                .isEqualTo(normalised);
    }

    @Test
    void aValidationWithTheUnnormalisedUrlFailsAndConsumesTheTicket() throws Exception {
        Browser b = loggedIn();
        String unnormalised = TOOL + "eleves/../";
        String ticket = Browser.query(Browser.location(b.get("/cas/login?service=" + encode(unnormalised))), "ticket");
        String refused = new Browser(BASE).get("/cas/p3/serviceValidate?service=" + encode(unnormalised)
                + "&ticket=" + ticket).body();
        assertThat(refused).contains("<cas:authenticationFailure code=\"INVALID_SERVICE\">")
                .contains("délivré pour un autre service").doesNotContain("<cas:user>");
        assertThat(new Browser(BASE).get("/cas/p3/serviceValidate?service=" + encode(TOOL) + "&ticket=" + ticket)
                .body()).contains("code=\"INVALID_TICKET\"");
        // the normalised URL, the one the tool itself sees, validates a fresh ticket
        String fresh = Browser.query(Browser.location(b.get("/cas/login?service=" + encode(unnormalised))), "ticket");
        assertThat(new Browser(BASE).get("/cas/p3/serviceValidate?service=" + encode(TOOL) + "&ticket=" + fresh)
                .body()).contains("<cas:user>4000002</cas:user>");
    }

    @Test
    void theLoginThroughTheEntAlsoLandsOnTheNormalisedUrl() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> page = CasSsoTest.loginAt(b, CasSsoTest.toEntLogin(b, "/cas/login?service="
                + encode(TOOL + "eleves/../") + "&ent=agora06"), "2000001");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.uri().toString()).startsWith(TOOL + "?ticket=ST-");
        assertThat(page.body()).contains("Connecté : 2000001");
    }
}
