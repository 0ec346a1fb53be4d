package fr.relais.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.StandardEnvironment;

import fr.relais.connector.families.CasFamily;
import fr.relais.connector.families.CasServiceFamily;
import fr.relais.connector.families.EcoleDirecteFamily;
import fr.relais.connector.families.FileExchangeFamily;
import fr.relais.connector.families.GarPublisherFamily;
import fr.relais.connector.families.NeoDiaryFamily;
import fr.relais.connector.families.OidcFamily;
import fr.relais.connector.families.Saml2Family;
import fr.relais.connector.families.SkolengoFamily;

/** The shipped catalogue: every descriptor of connectors/ loads, and the 23 ENTs of the reference are there. */
class ConnectorCatalogueTest {

    static List<Connector> catalogue;

    @BeforeAll
    static void load() {
        catalogue = new ConnectorDescriptorLoader(Path.of("connectors"), List.of(new CasFamily(), new Saml2Family(),
                new OidcFamily(), new NeoDiaryFamily(), new SkolengoFamily(), new EcoleDirecteFamily(),
                new FileExchangeFamily(), new CasServiceFamily(), new GarPublisherFamily()),
                new StandardEnvironment()).loadAll();
    }

    @Test
    void everyShippedDescriptorIsReady() {
        assertThat(catalogue).allSatisfy(c -> assertThat(c.errors()).as(c.source()).isNull());
    }

    @Test
    void theTwentyThreeEntsAreThereWithTheirProtocol() {
        Map<String, String> ents = catalogue.stream().filter(c -> c.is(fr.relais.connector.ConnectorKind.ENT))
                .collect(Collectors.toMap(Connector::id, Connector::protocol));
        assertThat(ents).hasSize(23).containsAllEntriesOf(Map.ofEntries(
                Map.entry("monbureaunumerique", "cas"), Map.entry("mon-ent-occitanie", "cas"),
                Map.entry("ent-auvergnerhonealpes", "cas"), Map.entry("eclat-bfc", "cas"), Map.entry("arsene76", "cas"),
                Map.entry("agora06", "cas"), Map.entry("webcollege93", "cas"), Map.entry("ecollege31", "cas"),
                Map.entry("netocentre", "cas"), Map.entry("e-lyco", "cas"), Map.entry("atrium-sud", "cas"),
                Map.entry("laclasse", "cas"), Map.entry("ent77", "saml2"), Map.entry("moncollege-essonne", "saml2"),
                Map.entry("parisclassenumerique", "saml2"), Map.entry("lyceeconnecte", "saml2"),
                Map.entry("enthdf", "saml2"), Map.entry("leducdenormandie", "saml2"), Map.entry("moncollege-var", "saml2"),
                Map.entry("toutatice", "saml2"), Map.entry("ent2d-bordeaux", "saml2"), Map.entry("monlycee", "oidc"),
                Map.entry("enc92", "oidc")));
        assertThat(catalogue.stream().filter(c -> c.is(fr.relais.connector.ConnectorKind.ENT)))
                .allSatisfy(c -> assertThat(c.territory()).as(c.id()).isNotBlank());
    }

    @Test
    void casTwoEntsDeclareVersionTwo() {
        for (String id : List.of("atrium-sud", "laclasse")) {
            Connector c = catalogue.stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
            assertThat(c.descriptor().at("/sso/cas/version").asText()).isEqualTo("2.0");
        }
    }

    @Test
    void nationalIdentitySourcesSpeakSaml() {
        assertThat(catalogue.stream().filter(c -> c.is(fr.relais.connector.ConnectorKind.IDENTITY)))
                .extracting(Connector::id, Connector::protocol)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("educonnect", "saml2"),
                        org.assertj.core.groups.Tuple.tuple("fim-ac-demo", "saml2"));
    }

    @Test
    void toolsAndPublishers() {
        assertThat(catalogue.stream().filter(c -> c.is(fr.relais.connector.ConnectorKind.TOOL)).map(Connector::id))
                .contains("pronote", "ecoledirecte", "neo-cahier-de-textes");
        assertThat(catalogue.stream().filter(c -> c.is(fr.relais.connector.ConnectorKind.PUBLISHER)).count()).isGreaterThanOrEqualTo(4);
        assertThat(catalogue.stream().filter(c -> c.is(fr.relais.connector.ConnectorKind.PUBLISHER)))
                .allSatisfy(p -> assertThat(p.capabilities()).contains("sso.outbound", "licence.feed"));
    }
}
