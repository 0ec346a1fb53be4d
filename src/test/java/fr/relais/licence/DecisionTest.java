package fr.relais.licence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.DirectoryTestBase;
import fr.relais.directory.Person;
import fr.relais.directory.aaf.AafFiles;
import fr.relais.directory.aaf.Uai;
import fr.relais.licence.EntitlementDecision.Allowed;
import fr.relais.licence.EntitlementDecision.Denied;
import fr.relais.licence.EntitlementDecision.Reason;

/** Every denial reason, the counting rules, transfer rules and leaving pupils, against the real directory. */
class DecisionTest extends DirectoryTestBase {

    static final String SCHOOL = Uai.of(596_001);
    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @Autowired
    SubscriptionDecisions decisions;
    @Autowired
    Subscriptions subscriptions;
    @Autowired
    TestRestTemplate http;
    @Autowired
    ObjectMapper json;
    @TempDir
    Path dir;

    static boolean ready;

    @BeforeEach
    void school() throws Exception {
        if (ready) {
            return;
        }
        StringBuilder b = new StringBuilder(AafFiles.HEAD).append(AafFiles.school("8601", SCHOOL, "19598601000000",
                "COLLÈGE DES LICENCES", "4A", "4B"));
        for (int i = 1; i <= 4; i++) {
            b.append(AafFiles.pupil("addRequest", "860100" + i, "ÉLÈVE" + i, "A", "8601", "8601$4A"));
        }
        b.append(AafFiles.pupil("addRequest", "8601009", "PARENT", "P", "8601", null)
                .replace("<value>Eleve</value>", "<value>PersRelEleve</value>"));
        importer.importFile(AafFiles.write(dir, "ecole.xml", b.append(AafFiles.TAIL).toString()), "ecole.xml", "api");
        ready = true;
    }

    private Subscription subscription(String id, Subscription.AssignmentType type, boolean transferable, Integer pupils,
                                      Instant from, Instant until, List<String> audiences) {
        Subscription s = new Subscription("cns", id, "CNS_DISTRIBUTEUR", "ark:/1/" + id, "ark", id, null, from, until,
                null, null, transferable, type, null, pupils, null, null, null, null, List.of(SCHOOL), audiences);
        subscriptions.delete("cns", id);
        subscriptions.create(s);
        return s;
    }

    private EntitlementDecision decide(String jointure, String resource) {
        Person p = directory.person(jointure).orElseThrow();
        return decisions.decide(p.jointure(), p.profiles(), p.schools(), SCHOOL, "cns", resource, NOW);
    }

    private static Reason reason(EntitlementDecision d) {
        assertThat(d).isInstanceOf(Denied.class);
        return ((Denied) d).reason();
    }

    @Test
    void denialReasons() {
        assertThat(reason(decide("8601001", "ark:/1/rien"))).isEqualTo(Reason.NO_SUBSCRIPTION);
        subscription("EXP", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(86400 * 400),
                NOW.minusSeconds(86400), List.of("ELEVE"));
        assertThat(reason(decide("8601001", "ark:/1/EXP"))).isEqualTo(Reason.EXPIRED);
        subscription("FUT", Subscription.AssignmentType.ETABL, true, null, NOW.plusSeconds(86400), null, List.of("ELEVE"));
        assertThat(reason(decide("8601001", "ark:/1/FUT"))).isEqualTo(Reason.NOT_YET_VALID);
        subscription("ENS", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(60), null, List.of("ENSEIGNANT"));
        assertThat(reason(decide("8601001", "ark:/1/ENS"))).isEqualTo(Reason.AUDIENCE_NOT_COVERED);
        subscription("ALL", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(60), null,
                List.of("ELEVE", "ENSEIGNANT", "DOCUMENTALISTE", "AUTRE PERSONNEL"));
        assertThat(reason(decide("8601009", "ark:/1/ALL"))).isEqualTo(Reason.AUDIENCE_NOT_COVERED);
        Person pupil = directory.person("8601001").orElseThrow();
        assertThat(reason(decisions.decide(pupil.jointure(), pupil.profiles(), pupil.schools(), Uai.of(690_100), "cns",
                "ark:/1/ALL", NOW))).isEqualTo(Reason.NOT_IN_SCHOOL);
        subscription("IND0", Subscription.AssignmentType.INDIV, true, 10, NOW.minusSeconds(60), null, List.of("ELEVE"));
        assertThat(reason(decide("8601001", "ark:/1/IND0"))).isEqualTo(Reason.NOT_ASSIGNED);
        assertThat(((Denied) decide("8601001", "ark:/1/IND0")).message()).contains("ne vous l'a pas attribuée");
    }

