package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apereo.cas.client.validation.Assertion;
import org.apereo.cas.client.validation.Cas30ServiceTicketValidator;
import org.apereo.cas.client.validation.TicketValidationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.sandbox.SimulatedCasTool;

/** One running Relais (demo profile, sandbox simulators, a small generated directory) on a known port, for the SSO tests. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "relais.data-dir=./target/it/sso-cas")
@ActiveProfiles({"demo", "test"})
abstract class SsoTestBase {

    protected static final int PORT = freePort();
    protected static final String BASE = "http://localhost:" + PORT;
    protected static final String TOOL = BASE + "/sandbox/tools/pronote/";

    static {
        RelaisTestSupport.fresh("sso-cas");
    }

    @DynamicPropertySource
    static void port(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
    }

    @Autowired
    protected AafImporter importer;
    @Autowired
    protected JdbcTemplate jdbc;
    @Autowired
    protected SimulatedCasTool tool;
    @Autowired
    protected fr.relais.licence.Subscriptions subscriptions;
    @Autowired
    protected fr.relais.sandbox.SimulatedSamlPublisher samlPublisher;

    /**
     * The conformance kit's second half: from a logged-in browser, the médiacentre's link to the demo publisher
     * for the test school; answers the page status and, when allowed, what the publisher received.
     */
    protected java.util.Optional<fr.relais.sandbox.SimulatedSamlPublisher.Received> launchPublisher(Browser b)
            throws Exception {
        java.net.http.HttpResponse<String> form = b.follow(b.get("/launch/cns?resource="
                + java.net.URLEncoder.encode("ark:/86527/manuel-maths", "UTF-8") + "&uai=" + fr.relais.directory.aaf.Uai.of(690_100)));
        if (form.statusCode() != 200) {
            return java.util.Optional.empty();
        }
        String response = form.body().replaceAll("(?s).*name=\"SAMLResponse\" value=\"([^\"]+)\".*", "$1");
        int before = samlPublisher.received.size();
        java.net.http.HttpResponse<String> page = b.post(BASE + "/sandbox/publishers/cns/acs", java.util.Map.of("SAMLResponse", response));
        org.assertj.core.api.Assertions.assertThat(page.body()).contains("Signature vérifiée");
        return java.util.Optional.of(samlPublisher.received.get(before));
    }

    protected static void assertGarPupil(fr.relais.sandbox.SimulatedSamlPublisher.Received got) {
        org.assertj.core.api.Assertions.assertThat(got.nameId()).matches("[0-9a-f]{128}");
        org.assertj.core.api.Assertions.assertThat(got.attributes().get("PRO")).containsExactly("National_elv");
        org.assertj.core.api.Assertions.assertThat(got.attributes().get("UAI"))
                .containsExactly(fr.relais.directory.aaf.Uai.of(690_100));
        org.assertj.core.api.Assertions.assertThat(got.attributes()).doesNotContainKeys("nom", "prenom", "dateNaissance");
        // the test school's pupils are in 6e..3e: MEFSTAT4 2111, 2112, 2115 or 2116
        org.assertj.core.api.Assertions.assertThat(got.attributes().get("P_MS4")).singleElement().asString()
                .matches("211[1256]");
    }

    private static boolean imported;

    @BeforeAll
    static void none() {
    }

    @org.junit.jupiter.api.BeforeEach
    void directory(@TempDir Path dir) throws Exception {
        if (!imported) {
            for (Path f : new AafFeedGenerator(new AafFeedGenerator.Parameters(2026, 1, 4, 5, 6, 1, 1000, "SSO"))
                    .writeTo(dir)) {
                importer.importFile(f, f.getFileName().toString(), "api");
            }
            // CNS and KNE sell the school a school-wide subscription for pupils, teachers and librarians
            for (String publisher : java.util.List.of("cns", "kne-educadhoc")) {
                subscriptions.create(new fr.relais.licence.Subscription(publisher, "ABO-SSO-" + publisher, "D",
                        "ark:/86527/manuel-maths", "ark", "Manuel", null, java.time.Instant.parse("2026-01-01T00:00:00Z"),
                        null, null, null, true, fr.relais.licence.Subscription.AssignmentType.ETABL, null, null, null,
                        null, null, null, java.util.List.of(fr.relais.directory.aaf.Uai.of(690_100)),
                        java.util.List.of("ELEVE", "ENSEIGNANT", "DOCUMENTALISTE")));
            }
            imported = true;
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

}
