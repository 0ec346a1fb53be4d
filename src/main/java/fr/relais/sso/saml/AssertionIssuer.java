package fr.relais.sso.saml;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.opensaml.saml.common.SAMLVersion;
import org.opensaml.saml.saml2.core.Assertion;
import org.opensaml.saml.saml2.core.Attribute;
import org.opensaml.saml.saml2.core.AttributeStatement;
import org.opensaml.saml.saml2.core.AttributeValue;
import org.opensaml.saml.saml2.core.Audience;
import org.opensaml.saml.saml2.core.AudienceRestriction;
import org.opensaml.saml.saml2.core.AuthnContext;
import org.opensaml.saml.saml2.core.AuthnContextClassRef;
import org.opensaml.saml.saml2.core.AuthnStatement;
import org.opensaml.saml.saml2.core.Conditions;
import org.opensaml.saml.saml2.core.Issuer;
import org.opensaml.saml.saml2.core.NameID;
import org.opensaml.saml.saml2.core.Response;
import org.opensaml.saml.saml2.core.Status;
import org.opensaml.saml.saml2.core.StatusCode;
import org.opensaml.saml.saml2.core.Subject;
import org.opensaml.saml.saml2.core.SubjectConfirmation;
import org.opensaml.saml.saml2.core.SubjectConfirmationData;
import org.opensaml.core.xml.schema.XSString;
import org.opensaml.core.xml.schema.impl.XSStringBuilder;
import org.springframework.stereotype.Component;

import fr.relais.sso.SsoProperties;
import fr.relais.platform.Tokens;

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

    /** @return the Response, serialised, and the id of its assertion */
    public String[] issue(String audience, String acsUrl, String inResponseTo, String nameId,
                          Map<String, List<String>> attributes) {
        Instant now = Instant.now();
        Instant until = now.plus(properties.saml().assertionLifetime());
        String idp = properties.idpEntityId();

        Assertion assertion = OpenSaml.build(Assertion.DEFAULT_ELEMENT_NAME);
        assertion.setID("_" + Tokens.random("").replace('-', 'a').replace('_', 'b'));
        assertion.setVersion(SAMLVersion.VERSION_20);
        assertion.setIssueInstant(now);
        assertion.setIssuer(issuer(idp));

        Subject subject = OpenSaml.build(Subject.DEFAULT_ELEMENT_NAME);
        NameID name = OpenSaml.build(NameID.DEFAULT_ELEMENT_NAME);
        name.setFormat(NameID.PERSISTENT);
        name.setNameQualifier(idp);
        name.setSPNameQualifier(audience);
        name.setValue(nameId);
        subject.setNameID(name);
        SubjectConfirmation confirmation = OpenSaml.build(SubjectConfirmation.DEFAULT_ELEMENT_NAME);
        confirmation.setMethod(SubjectConfirmation.METHOD_BEARER);
        SubjectConfirmationData data = OpenSaml.build(SubjectConfirmationData.DEFAULT_ELEMENT_NAME);
        data.setRecipient(acsUrl);
        data.setNotOnOrAfter(until);
        if (inResponseTo != null) {
            data.setInResponseTo(inResponseTo);
        }
        confirmation.setSubjectConfirmationData(data);
        subject.getSubjectConfirmations().add(confirmation);
        assertion.setSubject(subject);

        Conditions conditions = OpenSaml.build(Conditions.DEFAULT_ELEMENT_NAME);
        conditions.setNotBefore(now.minusSeconds(30));
        conditions.setNotOnOrAfter(until);
        AudienceRestriction restriction = OpenSaml.build(AudienceRestriction.DEFAULT_ELEMENT_NAME);
        Audience aud = OpenSaml.build(Audience.DEFAULT_ELEMENT_NAME);
        aud.setURI(audience);
        restriction.getAudiences().add(aud);
        conditions.getAudienceRestrictions().add(restriction);
        assertion.setConditions(conditions);

        AuthnStatement authn = OpenSaml.build(AuthnStatement.DEFAULT_ELEMENT_NAME);
        authn.setAuthnInstant(now);
        AuthnContext context = OpenSaml.build(AuthnContext.DEFAULT_ELEMENT_NAME);
        AuthnContextClassRef classRef = OpenSaml.build(AuthnContextClassRef.DEFAULT_ELEMENT_NAME);
        classRef.setURI(AuthnContext.PPT_AUTHN_CTX);
        context.setAuthnContextClassRef(classRef);
        authn.setAuthnContext(context);
        assertion.getAuthnStatements().add(authn);

        if (!attributes.isEmpty()) {
            AttributeStatement statement = OpenSaml.build(AttributeStatement.DEFAULT_ELEMENT_NAME);
            XSStringBuilder strings = new XSStringBuilder();
            attributes.forEach((attributeName, values) -> {
                Attribute attribute = OpenSaml.build(Attribute.DEFAULT_ELEMENT_NAME);
                attribute.setName(attributeName);
                attribute.setNameFormat(Attribute.BASIC);
                for (String v : values) {
                    XSString value = strings.buildObject(AttributeValue.DEFAULT_ELEMENT_NAME, XSString.TYPE_NAME);
                    value.setValue(v);
                    attribute.getAttributeValues().add(value);
                }
                statement.getAttributes().add(attribute);
            });
            assertion.getAttributeStatements().add(statement);
        }
        OpenSaml.sign(assertion, keys);

        Response response = OpenSaml.build(Response.DEFAULT_ELEMENT_NAME);
        response.setID("_" + Tokens.random("").replace('-', 'a').replace('_', 'b'));
        response.setVersion(SAMLVersion.VERSION_20);
        response.setIssueInstant(now);
        response.setDestination(acsUrl);
        if (inResponseTo != null) {
            response.setInResponseTo(inResponseTo);
        }
        response.setIssuer(issuer(idp));
        Status status = OpenSaml.build(Status.DEFAULT_ELEMENT_NAME);
        StatusCode code = OpenSaml.build(StatusCode.DEFAULT_ELEMENT_NAME);
        code.setValue(StatusCode.SUCCESS);
        status.setStatusCode(code);
        response.setStatus(status);
        response.getAssertions().add(assertion);
        return new String[] {OpenSaml.toXml(response), assertion.getID()};
    }

    private static Issuer issuer(String entityId) {
        Issuer issuer = OpenSaml.build(Issuer.DEFAULT_ELEMENT_NAME);
        issuer.setValue(entityId);
        return issuer;
    }
}