    private static Requester.Source source(String name, boolean trustClaims, String... uaiPrefixes) {
        return new Requester.Source("ent-test", name, new fr.relais.connector.Territory(false, List.of(uaiPrefixes),
                List.of()), trustClaims);
    }

    private EntitlementDecision launch(String personId, List<String> claimedSchools, Requester.Source source,
                                       String uai) {
        return decisions.decide(new Requester(personId, List.of("National_ELV"), claimedSchools, source), uai, "cns",
                "ark:/1/TER", NOW);
    }

    @Test
    void aPersonUnknownToTheDirectoryOpensNothingPaidUnlessTheSourceIsTrustedForItsClaims() {
        subscription("TER", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(60), null, List.of("ELEVE"));
        EntitlementDecision untrusted = launch("jit-ter", List.of(SCHOOL), source("ENT du Nord", false, "059"), SCHOOL);
        assertThat(reason(untrusted)).isEqualTo(Reason.NOT_IN_DIRECTORY);
        assertThat(((Denied) untrusted).message()).isEqualTo("Votre compte n'est pas dans l'annuaire de l'établissement "
                + SCHOOL + " : l'accès aux ressources payantes passe par l'annuaire. Demandez au secrétariat de votre "
                + "établissement de vérifier votre inscription.");
        Requester.Source trusted = source("ENT du Nord", true, "059");
        assertThat(launch("jit-ter", List.of(SCHOOL), trusted, SCHOOL)).isInstanceOf(Allowed.class);
        // the refusal says on whose word the person's schools were taken
        EntitlementDecision notClaimed = launch("jit-ter", List.of(Uai.of(596_002)), trusted, SCHOOL);
        assertThat(reason(notClaimed)).isEqualTo(Reason.NOT_IN_SCHOOL);
        assertThat(((Denied) notClaimed).message()).startsWith("Vous n'êtes pas inscrit dans l'établissement " + SCHOOL
                + " selon ENT du Nord : ");
    }

    @Test
    void aPersonOfTheDirectoryIsDecidedOnTheDirectoryWhateverTheSourceClaims() {
        subscription("TER", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(60), null, List.of("ELEVE"));
        Requester.Source trusted = source("ENT du Nord", true, "059");
        // claims of another school and of a teacher's profile do not move a pupil of SCHOOL
        assertThat(decisions.decide(new Requester("8601001", List.of("National_ENS"), List.of(Uai.of(596_002)), trusted),
                SCHOOL, "cns", "ark:/1/TER", NOW)).isInstanceOf(Allowed.class);
        EntitlementDecision claimed = launch("8601001", List.of(Uai.of(596_002)), trusted, Uai.of(596_002));
        assertThat(reason(claimed)).isEqualTo(Reason.NOT_IN_SCHOOL);
        assertThat(((Denied) claimed).message()).contains(" selon l'annuaire : ");
    }

    @Test
    void noSchoolOutsideTheSourcesTerritoryIsOpenedThroughIt() {
        subscription("TER", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(60), null, List.of("ELEVE"));
        EntitlementDecision d = launch("8601001", List.of(SCHOOL), source("ENT de Mayotte", true, "976"), SCHOOL);
        assertThat(reason(d)).isEqualTo(Reason.OUTSIDE_SOURCE_TERRITORY);
        assertThat(((Denied) d).message()).isEqualTo("Vous êtes connecté par ENT de Mayotte, qui ne dessert pas "
                + "l'établissement " + SCHOOL + " : pour ses ressources, connectez-vous par l'ENT de cet établissement.");
        assertThat(launch("8601001", List.of(), new Requester.Source("educonnect", "ÉduConnect",
                new fr.relais.connector.Territory(true, List.of(), List.of()), false), SCHOOL)).isInstanceOf(Allowed.class);
    }

    @Autowired
    fr.relais.audit.AuditTrail audit;

