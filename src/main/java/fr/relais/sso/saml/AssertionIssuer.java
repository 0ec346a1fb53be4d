package fr.relais.sso.saml;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.opensaml.saml.saml2.core.Assertion;
import org.opensaml.saml.saml2.core.NameID;
import org.opensaml.saml.saml2.core.Response;
import org.springframework.stereotype.Component;

import fr.relais.sso.SsoProperties;

/**
 * Builds the signed SAML 2.0 Response Relais sends a publisher: one assertion signed with RSA-SHA256, a
 * persistent NameID that is the publisher's pairwise id, audience = the publisher, a few minutes of validity,
 * and only the attributes its release policy allows.
 */
@Component
public class AssertionIssuer {

    private final SigningKeys keys;
    private final SsoProperties properties;

    public AssertionIssuer(SigningKeys keys, SsoProperties properties) {
        this.keys = keys;
        this.properties = properties;
    }

    /** The signed Response to post to the publisher, and the id of the assertion it carries. */
    public record Issued(String responseXml, String assertionId) {
    }

    /** @return the Response, serialised, and the id of its assertion */
    public Issued issue(String audience, String acsUrl, String inResponseTo, String nameId,
                          Map<String, List<String>> attributes) {
        return issue(audience, acsUrl, inResponseTo, nameId, attributes, Instant.now());
    }

    /**
     * @param authenticatedAt when the ENT checked the user's credentials: the AuthnStatement's AuthnInstant, so
     *                        that a publisher that asked for ForceAuthn can see the authentication is fresh
     */
    public Issued issue(String audience, String acsUrl, String inResponseTo, String nameId,
                          Map<String, List<String>> attributes, Instant authenticatedAt) {
        Instant now = Instant.now();
        Instant until = now.plus(properties.saml().assertionLifetime());
        String idp = properties.idpEntityId();

        NameID name = OpenSaml.build(NameID.DEFAULT_ELEMENT_NAME);
        name.setFormat(NameID.PERSISTENT);
        name.setNameQualifier(idp);
        name.setSPNameQualifier(audience);
        name.setValue(nameId);
        Assertion assertion = SamlResponses.bearerAssertion(idp, name, audience, acsUrl, inResponseTo,
                now, now.minusSeconds(30), until, attributes);
        assertion.getAuthnStatements().get(0).setAuthnInstant(authenticatedAt);
        OpenSaml.sign(assertion, keys);

        Response response = SamlResponses.successResponse(idp, acsUrl, inResponseTo, now);
        response.getAssertions().add(assertion);
        return new Issued(OpenSaml.toXml(response), assertion.getID());
    }
}
