package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.directory.aaf.Uai;
import fr.relais.licence.Subscription;
import fr.relais.licence.Subscriptions;
import fr.relais.sandbox.SimulatedSamlPublisher;

/**
 * An identity source speaks only for the schools of its territory, and paid resources rest on the directory.
 * Real HTTP from a browser through Relais and the sandbox's simulated CAS ENTs (the catalogue's, plus two test
 * ENTs: one of Mayotte, one of the Rhône trusted for its claims) to the simulated publisher CNS.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "relais.data-dir=./target/it/territory")
@ActiveProfiles({"demo", "test"})
class TerritoryTrustTest {

    static final int PORT = SsoTestBase.freePort();
    static final String BASE = "http://localhost:" + PORT;
    static final String TOOL = BASE + "/sandbox/tools/pronote/";
    static final String RHONE = Uai.of(690_100);
    static final String MAYOTTE = Uai.of(9_760_001);
    static final Path CONNECTORS = Path.of("./target/it/territory-connectors");

    static {
        RelaisTestSupport.fresh("territory");
        RelaisTestSupport.delete(CONNECTORS);
        copy(Path.of("connectors"), CONNECTORS);
        copy(Path.of("src/test/resources/territory"), CONNECTORS.resolve("ent"));
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("relais.connectors.dir", () -> CONNECTORS.toString());
    }

    @Autowired
    AafImporter importer;
    @Autowired
    Subscriptions subscriptions;
    @Autowired
    SimulatedSamlPublisher publisher;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    fr.relais.audit.AuditTrail audit;

    static boolean ready;

    @BeforeEach
    void directory(@TempDir Path dir) throws Exception {
        if (ready) {
            return;
        }
        for (Path f : new AafFeedGenerator(new AafFeedGenerator.Parameters(2026, 1, 4, 5, 6, 1, 1000, "TER"))
                .writeTo(dir)) {
            importer.importFile(f, f.getFileName().toString(), "api");
        }
        // CNS sells school-wide subscriptions to the Rhône school of the directory and to a school of Mayotte;
        // Biblio Manuels (a publisher reached by CAS) to the Rhône school
        for (String uai : List.of(RHONE, MAYOTTE)) {
            subscriptions.create(new Subscription("cns", "ABO-TER-" + uai, "D", "ark:/86527/manuel-maths", "ark",
                    "Manuel", null, Instant.parse("2026-01-01T00:00:00Z"), null, null, null, true,
                    Subscription.AssignmentType.ETABL, null, null, null, null, null, null, List.of(uai),
                    List.of("ELEVE", "ENSEIGNANT", "DOCUMENTALISTE")));
        }
        subscriptions.create(new Subscription("bibliomanuels", "ABO-TER-BIBLIO", "BIBLIO_DISTRIBUTEUR", "ark:/1/biblio",
                "ark", "Biblio", null, Instant.parse("2026-01-01T00:00:00Z"), null, null, null, true,
                Subscription.AssignmentType.ETABL, null, null, null, null, null, null, List.of(RHONE), List.of("ELEVE")));
        ready = true;
    }

    /** Through the tool to the ENT, logs in there as the ENT asserting these schools; answers the tool's page. */
    private static HttpResponse<String> login(Browser b, String ent, String user, String... schools) throws Exception {
        return loginFor(TOOL, b, ent, user, schools);
    }

    /** The same, starting from a CAS service (a tool, or a publisher reached by CAS); answers the last page. */
    private static HttpResponse<String> loginFor(String service, Browser b, String ent, String user, String... schools)
            throws Exception {
        String entLogin = CasSsoTest.toEntLogin(b, "/cas/login?service=" + URLEncoder.encode(service, StandardCharsets.UTF_8)
                + "&ent=" + ent);
        Map<String, String> form = new java.util.LinkedHashMap<>(Map.of("username", user, "password", "demo",
                "service", Browser.query(entLogin, "service")));
        if (schools.length > 0) {
            form.put("uai", String.join(",", schools));
        }
        return b.follow(b.post("/sandbox/ent/" + ent + "/cas/login", form));
    }

    private static HttpResponse<String> launch(Browser b, String uai) throws Exception {
        return b.follow(b.get("/launch/cns?resource=" + URLEncoder.encode("ark:/86527/manuel-maths", StandardCharsets.UTF_8)
                + "&uai=" + uai));
    }

    /** Posts the launch's auto-POST form to the simulated publisher; answers what it received. */
    private SimulatedSamlPublisher.Received deliver(Browser b, HttpResponse<String> form) throws Exception {
        assertThat(form.statusCode()).as(form.body()).isEqualTo(200);
        String response = form.body().replaceAll("(?s).*name=\"SAMLResponse\" value=\"([^\"]+)\".*", "$1");
        int before = publisher.received.size();
        assertThat(b.post(BASE + "/sandbox/publishers/cns/acs", Map.of("SAMLResponse", response)).body())
                .contains("Signature vérifiée");
        return publisher.received.get(before);
    }

    private static String text(HttpResponse<String> page) {
        return page.body().replace("&#39;", "'");
    }

    private List<String> auditDetails(String action, String actor) throws InterruptedException {
        audit.settle();
        return jdbc.queryForList("SELECT detail FROM audit_event WHERE action = ? AND actor = ? ORDER BY seq",
                String.class, action, actor);
    }

    @Test
    void aUaiHintLeadsToTheEntThatListsTheSchoolByItsUai() throws Exception {
        Browser b = new Browser(BASE);
        HttpResponse<String> r = b.get("/sso/login?uai=9750100K");
        assertThat(Browser.location(r)).contains("/sso/login/ent-college-test?request=");
        // a school no ENT serves by prefix or by UAI: the page, with the reason
        HttpResponse<String> none = b.get("/sso/login?uai=9750101L");
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(text(none)).contains("Aucun ENT connu pour l'établissement 9750101L");
    }

    @Test
    void anEntOfMayotteCannotSpeakForAPupilOfARhoneSchool() throws Exception {
        int before = publisher.received.size();
        Browser b = new Browser(BASE);
        HttpResponse<String> tool = login(b, "ent-mayotte-test", "inconnu", RHONE);
        // the login itself stands: the ENT did authenticate someone
        assertThat(tool.statusCode()).as(tool.body()).isEqualTo(200);
        assertThat(tool.body()).contains("Connecté : jit-");
        // ... but the school it asserted outside its territory was dropped before the person was made
        assertThat(jdbc.queryForObject("SELECT schools FROM sso_account WHERE source_connector = ? AND subject = ?",
                String.class, "ent-mayotte-test", "inconnu")).isNullOrEmpty();
        assertThat(auditDetails("sso.claims.dropped", "ent-mayotte-test"))
                .anySatisfy(d -> assertThat(d).isEqualTo("établissements hors du territoire de la source ignorés : " + RHONE));

        HttpResponse<String> refused = launch(b, RHONE);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(text(refused)).contains("Accès refusé").contains("Vous êtes connecté par ENT de test – Mayotte, qui "
                + "ne dessert pas l'établissement " + RHONE).doesNotContain("SAMLResponse");
        assertThat(publisher.received).hasSize(before);
        assertThat(auditDetails("licence.decision", "cns"))
                .anySatisfy(d -> assertThat(d).startsWith("OUTSIDE_SOURCE_TERRITORY ; UAI " + RHONE));
    }

    @Test
    void aPublisherReachedByCasGetsNoTicketForWhomAnEntOfMayotteVouches() throws Exception {
        HttpResponse<String> page = loginFor(BASE + "/sandbox/tools/bibliomanuels/", new Browser(BASE), "ent-mayotte-test",
                "inconnu", RHONE);
        // the school it asserted was dropped, so no school is named: the person is simply not in the directory
        assertThat(page.statusCode()).isEqualTo(403);
        assertThat(text(page)).contains("Accès refusé").contains("Votre compte n'est pas dans l'annuaire : l'accès aux "
                + "ressources payantes passe par l'annuaire.").doesNotContain("Connecté");
    }

    @Test
    void aPupilUnknownToTheDirectoryGetsNoPaidResourceOnHerEntsWord() throws Exception {
        int before = publisher.received.size();
        Browser b = new Browser(BASE);
        HttpResponse<String> tool = login(b, "ent-auvergnerhonealpes", "inconnu", RHONE);
        assertThat(tool.body()).contains("Connecté : jit-");
        HttpResponse<String> refused = launch(b, RHONE);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(text(refused)).contains("Votre compte n'est pas dans l'annuaire de l'établissement " + RHONE
                + " : l'accès aux ressources payantes passe par l'annuaire.").doesNotContain("selon l'annuaire");
        assertThat(publisher.received).hasSize(before);
    }

    @Test
    void aSourceTrustedForItsClaimsOpensItsSchoolsResourcesToItsUnknownUsers() throws Exception {
        Browser b = new Browser(BASE);
        login(b, "ent-rhone-confiance", "inconnu", RHONE);
        SimulatedSamlPublisher.Received got = deliver(b, launch(b, RHONE));
        assertThat(got.attributes().get("UAI")).containsExactly(RHONE);
        assertThat(got.attributes().get("PRO")).containsExactly("National_elv");
        assertThat(got.nameId()).matches("[0-9a-f]{128}");
    }

    @Test
    void evenATrustedSourceSpeaksOnlyForItsTerritory() throws Exception {
        int before = publisher.received.size();
        Browser b = new Browser(BASE);
        login(b, "ent-rhone-confiance", "inconnu", MAYOTTE);
        assertThat(auditDetails("sso.claims.dropped", "ent-rhone-confiance"))
                .anySatisfy(d -> assertThat(d).isEqualTo("établissements hors du territoire de la source ignorés : " + MAYOTTE));
        HttpResponse<String> refused = launch(b, MAYOTTE);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(text(refused)).contains("qui ne dessert pas l'établissement " + MAYOTTE);
        assertThat(publisher.received).hasSize(before);
    }

    @Test
    void aDirectoryPupilWhoseEntServesNoneOfHerSchoolsLogsInButOpensNoPaidResourceThroughIt() throws Exception {
        int before = publisher.received.size();
        Browser viaAgora = new Browser(BASE);
        HttpResponse<String> tool = login(viaAgora, "agora06", "2000001");
        assertThat(tool.statusCode()).isEqualTo(200);
        assertThat(tool.body()).contains("Connecté : 2000001");
        assertThat(auditDetails("sso.login.outside-territory", "agora06"))
                .anySatisfy(d -> assertThat(d).isEqualTo("la source ne dessert aucun des établissements de la personne : "
                        + RHONE));
        HttpResponse<String> refused = launch(viaAgora, RHONE);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(text(refused)).contains("Vous êtes connecté par Agora 06, qui ne dessert pas l'établissement " + RHONE
                + " : pour ses ressources, connectez-vous par l'ENT de cet établissement.");
        assertThat(publisher.received).hasSize(before);

        // through the ENT of her school, the same pupil opens it; what her ENT asserts is not what counts
        Browser viaHerEnt = new Browser(BASE);
        login(viaHerEnt, "ent-auvergnerhonealpes", "2000001", Uai.of(690_107));
        SimulatedSamlPublisher.Received got = deliver(viaHerEnt, launch(viaHerEnt, RHONE));
        assertThat(got.attributes().get("UAI")).containsExactly(RHONE);
        HttpResponse<String> claimedOnly = launch(viaHerEnt, Uai.of(690_107));
        assertThat(claimedOnly.statusCode()).isEqualTo(403);
        assertThat(text(claimedOnly)).contains("Vous n'êtes pas inscrit dans l'établissement " + Uai.of(690_107)
                + " selon l'annuaire");
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
