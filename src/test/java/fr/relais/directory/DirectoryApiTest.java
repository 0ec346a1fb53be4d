package fr.relais.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;

import fr.relais.RelaisTestSupport;

/** The admin API over real HTTP, as an administrator (or a stranger) would call it. */
class DirectoryApiTest extends DirectoryTestBase {

    @Autowired
    TestRestTemplate http;
    @Autowired
    ObjectMapper json;

    private TestRestTemplate admin() {
        return http.withBasicAuth("admin", RelaisTestSupport.ADMIN_PASSWORD);
    }

    private static HttpEntity<LinkedMultiValueMap<String, Object>> files(String... nameThenContent) {
        LinkedMultiValueMap<String, Object> body = new LinkedMultiValueMap<>();
        for (int i = 0; i < nameThenContent.length; i += 2) {
            String name = nameThenContent[i];
            body.add("file", new ByteArrayResource(nameThenContent[i + 1].getBytes(Charset.forName("ISO-8859-15"))) {
                @Override
                public String getFilename() {
                    return name;
                }
            });
        }
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        return new HttpEntity<>(body, headers);
    }

    private static String school(String jointure, int number) {
        return "<addRequest><operationalAttributes><attr name=\"categorieStructure\"><value>EtabEducNat</value></attr>"
                + "</operationalAttributes><identifier><id>" + jointure + "</id></identifier><attributes>"
                + "<attr name=\"ENTStructureUAI\"><value>" + String.format("%07d%c", number, "ABCDEFGHJKLMNPRSTUVWXYZ".charAt(number % 23))
                + "</value></attr><attr name=\"ENTStructureNomCourant\"><value>ÉCOLE API</value></attr>"
                + "<attr name=\"ENTStructureTypeStruct\"><value>CLG</value></attr><attr name=\"ENTStructureSIREN\"><value>1959"
                + jointure + "000000</value></attr><attr name=\"ENTStructureClasses\"><value>4B$4EME B</value></attr>"
                + "</attributes></addRequest>\n";
    }

    private static String pupil(String id, String jointure, String guardian) {
        return "<addRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>Eleve</value></attr>"
                + "</operationalAttributes><identifier><id>" + id + "</id></identifier><attributes>"
                + "<attr name=\"sn\"><value>DUPRÉ</value></attr><attr name=\"givenName\"><value>Zoé</value></attr>"
                + "<attr name=\"ENTPersonStructRattach\"><value>" + jointure + "</value></attr>"
                + "<attr name=\"ENTEleveClasses\"><value>" + jointure + "$4B</value></attr>"
                + "<attr name=\"ENTEleveGroupes\"><value>" + jointure + "$G-LATIN</value></attr>"
                + "<attr name=\"ENTElevePersRelEleve\"><value>" + guardian + "$10$1$1$1$1</value></attr>"
                + "</attributes></addRequest>\n";
    }