    @Test
    void everyDecisionIsAudited() throws Exception {
        decide("8601002", "ark:/1/jamais-vendue");
        long deadline = System.currentTimeMillis() + 5000;
        while (audit.latest(20, "8601002").stream().noneMatch(e -> e.action().equals("licence.decision")
                && e.detail().startsWith("NO_SUBSCRIPTION")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(audit.latest(20, "8601002")).anySatisfy(e -> {
            assertThat(e.action()).isEqualTo("licence.decision");
            assertThat(e.outcome()).isEqualTo(fr.relais.audit.AuditTrail.Outcome.REFUSED);
            assertThat(e.detail()).startsWith("NO_SUBSCRIPTION ; UAI " + SCHOOL + " ; ressource ark:/1/jamais-vendue");
        });
        assertThat(audit.verify()).isEmpty();
    }

    @Test
    void schoolWideSubscriptionsEntitleTheAudienceUncountedUntilTheirEnd() {
        Instant end = NOW.plusSeconds(86400 * 200);
        subscription("ETABL", Subscription.AssignmentType.ETABL, false, 1, NOW.minusSeconds(60), end, List.of("ELEVE"));
        for (int i = 1; i <= 4; i++) {
            assertThat(decide("860100" + i, "ark:/1/ETABL")).isEqualTo(new Allowed(end));
        }
    }

    private ResponseEntity<String> assign(String subscription, String type, String target) {
        return http.withBasicAuth("admin", RelaisTestSupport.ADMIN_PASSWORD).postForEntity("/api/licences/assignments",
                java.util.Map.of("publisher", "cns", "subscription", subscription, "uai", SCHOOL, "type", type,
                        "target", target), String.class);
    }

    @Test
    void aClassAssignmentTakesOneLicencePerPupilAndRefusesWhenNoneRemain() throws Exception {
        subscription("CLASSE", Subscription.AssignmentType.INDIV, true, 2, NOW.minusSeconds(60), null, List.of("ELEVE"));
        assertThat(assign("CLASSE", "CLASS", "4A").getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(decide("8601001", "ark:/1/CLASSE")).isInstanceOf(Allowed.class);
        assertThat(decide("8601001", "ark:/1/CLASSE")).isInstanceOf(Allowed.class);
        assertThat(decide("8601002", "ark:/1/CLASSE")).isInstanceOf(Allowed.class);
        assertThat(reason(decide("8601003", "ark:/1/CLASSE"))).isEqualTo(Reason.NO_LICENCE_LEFT);
        JsonNode counts = json.readTree(http.withBasicAuth("admin", RelaisTestSupport.ADMIN_PASSWORD)
                .getForObject("/api/licences/assignments?publisher=cns&subscription=CLASSE", String.class));
        assertThat(counts.at("/licences/ELEVE/limit").asInt()).isEqualTo(2);
        assertThat(counts.at("/licences/ELEVE/used").asInt()).isEqualTo(2);
        assertThat(counts.at("/licences/ELEVE/remaining").asInt()).isZero();
        assertThat(counts.at("/assignments/0/target").asText()).isEqualTo("4A");
    }

    @Test
    void aPupilWhoLeavesLosesAccessAndFreesTheLicenceOnlyWhenTransferable() throws Exception {
        subscription("TRANS", Subscription.AssignmentType.INDIV, true, 1, NOW.minusSeconds(60), null, List.of("ELEVE"));
        subscription("FIXE", Subscription.AssignmentType.INDIV, false, 1, NOW.minusSeconds(60), null, List.of("ELEVE"));
        assign("TRANS", "CLASS", "4A");
        assign("FIXE", "CLASS", "4A");
        assertThat(decide("8601004", "ark:/1/TRANS")).isInstanceOf(Allowed.class);
        assertThat(decide("8601004", "ark:/1/FIXE")).isInstanceOf(Allowed.class);
        // pupil 8601004 leaves the school: the AAF removes them
        importer.importFile(AafFiles.write(dir, "depart.xml", AafFiles.HEAD + "<deleteRequest><operationalAttributes><attr "
                + "name=\"categoriePersonne\"><value>Eleve</value></attr></operationalAttributes><identifier><id>8601004"
                + "</id></identifier></deleteRequest>\n" + AafFiles.TAIL), "depart.xml", "api");
        assertThat(decisions.decide("8601004", List.of("National_ELV"), List.of(), SCHOOL, "cns", "ark:/1/TRANS", NOW))
                .extracting(d -> ((Denied) d).reason()).isEqualTo(Reason.NOT_IN_SCHOOL);
        assertThat(decide("8601003", "ark:/1/TRANS")).isInstanceOf(Allowed.class);
        assertThat(reason(decide("8601003", "ark:/1/FIXE"))).isEqualTo(Reason.NO_LICENCE_LEFT);
        ready = false;
    }

    @Autowired
    Pseudonyms pseudonyms;

    /** The publishers' check API, as a publisher calls it. */
    private String check(String ido, String resource) {
        org.springframework.http.HttpHeaders headers = new org.springframework.http.HttpHeaders();
        headers.set("X-Relais-Api-Key", "demo-cle-cns");
        return http.exchange("/gar/entitlements?ido={ido}&idRessource={r}&uai={uai}", org.springframework.http.HttpMethod.GET,
                new org.springframework.http.HttpEntity<>(headers), String.class, ido, resource, SCHOOL).getBody();
    }

    @Test
    void aPupilMovedToAnotherSchoolIsRefusedByTheVeryNextCheck() throws Exception {
        subscription("MOVE", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(60), null, List.of("ELEVE"));
        pseudonyms.remember("cns", "ido-move-8601003", "8601003");
        // read (and kept) before the import
        assertThat(check("ido-move-8601003", "ark:/1/MOVE")).contains("\"autorise\"");
        assertThat(check("ido-move-8601003", "ark:/1/MOVE")).contains("\"autorise\"");
        importer.importFile(AafFiles.write(dir, "mutation.xml", AafFiles.HEAD + AafFiles.school("8602", Uai.of(596_002),
                "19598602000000", "COLLÈGE VOISIN", "5A") + AafFiles.pupil("addRequest", "8601003", "ÉLÈVE3", "A", "8602",
                "8602$5A") + AafFiles.TAIL), "mutation.xml", "api");
        assertThat(check("ido-move-8601003", "ark:/1/MOVE")).contains("\"refuse\"").contains("NOT_IN_SCHOOL");
        assertThat(directory.person("8601003").orElseThrow().schools()).containsExactly(Uai.of(596_002));
        ready = false;
    }

    @Test
    void aSchoolWhoseUaiChangesIsSeenByTheNextCheck() throws Exception {
        subscription("UAI", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(60), null, List.of("ELEVE"));
        pseudonyms.remember("cns", "ido-uai-8601001", "8601001");
        assertThat(check("ido-uai-8601001", "ark:/1/UAI")).contains("\"autorise\"");
        importer.importFile(AafFiles.write(dir, "uai.xml", AafFiles.HEAD + AafFiles.school("8601", Uai.of(596_003),
                "19598601000000", "COLLÈGE DES LICENCES", "4A", "4B") + AafFiles.TAIL), "uai.xml", "api");
        assertThat(check("ido-uai-8601001", "ark:/1/UAI")).contains("NOT_IN_SCHOOL");
        assertThat(directory.person("8601001").orElseThrow().schools()).containsExactly(Uai.of(596_003));
        ready = false;
    }

    @Test
    void anIdoUnknownAtFirstIsResolvedOnceHandedOut() {
        subscription("IDO", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(60), null, List.of("ELEVE"));
        assertThat(check("ido-later-8601002", "ark:/1/IDO")).contains("identifiant IDO inconnu");
        pseudonyms.remember("cns", "ido-later-8601002", "8601002");
        assertThat(check("ido-later-8601002", "ark:/1/IDO")).contains("\"autorise\"");
    }

    @Test
    void aNewChangedOrDeletedSubscriptionIsSeenByTheNextDecision() {
        assertThat(reason(decide("8601002", "ark:/1/NEW"))).isEqualTo(Reason.NO_SUBSCRIPTION);
        Subscription s = subscription("NEW", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(60), null,
                List.of("ELEVE"));
        assertThat(decide("8601002", "ark:/1/NEW")).isInstanceOf(Allowed.class);
        subscriptions.update(new Subscription(s.publisherId(), s.id(), s.distributorId(), s.resourceId(),
                s.resourceIdType(), s.resourceLabel(), s.comment(), s.validFrom(), s.validUntil(), s.schoolYearEnd(),
                s.uaiNature(), s.transferable(), s.assignmentType(), s.nbTeacher(), s.nbPupil(), s.nbLibrarian(),
                s.nbOther(), s.nbGlobal(), s.projectCode(), s.schools(), List.of("ENSEIGNANT")));
        assertThat(reason(decide("8601002", "ark:/1/NEW"))).isEqualTo(Reason.AUDIENCE_NOT_COVERED);
        subscriptions.delete("cns", "NEW");
        assertThat(reason(decide("8601002", "ark:/1/NEW"))).isEqualTo(Reason.NO_SUBSCRIPTION);
    }

    @Test
    void aNewAssignmentIsSeenByTheNextDecision() {
        subscription("ASSIGN", Subscription.AssignmentType.INDIV, true, 10, NOW.minusSeconds(60), null, List.of("ELEVE"));
        assertThat(reason(decide("8601001", "ark:/1/ASSIGN"))).isEqualTo(Reason.NOT_ASSIGNED);
        assertThat(assign("ASSIGN", "PERSON", "8601001").getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(decide("8601001", "ark:/1/ASSIGN")).isInstanceOf(Allowed.class);
    }

    @Test
    void personAndUnlimitedAssignments() {
        subscription("PERS", Subscription.AssignmentType.INDIV, true, Subscription.UNLIMITED, NOW.minusSeconds(60), null,
                List.of("ELEVE"));
        assign("PERS", "PERSON", "8601002");
        assertThat(decide("8601002", "ark:/1/PERS")).isInstanceOf(Allowed.class);
        assertThat(reason(decide("8601001", "ark:/1/PERS"))).isEqualTo(Reason.NOT_ASSIGNED);
    }

    @Test
    void levelAndSubjectAssignments() throws Exception {
        subscription("NIVEAU", Subscription.AssignmentType.INDIV, true, 10, NOW.minusSeconds(60), null, List.of("ELEVE"));
        assign("NIVEAU", "LEVEL", "10210001110");
        assertThat(reason(decide("8601001", "ark:/1/NIVEAU"))).isEqualTo(Reason.NOT_ASSIGNED);
        importer.importFile(AafFiles.write(dir, "mef.xml", AafFiles.HEAD + "<modifyRequest><operationalAttributes><attr "
                + "name=\"categoriePersonne\"><value>Eleve</value></attr></operationalAttributes><identifier><id>8601001"
                + "</id></identifier><attributes><attr name=\"ENTEleveMEF\"><value>10210001110</value></attr></attributes>"
                + "</modifyRequest>\n" + AafFiles.TAIL), "mef.xml", "api");
        assertThat(decide("8601001", "ark:/1/NIVEAU")).isInstanceOf(Allowed.class);
        subscription("MATIERE", Subscription.AssignmentType.INDIV, true, null, NOW.minusSeconds(60), null, List.of("ENSEIGNANT"));
        subscriptions.delete("cns", "MATIERE");
        subscriptions.create(new Subscription("cns", "MATIERE", "CNS_DISTRIBUTEUR", "ark:/1/MATIERE", "ark", "m", null,
                NOW.minusSeconds(60), null, null, null, true, Subscription.AssignmentType.INDIV, 5, null, null, null, null,
                null, List.of(SCHOOL), List.of("ENSEIGNANT")));
        assign("MATIERE", "SUBJECT", "061300");
        importer.importFile(AafFiles.write(dir, "prof.xml", AafFiles.HEAD + "<addRequest><operationalAttributes><attr "
                + "name=\"categoriePersonne\"><value>PersEducNat</value></attr></operationalAttributes><identifier><id>"
                + "8601050</id></identifier><attributes><attr name=\"sn\"><value>PROF</value></attr>"
                + "<attr name=\"ENTPersonStructRattach\"><value>8601</value></attr>"
                + "<attr name=\"ENTPersonFonctions\"><value>8601$ENS$ENSEIGNEMENT$L1300$MATHEMATIQUES</value></attr>"
                + "<attr name=\"ENTAuxEnsClassesMatieres\"><value>8601$4A$061300</value></attr></attributes></addRequest>\n"
                + AafFiles.TAIL), "prof.xml", "api");
        assertThat(decide("8601050", "ark:/1/MATIERE")).isInstanceOf(Allowed.class);
        ready = false;
    }

    @Test
    void assignmentsAreValidated() {
        subscription("ETAB2", Subscription.AssignmentType.ETABL, true, null, NOW.minusSeconds(60), null, List.of("ELEVE"));
        ResponseEntity<String> etabl = assign("ETAB2", "CLASS", "4A");
        assertThat(etabl.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(etabl.getBody()).contains("rien à attribuer");
        subscription("IND2", Subscription.AssignmentType.INDIV, true, 3, NOW.minusSeconds(60), null, List.of("ELEVE"));
        assertThat(assign("IND2", "SALLE", "4A").getBody()).contains("type : attendu PERSON, CLASS, GROUP, LEVEL");
        assertThat(assign("INCONNU", "CLASS", "4A").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    }
}
