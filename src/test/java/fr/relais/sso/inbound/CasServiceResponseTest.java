package fr.relais.sso.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apereo.cas.client.validation.TicketValidationException;
import org.junit.jupiter.api.Test;

/** The ENT's serviceValidate answer as {@link CasIdentitySource} reads it, in one pass. */
class CasServiceResponseTest {

    private static String answer(String body) {
        return "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">\n  " + body + "\n</cas:serviceResponse>";
    }

    @Test
    void userAndAttributesInTheirOrderWithRepeatedOnesAsLists() throws Exception {
        CasServiceResponse r = CasServiceResponse.parse(answer("""
                <cas:authenticationSuccess>
                  <cas:user>2000003</cas:user>
                  <cas:attributes>
                    <cas:ENTPersonJointure>2000003</cas:ENTPersonJointure>
                    <cas:ENTPersonStructRattachUAI>0690001A</cas:ENTPersonStructRattachUAI>
                    <cas:ENTPersonStructRattachUAI>0690002B</cas:ENTPersonStructRattachUAI>
                    <cas:isFromNewLogin>true</cas:isFromNewLogin>
                  </cas:attributes>
                </cas:authenticationSuccess>"""), true);
        assertThat(r.user()).isEqualTo("2000003");
        assertThat(r.attributes()).containsExactly(
                java.util.Map.entry("ENTPersonJointure", List.of("2000003")),
                java.util.Map.entry("ENTPersonStructRattachUAI", List.of("0690001A", "0690002B")),
                java.util.Map.entry("isFromNewLogin", List.of("true")));
    }

    @Test
    void inlinedAttributesAreReadInCas3Only() throws Exception {
        String xml = answer("""
                <cas:authenticationSuccess><cas:user>u1</cas:user><cas:attributes>
                  <cas:attribute name="urn:oid:2.5.4.42" value="Camille"/>
                  <cas:attribute name="urn:oid:2.5.4.42" value="Lou"/>
                </cas:attributes></cas:authenticationSuccess>""");
        assertThat(CasServiceResponse.parse(xml, true).attributes())
                .containsExactly(java.util.Map.entry("urn:oid:2.5.4.42", List.of("Camille", "Lou")));
        assertThat(CasServiceResponse.parse(xml, false).attributes()).containsOnlyKeys("attribute");
    }

    @Test
    void aFailureRefusesWithTheEntsReasonOrItsCode() {
        assertThatThrownBy(() -> CasServiceResponse.parse(answer(
                "<cas:authenticationFailure code=\"INVALID_TICKET\">\n    Ticket ST-1 not recognized\n  </cas:authenticationFailure>"), true))
                .isInstanceOf(TicketValidationException.class).hasMessage("Ticket ST-1 not recognized");
        assertThatThrownBy(() -> CasServiceResponse.parse(answer(
                "<cas:authenticationFailure code=\"INVALID_SERVICE\"/><cas:authenticationSuccess><cas:user>u1</cas:user>"
                        + "</cas:authenticationSuccess>"), true))
                .isInstanceOf(TicketValidationException.class).hasMessage("code INVALID_SERVICE");
    }

    @Test
    void theUserIsTheSuccessOwnUserElementOnly() {
        assertThatThrownBy(() -> CasServiceResponse.parse(answer("<cas:authenticationSuccess><cas:attributes>"
                + "<cas:user>u1</cas:user></cas:attributes></cas:authenticationSuccess>"), true))
                .isInstanceOf(TicketValidationException.class)
                .hasMessage("la réponse de l'ENT ne nomme aucun utilisateur (cas:user absent ou vide)");
    }

    @Test
    void aDoctypeOrAnEntityIsRefusedUnread() {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
                + answer("<cas:authenticationSuccess><cas:user>&x;</cas:user></cas:authenticationSuccess>");
        assertThatThrownBy(() -> CasServiceResponse.parse(xxe, true))
                .isInstanceOf(TicketValidationException.class).hasMessageStartingWith("réponse de l'ENT illisible (");
        assertThatThrownBy(() -> CasServiceResponse.parse("<html>502 Bad Gateway", true))
                .isInstanceOf(TicketValidationException.class).hasMessageStartingWith("réponse de l'ENT illisible (");
    }
}