    @Test
    void uploadOfSeveralFilesAnswersOneReportEach() throws Exception {
        ResponseEntity<String> response = admin().postForEntity("/api/directory/imports",
                files("ENT_API_Delta_EtabEducNat_0000.xml", "<ficAlimMENESR>" + school("8301", 593001) + "</ficAlimMENESR>",
                        "ENT_API_Delta_Eleve_0000.xml", "<ficAlimMENESR>" + pupil("8301001", "8301", "8301900") + "</ficAlimMENESR>"),
                String.class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        JsonNode reports = json.readTree(response.getBody());
        assertThat(reports).hasSize(2);
        assertThat(reports.get(0).path("file").asText()).isEqualTo("ENT_API_Delta_EtabEducNat_0000.xml");
        assertThat(reports.get(0).path("added").asInt()).isEqualTo(1);
        assertThat(reports.get(1).path("added").asInt()).isEqualTo(1);
        assertThat(reports.get(1).path("rejections")).isEmpty();

        JsonNode person = json.readTree(admin().getForObject("/api/directory/persons/8301001", String.class));
        assertThat(person.path("jointure").asText()).isEqualTo("8301001");
        assertThat(person.path("lastName").asText()).isEqualTo("DUPRÉ");
        assertThat(person.path("firstName").asText()).isEqualTo("Zoé");
        assertThat(person.path("profiles").toString()).isEqualTo("[\"National_ELV\"]");
        String uai = String.format("%07d%c", 593001, "ABCDEFGHJKLMNPRSTUVWXYZ".charAt(593001 % 23));
        assertThat(person.path("schools").toString()).isEqualTo("[\"" + uai + "\"]");
        assertThat(person.path("classes").toString()).isEqualTo("[\"4B\"]");
        assertThat(person.path("groups").toString()).isEqualTo("[\"G-LATIN\"]");
        assertThat(person.path("guardians").toString()).isEqualTo("[\"8301900\"]");

        JsonNode structure = json.readTree(admin().getForObject("/api/directory/structures/" + uai, String.class));
        assertThat(structure.path("uai").asText()).isEqualTo(uai);
        assertThat(structure.path("name").asText()).isEqualTo("ÉCOLE API");
        assertThat(structure.path("type").asText()).isEqualTo("CLG");
        assertThat(structure.path("classes").toString()).isEqualTo("[\"4B\"]");
        assertThat(structure.path("persons").path("National_ELV").asInt()).isEqualTo(1);

        JsonNode history = json.readTree(admin().getForObject("/api/directory/imports", String.class));
        assertThat(history.get(0).path("file").asText()).isEqualTo("ENT_API_Delta_Eleve_0000.xml");
        assertThat(history.get(0).path("source").asText()).isEqualTo("api");
    }

    @Test
    void unusableUploadAnswers422WithTheReason() throws Exception {
        ResponseEntity<String> response = admin().postForEntity("/api/directory/imports",
                files("vide.xml", ""), String.class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.UNPROCESSABLE_ENTITY);
        JsonNode report = json.readTree(response.getBody()).get(0);
        assertThat(report.path("file").asText()).isEqualTo("vide.xml");
        assertThat(report.path("status").asText()).isEqualTo("error");
        assertThat(report.path("error").asText()).isEqualTo("fichier vide (0 octet) : rien à importer");
    }

    @Test
    void uploadWithoutFileFieldIsABadRequest() throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        LinkedMultiValueMap<String, Object> body = new LinkedMultiValueMap<>();
        body.add("autre", "x");
        ResponseEntity<String> response = admin().postForEntity("/api/directory/imports", new HttpEntity<>(body, headers), String.class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(json.readTree(response.getBody()).path("message").asText()).contains("'file'");
    }

    @Test
    void unknownPersonAndStructureAre404WithAJsonError() throws Exception {
        ResponseEntity<String> person = admin().getForEntity("/api/directory/persons/0000000", String.class);
        assertThat(person.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        JsonNode error = json.readTree(person.getBody());
        assertThat(error.path("status").asInt()).isEqualTo(404);
        assertThat(error.path("message").asText()).isEqualTo("Aucune personne de jointure '0000000' dans l'annuaire");
        assertThat(error.path("path").asText()).isEqualTo("/api/directory/persons/0000000");

        ResponseEntity<String> structure = admin().getForEntity("/api/directory/structures/9999999Z", String.class);
        assertThat(structure.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(json.readTree(structure.getBody()).path("message").asText())
                .isEqualTo("Aucun établissement d'UAI '9999999Z' dans l'annuaire");
    }

    @Test
    void apiNeedsTheAdministrator() {
        for (String path : List.of("/api/directory/persons/1", "/api/connectors", "/api/directory/imports", "/actuator/prometheus")) {
            assertThat(http.getForEntity(path, String.class).getStatusCode()).as(path).isEqualTo(HttpStatus.UNAUTHORIZED);
            assertThat(http.withBasicAuth("admin", "wrong").getForEntity(path, String.class).getStatusCode()).as(path)
                    .isEqualTo(HttpStatus.UNAUTHORIZED);
        }
        assertThat(admin().getForEntity("/actuator/prometheus", String.class).getBody()).contains("jvm_memory_used_bytes");
    }

    @Test
    void healthIsPublicAndNamesItsParts() throws Exception {
        ResponseEntity<String> response = http.getForEntity("/actuator/health", String.class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        JsonNode components = json.readTree(response.getBody()).path("components");
        for (String part : List.of("db", "jms", "ldap", "connectors")) {
            assertThat(components.path(part).path("status").asText()).as(part).isEqualTo("UP");
        }
        JsonNode detailed = json.readTree(admin().getForObject("/actuator/health", String.class));
        assertThat(detailed.at("/components/connectors/details/ready").asInt()).isEqualTo(37);
        assertThat(detailed.at("/components/connectors/details/quarantined").asInt()).isZero();
    }

    @Test
    void connectorsAreListedWithTheirFields() throws Exception {
        JsonNode all = json.readTree(admin().getForObject("/api/connectors", String.class));
        assertThat(all).hasSize(37);
        JsonNode agora = json.readTree(admin().getForObject("/api/connectors/agora06", String.class));
        assertThat(agora.path("id").asText()).isEqualTo("agora06");
        assertThat(agora.path("name").asText()).isEqualTo("Agora 06");
        assertThat(agora.path("kind").asText()).isEqualTo("ent");
        assertThat(agora.path("family").asText()).isEqualTo("cas");
        assertThat(agora.path("protocol").asText()).isEqualTo("cas");
        assertThat(agora.path("territory").asText()).isEqualTo("Alpes-Maritimes");
        assertThat(agora.path("capabilities").toString()).isEqualTo("[\"sso.inbound\",\"test\"]");
        assertThat(agora.path("status").asText()).isEqualTo("ready");
        assertThat(agora.has("errors")).isFalse();
        ResponseEntity<String> missing = admin().getForEntity("/api/connectors/nope", String.class);
        assertThat(missing.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(json.readTree(missing.getBody()).path("message").asText())
                .isEqualTo("Aucun connecteur 'nope' : la liste est sur GET /api/connectors");
    }

    @Test
    void everyResponseCarriesACorrelationId() {
        HttpHeaders headers = new HttpHeaders();
        headers.set("X-Correlation-Id", "demande-42");
        ResponseEntity<String> given = http.exchange("/actuator/health", org.springframework.http.HttpMethod.GET,
                new HttpEntity<>(headers), String.class);
        assertThat(given.getHeaders().getFirst("X-Correlation-Id")).isEqualTo("demande-42");
        ResponseEntity<String> generated = http.getForEntity("/actuator/health", String.class);
        assertThat(generated.getHeaders().getFirst("X-Correlation-Id")).matches("[0-9a-f-]{36}");
    }

    @Test
    void adminPagesUseAFrenchLoginForm() {
        ResponseEntity<String> page = http.getForEntity("/admin", String.class);
        // the test client follows the redirect to the login form
        assertThat(page.getBody()).contains("Console d'administration").contains("Mot de passe");
    }
}
