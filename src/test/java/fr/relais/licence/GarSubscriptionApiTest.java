package fr.relais.licence;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.web.server.LocalServerPort;

import fr.relais.directory.DirectoryTestBase;
import fr.relais.directory.aaf.AafFiles;
import fr.relais.directory.aaf.Uai;

/**
 * The GAR subscription web service as a publisher's client uses it: PUT / POST / DELETE / GET with GAR's XML
 * documents, over real HTTP, and every rule with its answer.
 */
class GarSubscriptionApiTest extends DirectoryTestBase {

    static final String SCHOOL = Uai.of(594_001);
    static final String CNS = "demo-cle-cns";
    static final String KNE = "demo-cle-kne";

    @LocalServerPort
    int port;
    @TempDir
    Path dir;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void school() throws Exception {
        if (directory.structure(SCHOOL).isEmpty()) {
            importer.importFile(AafFiles.write(dir, "etab.xml", AafFiles.HEAD
                    + AafFiles.school("8501", SCHOOL, "19598501000000", "COLLÈGE DES ABONNEMENTS", "3A") + AafFiles.TAIL),
                    "etab.xml", "api");
        }
    }

    private HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/gar/abonnement" + path))
                .header("Content-Type", "application/xml")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("X-Relais-Api-Key", key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String doc(String id, String extra) {
        return "<abonnement xmlns=\"http://www.atosworldline.com/wsabonnement/v1.0/\">"
                + "<idAbonnement>" + id + "</idAbonnement>"
                + "<idDistributeurCom>CNS_DISTRIBUTEUR</idDistributeurCom>"
                + "<idRessource>ark:/86527/maths-3e</idRessource><typeIdRessource>ark</typeIdRessource>"
                + "<libelleRessource>Mathématiques 3e</libelleRessource>"
                + "<debutValidite>2026-09-01T00:00:00</debutValidite><finValidite>2027-08-31T23:59:59</finValidite>"
                + "<uaiEtab>" + SCHOOL + "</uaiEtab>"
                + "<categorieAffectation>transferable</categorieAffectation><typeAffectation>INDIV</typeAffectation>"
                + "<nbLicenceEleve>30</nbLicenceEleve><nbLicenceEnseignant>ILLIMITE</nbLicenceEnseignant>"
                + "<publicCible>ELEVE</publicCible><publicCible>ENSEIGNANT</publicCible>" + extra + "</abonnement>";
    }

    @Test
    void createUpdateListDelete() throws Exception {
        HttpResponse<String> created = call("PUT", "/ABO-CNS-1", CNS, doc("ABO-CNS-1", ""));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("<nbLicenceEnseignant>ILLIMITE</nbLicenceEnseignant>")
                .contains("<uaiEtab>" + SCHOOL + "</uaiEtab>");
        assertThat(call("PUT", "/ABO-CNS-1", CNS, doc("ABO-CNS-1", "")).statusCode()).isEqualTo(409);

        HttpResponse<String> updated = call("POST", "/ABO-CNS-1", CNS, doc("ABO-CNS-1", "")
                .replace("<uaiEtab>" + SCHOOL + "</uaiEtab>", "").replace(">30<", ">45<"));
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(updated.body()).contains("<nbLicenceEleve>45</nbLicenceEleve>").contains("<uaiEtab>" + SCHOOL);

        String filters = "<filtres><filtre><filtreNom>idRessource</filtreNom><filtreValeur>ark:/86527/maths-3e"
                + "</filtreValeur></filtre><filtre><filtreNom>uaiEtab</filtreNom><filtreValeur>" + SCHOOL
                + "</filtreValeur></filtre></filtres>";
        HttpResponse<String> list = call("GET", "/abonnements", CNS, filters);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).startsWith("<abonnements").contains("<idAbonnement>ABO-CNS-1</idAbonnement>");

        assertThat(call("DELETE", "/ABO-CNS-1", CNS, null).statusCode()).isEqualTo(204);
        assertThat(call("DELETE", "/ABO-CNS-1", CNS, null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/abonnements", CNS, filters).body()).doesNotContain("ABO-CNS-1");
    }

    @Test
    void aPublisherNeverSeesAnothersSubscriptions() throws Exception {
        assertThat(call("PUT", "/ABO-CNS-2", CNS, doc("ABO-CNS-2", "")).statusCode()).isEqualTo(201);
        HttpResponse<String> update = call("POST", "/ABO-CNS-2", KNE, doc("ABO-CNS-2", "").replace("<uaiEtab>" + SCHOOL
                + "</uaiEtab>", "").replace("CNS_DISTRIBUTEUR", "KNE_DISTRIBUTEUR"));
        assertThat(update.statusCode()).isEqualTo(404);
        assertThat(update.body()).doesNotContain("maths");
        assertThat(call("DELETE", "/ABO-CNS-2", KNE, null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/abonnements", KNE, "").body()).doesNotContain("ABO-CNS-2");
        assertThat(call("GET", "/abonnements", CNS, "").body()).contains("ABO-CNS-2");
    }

    @Test
    void unauthenticatedCallsAreRefused() throws Exception {
        HttpResponse<String> none = call("GET", "/abonnements", null, "");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("<regle>authentification</regle>");
        assertThat(call("PUT", "/X", "mauvaise-cle", doc("X", "")).statusCode()).isEqualTo(401);
    }

    @Test
    void everyFaultIsNamedAndNothingIsStored() throws Exception {
        String bad = doc("ABO-BAD", "<codeProjetRessource>" + "x".repeat(51) + "</codeProjetRessource><inconnu>1</inconnu>")
                .replace("<finValidite>2027-08-31T23:59:59</finValidite>", "<finValidite>2025-01-01T00:00:00</finValidite>")
                .replace("<uaiEtab>" + SCHOOL + "</uaiEtab>", "<uaiEtab>0000001A</uaiEtab><uaiEtab>" + Uai.of(599_999) + "</uaiEtab>")
                .replace("transferable", "parfois").replace(">INDIV<", ">CLASSE<").replace(">30<", ">-3<")
                .replace("<publicCible>ELEVE</publicCible>", "<publicCible>PARENT</publicCible>")
                .replace("CNS_DISTRIBUTEUR", "AUTRE_DISTRIBUTEUR").replace("<libelleRessource>Mathématiques 3e</libelleRessource>", "");
        HttpResponse<String> r = call("PUT", "/ABO-BAD", CNS, bad);
        assertThat(r.statusCode()).isEqualTo(400);
        for (String fault : new String[] {
                "<champ>inconnu</champ><regle>element-inconnu</regle>",
                "<champ>idDistributeurCom</champ><regle>distributeur-authentifie</regle>",
                "<champ>libelleRessource</champ><regle>obligatoire</regle>",
                "<champ>codeProjetRessource</champ><regle>longueur-max</regle>",
                "<champ>finValidite</champ><regle>apres-debutValidite</regle>",
                "<champ>uaiEtab</champ><regle>format-uai</regle>",
                "<champ>uaiEtab</champ><regle>etablissement-connu</regle>",
                "<champ>categorieAffectation</champ><regle>enumeration</regle>",
                "<champ>typeAffectation</champ><regle>enumeration</regle>",
                "<champ>nbLicenceEleve</champ><regle>nombre-ou-illimite</regle>",
                "<champ>publicCible</champ><regle>enumeration</regle>"}) {
            assertThat(r.body()).contains(fault);
        }
        assertThat(call("GET", "/abonnements", CNS, "").body()).doesNotContain("ABO-BAD");
    }

    @Test
    void otherRulesOfGar() throws Exception {
        assertThat(call("PUT", "/ABO-URL", CNS, doc("ABO-AUTRE", "")).body()).contains("<regle>egal-url</regle>");
        assertThat(call("PUT", "/" + "A".repeat(46), CNS, doc("A".repeat(46), "")).body()).contains("<regle>longueur-max</regle>");
        assertThat(call("PUT", "/ABO-NOUAI", CNS, doc("ABO-NOUAI", "").replace("<uaiEtab>" + SCHOOL + "</uaiEtab>", "")).body())
                .contains("<champ>uaiEtab</champ><regle>obligatoire</regle>");
        assertThat(call("PUT", "/ABO-INDIV", CNS, doc("ABO-INDIV", "").replace("<nbLicenceEleve>30</nbLicenceEleve>", "")
                .replace("<nbLicenceEnseignant>ILLIMITE</nbLicenceEnseignant>", "")).body()).contains("<regle>indiv-compte</regle>");
        assertThat(call("PUT", "/ABO-DATE", CNS, doc("ABO-DATE", "").replace("2026-09-01T00:00:00", "1er septembre")).body())
                .contains("<champ>debutValidite</champ><regle>format-date</regle>");
        assertThat(call("PUT", "/ABO-U", CNS, doc("ABO-U", "")).statusCode()).isEqualTo(201);
        assertThat(call("POST", "/ABO-U", CNS, doc("ABO-U", "")).body()).contains("<regle>interdit-en-mise-a-jour</regle>");
        assertThat(call("POST", "/ABO-INCONNU", CNS, doc("ABO-INCONNU", "")).statusCode()).isEqualTo(404);
    }

    @Test
    void hostileDocumentsAreRefused() throws Exception {
        HttpResponse<String> doctype = call("PUT", "/ABO-XXE", CNS, "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM "
                + "\"file:///etc/passwd\">]>" + doc("ABO-XXE", "<commentaireAbonnement>&x;</commentaireAbonnement>"));
        assertThat(doctype.statusCode()).isEqualTo(400);
        assertThat(doctype.body()).contains("DOCTYPE interdit");
        HttpResponse<String> big = call("PUT", "/ABO-BIG", CNS, doc("ABO-BIG", "<commentaireAbonnement>"
                + "x".repeat(70_000) + "</commentaireAbonnement>"));
        assertThat(big.statusCode()).isEqualTo(413);
        HttpResponse<String> broken = call("PUT", "/ABO-BRK", CNS, "<abonnement><idAbonnement>");
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(broken.body()).contains("<regle>xml</regle>");
        assertThat(call("GET", "/abonnements", CNS, "").body()).doesNotContain("ABO-XXE").doesNotContain("ABO-BIG");
    }

    @Test
    void schoolsListIsGarShaped() throws Exception {
        HttpResponse<String> r = call("GET", "/etablissements/etablissements.xml", CNS, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("<etablissements>").contains("<uai>" + SCHOOL + "</uai>");
    }
}
