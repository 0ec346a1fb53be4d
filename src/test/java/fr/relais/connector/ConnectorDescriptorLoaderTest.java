package fr.relais.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.env.StandardEnvironment;

import fr.relais.connector.families.CasFamily;
import fr.relais.connector.families.FileExchangeFamily;
import fr.relais.connector.families.GarPublisherFamily;
import fr.relais.connector.families.Saml2Family;

class ConnectorDescriptorLoaderTest {

    @TempDir
    Path tmp;
    Path root;

    private static final String AGORA = """
            id: agora06
            name: Agora 06
            kind: ent
            family: cas
            territory: Alpes-Maritimes
            capabilities: [sso.inbound, test]
            sso:
              cas:
                serverUrl: https://cas.agora06.fr
            uaiPrefixes: ["006"]
            """;

    @BeforeEach
    void folders() throws IOException {
        root = tmp.resolve("connectors");
        Files.createDirectories(root.resolve("ent"));
        Files.createDirectories(root.resolve("tools"));
        Files.createDirectories(root.resolve("publishers"));
    }

    private List<Connector> load() {
        return new ConnectorDescriptorLoader(root, List.of(new CasFamily(), new Saml2Family(), new FileExchangeFamily(),
                new GarPublisherFamily()), new StandardEnvironment()).loadAll();
    }

    private Connector only(String folder, String file, String yaml) throws IOException {
        Files.writeString(root.resolve(folder).resolve(file), yaml);
        List<Connector> all = load();
        assertThat(all).hasSize(1);
        return all.get(0);
    }

    @Test
    void validDescriptorIsReady() throws IOException {
        Connector c = only("ent", "agora06.yaml", AGORA);
        assertThat(c.status()).isEqualTo("ready");
        assertThat(c.errors()).isNull();
        assertThat(c.protocol()).isEqualTo("cas");
        assertThat(c.capabilities()).containsExactly("sso.inbound", "test");
    }

    @Test
    void httpServerUrlIsRefusedWithTheExactMessage() throws IOException {
        Connector c = only("ent", "agora06.yaml", AGORA.replace("https://cas.agora06.fr", "http://cas.agora06.fr"));
        assertThat(c.status()).isEqualTo("quarantined");
        assertThat(c.errors()).containsExactly(
                "connectors/ent/agora06.yaml: sso.cas.serverUrl: must be an absolute https URL, found 'http://cas.agora06.fr'");
    }

    @Test
    void relativeUrlIsRefused() throws IOException {
        Connector c = only("ent", "agora06.yaml", AGORA.replace("https://cas.agora06.fr", "cas.agora06.fr/login"));
        assertThat(c.errors()).containsExactly(
                "connectors/ent/agora06.yaml: sso.cas.serverUrl: must be an absolute https URL, found 'cas.agora06.fr/login'");
    }

    @Test
    void unknownFamilyIsNamedWithTheKnownOnes() throws IOException {
        Connector c = only("ent", "agora06.yaml", AGORA.replace("family: cas", "family: carrier-pigeon"));
        assertThat(c.status()).isEqualTo("quarantined");
        assertThat(c.errors()).contains("connectors/ent/agora06.yaml: family: unknown family 'carrier-pigeon' "
                + "(known: cas, saml2, file-exchange, gar-publisher)");
    }

    @Test
    void missingRequiredFieldsAreEachReported() throws IOException {
        Connector c = only("ent", "agora06.yaml", AGORA.replace("name: Agora 06\n", "")
                .replace("territory: Alpes-Maritimes\n", "").replace("    serverUrl: https://cas.agora06.fr\n", "    version: \"3.0\"\n"));
        assertThat(c.errors()).containsExactlyInAnyOrder(
                "connectors/ent/agora06.yaml: name: is required",
                "connectors/ent/agora06.yaml: territory: is required for an ENT",
                "connectors/ent/agora06.yaml: sso.cas.serverUrl: is required");
    }

    @Test
    void unknownCapabilityIsRefused() throws IOException {
        Connector c = only("ent", "agora06.yaml", AGORA.replace("[sso.inbound, test]", "[sso.inbound, sso.telepathy]"));
        assertThat(c.errors()).containsExactly("connectors/ent/agora06.yaml: capabilities: unknown capability "
                + "'sso.telepathy' (known: sso.inbound, sso.outbound, classlog.read, classlog.write, classlog.delete, "
                + "directory.import, licence.feed, test)");
    }

