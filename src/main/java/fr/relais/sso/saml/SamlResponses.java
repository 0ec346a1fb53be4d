package fr.relais.sso.saml;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.opensaml.core.xml.schema.XSString;
import org.opensaml.core.xml.schema.impl.XSStringBuilder;
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

import fr.relais.platform.Tokens;

/**
 * The shapes every SAML identity provider in Relais issues (Relais' own IdP towards publishers and the sandbox
 * ENTs alike): a bearer assertion with audience restriction and password-protected authentication context, and
 * a successful Response around it. Signing and encryption stay with the caller.
 */
public final class SamlResponses {

    private SamlResponses() {
    }

    /** A random XML id (an NCName: an underscore, then letters and digits). */
    public static String newId() {
        return "_" + Tokens.random("");
    }

    /**
     * An unsigned bearer assertion.
     *
     * @param inResponseTo the AuthnRequest id, or null for an unsolicited response
     * @param attributes   attribute name to values, in order; no AttributeStatement when empty
     */
    public static Assertion bearerAssertion(String issuer, NameID nameId, String audience, String recipient,
                                            String inResponseTo, Instant now, Instant notBefore, Instant notOnOrAfter,
                                            Map<String, List<String>> attributes) {
        Assertion assertion = OpenSaml.build(Assertion.DEFAULT_ELEMENT_NAME);
        assertion.setID(newId());
        assertion.setVersion(SAMLVersion.VERSION_20);
        assertion.setIssueInstant(now);
        assertion.setIssuer(issuer(issuer));

        Subject subject = OpenSaml.build(Subject.DEFAULT_ELEMENT_NAME);
        subject.setNameID(nameId);
        SubjectConfirmation confirmation = OpenSaml.build(SubjectConfirmation.DEFAULT_ELEMENT_NAME);
        confirmation.setMethod(SubjectConfirmation.METHOD_BEARER);
        SubjectConfirmationData data = OpenSaml.build(SubjectConfirmationData.DEFAULT_ELEMENT_NAME);
        data.setRecipient(recipient);
        data.setNotOnOrAfter(notOnOrAfter);
        if (inResponseTo != null) {
            data.setInResponseTo(inResponseTo);
        }
        confirmation.setSubjectConfirmationData(data);
        subject.getSubjectConfirmations().add(confirmation);
        assertion.setSubject(subject);

        Conditions conditions = OpenSaml.build(Conditions.DEFAULT_ELEMENT_NAME);
        conditions.setNotBefore(notBefore);
        conditions.setNotOnOrAfter(notOnOrAfter);
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
        return assertion;
    }

    /** A Response with status Success and no assertion yet (the caller adds it, plain or encrypted). */
    public static Response successResponse(String issuer, String destination, String inResponseTo, Instant now) {
        Response response = OpenSaml.build(Response.DEFAULT_ELEMENT_NAME);
        response.setID(newId());
        response.setVersion(SAMLVersion.VERSION_20);
        response.setIssueInstant(now);
        response.setDestination(destination);
        if (inResponseTo != null) {
            response.setInResponseTo(inResponseTo);
        }
        response.setIssuer(issuer(issuer));
        Status status = OpenSaml.build(Status.DEFAULT_ELEMENT_NAME);
        StatusCode code = OpenSaml.build(StatusCode.DEFAULT_ELEMENT_NAME);
        code.setValue(StatusCode.SUCCESS);
        status.setStatusCode(code);
        response.setStatus(status);
        return response;
    }

    public static Issuer issuer(String entityId) {
        Issuer issuer = OpenSaml.build(Issuer.DEFAULT_ELEMENT_NAME);
        issuer.setValue(entityId);
        return issuer;
    }
}