    @Test
    void capabilityTheFamilyDoesNotOfferIsRefused() throws IOException {
        Connector c = only("ent", "agora06.yaml", AGORA.replace("[sso.inbound, test]", "[sso.inbound, classlog.write]"));
        assertThat(c.errors()).containsExactly("connectors/ent/agora06.yaml: capabilities: 'classlog.write' is not "
                + "offered by family 'cas' (it offers: sso.inbound, test)");
    }

    @Test
    void yamlSyntaxErrorGivesTheLine() throws IOException {
        Connector c = only("ent", "agora06.yaml", AGORA.replace("sso:\n  cas:", "sso:\n  cas: [unclosed\n  other:"));
        assertThat(c.status()).isEqualTo("quarantined");
        assertThat(c.errors()).hasSize(1);
        assertThat(c.errors().get(0)).startsWith("connectors/ent/agora06.yaml: YAML syntax error at line 9");
        assertThat(c.id()).isEqualTo("agora06");
    }

    @Test
    void duplicateIdQuarantinesTheSecondAndKeepsTheFirst() throws IOException {
        Files.writeString(root.resolve("ent").resolve("agora06.yaml"), AGORA);
        Files.writeString(root.resolve("tools").resolve("agora06.yaml"), """
                id: agora06
                name: Agora outil
                kind: tool
                family: file-exchange
                capabilities: [classlog.read]
                classlog:
                  dropFolder: ./data/x
                  format: csv
                """);
        List<Connector> all = load();
        assertThat(all).extracting(Connector::source, Connector::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("connectors/ent/agora06.yaml", "ready"),
                org.assertj.core.groups.Tuple.tuple("connectors/tools/agora06.yaml", "quarantined"));
        assertThat(all.get(1).errors()).containsExactly("connectors/tools/agora06.yaml: id: 'agora06' is already "
                + "used by connectors/ent/agora06.yaml; ids must be unique across connectors/");
    }

    @Test
    void idMustMatchFileNameAndKindItsFolder() throws IOException {
        Connector c = only("tools", "agora.yaml", AGORA);
        assertThat(c.errors()).containsExactlyInAnyOrder(
                "connectors/tools/agora.yaml: id: 'agora06' must match the file name 'agora'",
                "connectors/tools/agora.yaml: kind: a connector of kind 'ent' belongs in connectors/ent/");
    }

    @Test
    void anIdentitySourceMustSayWhichSchoolsItSpeaksFor() throws IOException {
        Connector none = only("ent", "agora06.yaml", AGORA.replace("uaiPrefixes: [\"006\"]\n", ""));
        assertThat(none.errors()).containsExactly("connectors/ent/agora06.yaml: uaiPrefixes: an identity source must "
                + "say which schools it speaks for: uaiPrefixes (beginnings of UAIs, such as \"069\"), uais (a list of "
                + "UAIs), or national: true");
        Connector listed = only("ent", "agora06.yaml", AGORA.replace("uaiPrefixes: [\"006\"]", "uais: [0060001U, 0060002V]"));
        assertThat(listed.status()).isEqualTo("ready");
        Connector national = only("ent", "agora06.yaml", AGORA.replace("uaiPrefixes: [\"006\"]", "national: true"));
        assertThat(national.status()).isEqualTo("ready");
        assertThat(Territory.of(national).serves("9760001X")).isTrue();
        assertThat(Territory.of(listed).serves("0060001U")).isTrue();
        assertThat(Territory.of(listed).serves("0060003W")).isFalse();
    }

    @Test
    void territoryAndTrustSettingsAreChecked() throws IOException {
        Connector c = only("ent", "agora06.yaml", AGORA.replace("uaiPrefixes: [\"006\"]",
                "uaiPrefixes: [6]\nuais: [0060001B]\nnational: true").replace("sso:\n", "sso:\n  trustClaims: yes please\n"));
        assertThat(c.status()).isEqualTo("quarantined");
        assertThat(c.errors()).containsExactlyInAnyOrder(
                "connectors/ent/agora06.yaml: sso.trustClaims: must be true or false, found 'yes please'",
                "connectors/ent/agora06.yaml: uaiPrefixes: '6' is not the beginning of a UAI: 1 to 7 digits in quotes, "
                        + "such as \"069\" for the Rhône",
                "connectors/ent/agora06.yaml: uais: '0060001B' has a wrong control letter (expected 0060001U)",
                "connectors/ent/agora06.yaml: national: a national source serves every school: remove uaiPrefixes and "
                        + "uais, or national");
        Connector notUai = only("ent", "agora06.yaml", AGORA.replace("uaiPrefixes: [\"006\"]", "uais: [\"06-0001\"]"));
        assertThat(notUai.errors()).containsExactly("connectors/ent/agora06.yaml: uais: '06-0001' is not a UAI (7 digits "
                + "and a control letter, such as 0690100J)");
        assertThat(only("ent", "agora06.yaml", AGORA.replace("sso:\n", "sso:\n  trustClaims: true\n")).status())
                .isEqualTo("ready");
    }

    @Test
    void unknownTopLevelFieldIsReported() throws IOException {
        Connector c = only("ent", "agora06.yaml", AGORA + "serverUrl: https://typo.example\n");
        assertThat(c.errors()).hasSize(1);
        assertThat(c.errors().get(0)).startsWith("connectors/ent/agora06.yaml: serverUrl: unknown field (allowed: ");
    }

    @Test
    void unsetPlaceholderIsReportedAndDefaultIsUsed() throws IOException {
        Connector withDefault = only("ent", "agora06.yaml",
                AGORA.replace("https://cas.agora06.fr", "${relais.test.never-set:https://cas.agora06.fr}"));
        assertThat(withDefault.isReady()).isTrue();
        assertThat(withDefault.descriptor().at("/sso/cas/serverUrl").asText()).isEqualTo("https://cas.agora06.fr");

        Connector unset = only("ent", "agora06.yaml", AGORA.replace("https://cas.agora06.fr", "${relais.test.never-set}"));
        assertThat(unset.errors()).containsExactly("connectors/ent/agora06.yaml: sso.cas.serverUrl: Could not resolve "
                + "placeholder 'relais.test.never-set' in value \"${relais.test.never-set}\" (set it as an environment "
                + "variable or a Relais property)");
    }

    @Test
    void oneBrokenFileDoesNotStopTheOthers() throws IOException {
        Files.writeString(root.resolve("ent").resolve("agora06.yaml"), AGORA);
        Files.writeString(root.resolve("ent").resolve("broken.yaml"), "id: [\n");
        Files.writeString(root.resolve("ent").resolve("empty.yaml"), "");
        Files.writeString(root.resolve("publishers").resolve("cns.yaml"), """
                id: cns
                name: CNS
                kind: publisher
                family: gar-publisher
                distributorId: CNS
                capabilities: [sso.outbound, licence.feed]
                sso:
                  outbound:
                    protocol: saml2
                    entityId: https://sp.cns.example/saml
                    acsUrl: https://sp.cns.example/acs
                """);
        List<Connector> all = load();
        assertThat(all).extracting(Connector::id, Connector::status).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("agora06", "ready"),
                org.assertj.core.groups.Tuple.tuple("broken", "quarantined"),
                org.assertj.core.groups.Tuple.tuple("empty", "quarantined"),
                org.assertj.core.groups.Tuple.tuple("cns", "ready"));
        assertThat(all.stream().filter(c -> c.id().equals("empty")).findFirst().orElseThrow().errors())
                .containsExactly("connectors/ent/empty.yaml: must be a YAML mapping (key: value) describing one connector");
    }

    @Test
    void outboundSamlNeedsAnHttpsAcs() throws IOException {
        Connector c = only("publishers", "cns.yaml", """
                id: cns
                name: CNS
                kind: publisher
                family: gar-publisher
                distributorId: CNS
                capabilities: [sso.outbound]
                sso:
                  outbound:
                    protocol: saml2
                    entityId: https://sp.cns.example/saml
                    acsUrl: http://sp.cns.example/acs
                """);
        assertThat(c.errors()).containsExactly("connectors/publishers/cns.yaml: sso.outbound.acsUrl: must be an "
                + "absolute https URL, found 'http://sp.cns.example/acs'");
    }
}
