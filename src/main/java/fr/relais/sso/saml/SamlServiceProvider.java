package fr.relais.sso.saml;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.opensaml.core.xml.XMLObject;
import org.opensaml.core.xml.schema.XSString;
import org.opensaml.saml.saml2.core.Assertion;
import org.opensaml.saml.saml2.core.Audience;
import org.opensaml.saml.saml2.core.AudienceRestriction;
import org.opensaml.saml.saml2.core.Conditions;
import org.opensaml.saml.saml2.core.Response;
import org.opensaml.saml.saml2.core.StatusCode;
import org.opensaml.saml.saml2.core.SubjectConfirmation;
import org.opensaml.saml.saml2.core.SubjectConfirmationData;
import org.opensaml.saml.security.impl.SAMLSignatureProfileValidator;
import org.opensaml.security.x509.BasicX509Credential;
import org.opensaml.xmlsec.signature.Signature;
import org.opensaml.xmlsec.signature.support.SignatureConstants;
import org.opensaml.xmlsec.signature.support.SignatureException;
import org.opensaml.xmlsec.signature.support.SignatureValidator;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.sso.EntLogin;
import fr.relais.sso.Identity;
import fr.relais.sso.SsoProperties;

/**
 * Relais as a SAML 2.0 service provider of the identity sources of the {@code saml2} family: HTTP-Redirect
 * AuthnRequests out (signed with Relais' key unless the connector says otherwise), HTTP-POST Responses in, and
 * every check of the protocol notes on the way in. A refused Response says why; nothing is issued.
 */
@Component
public class SamlServiceProvider {

    static final Duration SKEW = Duration.ofSeconds(60);
    private static final Set<String> ALGORITHMS = Set.of(SignatureConstants.ALGO_ID_SIGNATURE_RSA_SHA256,
            SignatureConstants.ALGO_ID_SIGNATURE_RSA_SHA384, SignatureConstants.ALGO_ID_SIGNATURE_RSA_SHA512);
    private static final Set<String> DIGESTS = Set.of(SignatureConstants.ALGO_ID_DIGEST_SHA256,
            SignatureConstants.ALGO_ID_DIGEST_SHA384, SignatureConstants.ALGO_ID_DIGEST_SHA512);

    /**
     * An accepted Response: who, which login it answers, and what the IdP said about the authentication.
     *
     * @param login       the SessionIndex (for Relais' LogoutRequest to the IdP) and the AuthnInstant
     * @param requestedAt when Relais sent the AuthnRequest
     */
    public record Accepted(Connector source, Identity identity, String loginRequestId, EntLogin login,
                           Instant requestedAt) {
    }

    /** An AuthnRequest Relais sent and that waits for its answer: to which source, for which login, when. */
    private record SentRequest(String connectorId, String loginRequestId, Instant sentAt) {
    }

    private final JdbcTemplate jdbc;
    private final IdpMetadata metadata;
    private final ConnectorRegistry registry;
    private final SsoProperties properties;
    private final SigningKeys keys;

    public SamlServiceProvider(JdbcTemplate jdbc, IdpMetadata metadata, ConnectorRegistry registry,
                               SsoProperties properties, SigningKeys keys) {
        this.keys = keys;
        this.jdbc = jdbc;
        this.metadata = metadata;
        this.registry = registry;
        this.properties = properties;
    }

    public String entityId() {
        return properties.baseUrl() + "/saml/sp";
    }

    public String acsUrl() {
        return properties.baseUrl() + "/saml/sp/acs";
    }

    /** Where to send the browser: the identity source's SSO endpoint with a deflated AuthnRequest. */
    public String authnRequestUrl(Connector idp, String loginRequestId) throws OpenSaml.SamlException {
        return authnRequestUrl(idp, loginRequestId, false);
    }

    /** @param forceAuthn the IdP must check the user's credentials again, whatever session it holds */
    public String authnRequestUrl(Connector idp, String loginRequestId, boolean forceAuthn) throws OpenSaml.SamlException {
        IdpMetadata.Idp md = metadata.of(idp);
        String id = SamlResponses.newId();
        jdbc.update("INSERT INTO saml_sp_request (id, connector_id, login_request_id, created_at) VALUES (?, ?, ?, ?)",
                id, idp.id(), loginRequestId, Timestamp.from(Instant.now()));
        String xml = "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                + "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" + id + "\" Version=\"2.0\" IssueInstant=\""
                + Instant.now() + "\" Destination=\"" + md.ssoRedirectUrl() + "\" ProtocolBinding=\""
                + "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" AssertionConsumerServiceURL=\"" + acsUrl()
                + "\"" + (forceAuthn ? " ForceAuthn=\"true\"" : "") + "><saml:Issuer>" + entityId() + "</saml:Issuer></samlp:AuthnRequest>";
        return RedirectBinding.url(md.ssoRedirectUrl(), "SAMLRequest", xml, null, signsAuthnRequests(idp) ? keys : null);
    }

    /**
     * Whether AuthnRequests to this identity source are signed ({@code sso.saml2.signAuthnRequests}, true unless the
     * descriptor says false): IdPs that import Relais' metadata (AuthnRequestsSigned="true") refuse unsigned ones.
     */
    static boolean signsAuthnRequests(Connector idp) {
        return idp.descriptor().path("sso").path("saml2").path("signAuthnRequests").asBoolean(true);
    }

    public Accepted accept(String samlResponse) throws OpenSaml.SamlException {
        if (samlResponse == null || samlResponse.isBlank()) {
            throw new OpenSaml.SamlException("aucune réponse SAML (SAMLResponse) reçue");
        }
        if (samlResponse.length() > OpenSaml.MAX_DOCUMENT_BYTES * 4 / 3 + 4) {
            throw new OpenSaml.SamlException("document SAML trop volumineux");
        }
        byte[] xml;
        try {
            xml = Base64.getMimeDecoder().decode(samlResponse);
        } catch (IllegalArgumentException e) {
            throw new OpenSaml.SamlException("SAMLResponse n'est pas du base64");
        }
        Response response = response(xml);
        String inResponseTo = response.getInResponseTo();
        Optional<SentRequest> pending = inResponseTo == null ? Optional.empty() : jdbc.query("""
                SELECT connector_id, login_request_id, created_at FROM saml_sp_request
                WHERE id = ? AND consumed_at IS NULL AND created_at > ?""",
                (rs, n) -> new SentRequest(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()),
                inResponseTo,
                Timestamp.from(Instant.now().minus(Duration.ofMinutes(15)))).stream().findFirst();
        if (pending.isEmpty()) {
            throw new OpenSaml.SamlException("InResponseTo '" + inResponseTo + "' ne correspond à aucune demande "
                    + "envoyée par Relais, ou elle a déjà reçu sa réponse");
        }
        Connector source = registry.find(pending.get().connectorId()).orElseThrow();
        IdpMetadata.Idp idp = metadata.of(source);
        if (response.getIssuer() != null && !idp.entityId().equals(response.getIssuer().getValue())) {
            throw new OpenSaml.SamlException("Issuer '" + response.getIssuer().getValue() + "' au lieu de " + idp.entityId());
        }
        if (!acsUrl().equals(response.getDestination())) {
            throw new OpenSaml.SamlException("Destination '" + response.getDestination() + "' au lieu de " + acsUrl());
        }
        if (response.getStatus() == null || response.getStatus().getStatusCode() == null
                || !StatusCode.SUCCESS.equals(response.getStatus().getStatusCode().getValue())) {
            throw new OpenSaml.SamlException("l'identité n'a pas été confirmée (statut "
                    + (response.getStatus() == null ? "absent" : response.getStatus().getStatusCode().getValue()) + ")");
        }
        int count = response.getAssertions().size() + response.getEncryptedAssertions().size();
        if (count != 1) {
            throw new OpenSaml.SamlException("exactement une assertion attendue, " + count + " reçues");
        }
        Assertion assertion = response.getAssertions().isEmpty()
                ? decrypt(response.getEncryptedAssertions().get(0)) : response.getAssertions().get(0);
        if (!response.isSigned() && !assertion.isSigned()) {
            throw new OpenSaml.SamlException("ni la réponse ni l'assertion ne sont signées");
        }
        if (response.isSigned()) {
            verify(response.getSignature(), idp.signingCertificates());
        }
        if (assertion.isSigned()) {
            verify(assertion.getSignature(), idp.signingCertificates());
        }
        if (assertion.getIssuer() == null || !idp.entityId().equals(assertion.getIssuer().getValue())) {
            throw new OpenSaml.SamlException("Issuer de l'assertion '" + (assertion.getIssuer() == null ? ""
                    : assertion.getIssuer().getValue()) + "' au lieu de " + idp.entityId());
        }
        Instant now = Instant.now();
        Conditions conditions = assertion.getConditions();
        if (conditions == null) {
            throw new OpenSaml.SamlException("assertion sans Conditions");
        }
        if (conditions.getNotBefore() != null && now.plus(SKEW).isBefore(conditions.getNotBefore())) {
            throw new OpenSaml.SamlException("assertion pas encore valide (NotBefore " + conditions.getNotBefore() + ")");
        }
        if (conditions.getNotOnOrAfter() == null || !now.minus(SKEW).isBefore(conditions.getNotOnOrAfter())) {
            throw new OpenSaml.SamlException("assertion expirée (NotOnOrAfter " + conditions.getNotOnOrAfter() + ")");
        }
        boolean forUs = false;
        for (AudienceRestriction restriction : conditions.getAudienceRestrictions()) {
            for (Audience audience : restriction.getAudiences()) {
                forUs |= entityId().equals(audience.getURI());
            }
        }
        if (!forUs) {
            throw new OpenSaml.SamlException("l'assertion n'est pas destinée à Relais (Audience)");
        }
        if (assertion.getSubject() == null || assertion.getSubject().getNameID() == null) {
            throw new OpenSaml.SamlException("assertion sans sujet (NameID)");
        }
        boolean confirmed = false;
        for (SubjectConfirmation c : assertion.getSubject().getSubjectConfirmations()) {
            SubjectConfirmationData d = c.getSubjectConfirmationData();
            confirmed |= SubjectConfirmation.METHOD_BEARER.equals(c.getMethod()) && d != null
                    && acsUrl().equals(d.getRecipient()) && d.getNotOnOrAfter() != null
                    && now.minus(SKEW).isBefore(d.getNotOnOrAfter())
                    && inResponseTo.equals(d.getInResponseTo());
        }
        if (!confirmed) {
            throw new OpenSaml.SamlException("confirmation du sujet invalide (Recipient, NotOnOrAfter ou InResponseTo)");
        }
        try {
            jdbc.update("INSERT INTO saml_sp_assertion_seen (id, expires_at) VALUES (?, ?)", assertion.getID(),
                    Timestamp.from(conditions.getNotOnOrAfter().plus(SKEW)));
        } catch (DuplicateKeyException e) {
            throw new OpenSaml.SamlException("assertion " + assertion.getID() + " déjà utilisée");
        }
        if (jdbc.update("UPDATE saml_sp_request SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL",
                Timestamp.from(now), inResponseTo) != 1) {
            throw new OpenSaml.SamlException("cette demande a déjà reçu sa réponse");
        }
        Map<String, List<String>> attributes = new LinkedHashMap<>();
        assertion.getAttributeStatements().forEach(st -> st.getAttributes().forEach(a ->
                attributes.put(a.getName(), a.getAttributeValues().stream()
                        .map(v -> v instanceof XSString s ? s.getValue() : v.getDOM().getTextContent()).toList())));
        String subject = assertion.getSubject().getNameID().getValue();
        attributes.put("NameID", List.of(subject));
        // the IdP's own session: when it authenticated (ForceAuthn is checked against it) and the index its
        // single logout names
        var statement = assertion.getAuthnStatements().isEmpty() ? null : assertion.getAuthnStatements().get(0);
        EntLogin login = new EntLogin(null, statement == null ? null : statement.getSessionIndex(),
                statement == null ? null : statement.getAuthnInstant());
        return new Accepted(source, new Identity(source.id(), subject, attributes), pending.get().loginRequestId(), login,
                pending.get().sentAt());
    }

    /**
     * An assertion encrypted for one of Relais' keys (those its SP metadata publishes: two during a roll-over),
     * decrypted into its own document.
     */
    private Assertion decrypt(org.opensaml.saml.saml2.core.EncryptedAssertion encrypted) throws OpenSaml.SamlException {
        List<org.opensaml.security.credential.Credential> credentials = keys.decryptionKeys().stream()
                .<org.opensaml.security.credential.Credential>map(k -> new BasicX509Credential(k.certificate(), k.privateKey()))
                .toList();
        org.opensaml.saml.saml2.encryption.Decrypter decrypter = new org.opensaml.saml.saml2.encryption.Decrypter(null,
                new org.opensaml.xmlsec.keyinfo.impl.StaticKeyInfoCredentialResolver(credentials),
                new org.opensaml.xmlsec.encryption.support.InlineEncryptedKeyResolver());
        decrypter.setRootInNewDocument(true);
        try {
            Assertion assertion = decrypter.decrypt(encrypted);
            uniqueIds(assertion.getDOM().getOwnerDocument());
            return assertion;
        } catch (org.opensaml.xmlsec.encryption.support.DecryptionException e) {
            throw new OpenSaml.SamlException("assertion chiffrée impossible à déchiffrer avec la clé de Relais");
        }
    }

    /** The signature covers the element that carries it, with allowed algorithms, by a key of the IdP. */
    private static void verify(Signature signature, List<X509Certificate> certificates) throws OpenSaml.SamlException {
        try {
            new SAMLSignatureProfileValidator().validate(signature);
        } catch (SignatureException e) {
            throw new OpenSaml.SamlException("signature hors profil SAML : " + e.getMessage());
        }
        if (!ALGORITHMS.contains(signature.getSignatureAlgorithm())) {
            throw new OpenSaml.SamlException("algorithme de signature refusé : " + signature.getSignatureAlgorithm());
        }
        NodeList digests = signature.getDOM().getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "DigestMethod");
        for (int i = 0; i < digests.getLength(); i++) {
            String algorithm = ((Element) digests.item(i)).getAttribute("Algorithm");
            if (!DIGESTS.contains(algorithm)) {
                throw new OpenSaml.SamlException("algorithme d'empreinte refusé : " + algorithm);
            }
        }
        for (X509Certificate certificate : certificates) {
            try {
                SignatureValidator.validate(signature, new BasicX509Credential(certificate));
                return;
            } catch (SignatureException e) {
                // try the next published key
            }
        }
        throw new OpenSaml.SamlException("signature invalide ou faite par une clé que l'ENT ne publie pas");
    }

    /**
     * The checks a Response passes before anything is looked up: parsed without DTD nor entities, a Response,
     * no ID twice. Needs no Spring context, so the fuzzing harness calls it on crafted bytes.
     */
    static Response response(byte[] xml) throws OpenSaml.SamlException {
        XMLObject parsed = OpenSaml.parse(xml);
        if (!(parsed instanceof Response response)) {
            throw new OpenSaml.SamlException("une Response SAML était attendue");
        }
        uniqueIds(response.getDOM().getOwnerDocument());
        return response;
    }

    /** Signature wrapping relies on two elements sharing an ID: refuse any document where one does. */
    private static void uniqueIds(Document document) throws OpenSaml.SamlException {
        Set<String> seen = new HashSet<>();
        NodeList all = document.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            for (String name : new String[] {"ID", "Id", "AssertionID"}) {
                if (e.hasAttribute(name) && !seen.add(e.getAttribute(name))) {
                    throw new OpenSaml.SamlException("identifiant XML '" + e.getAttribute(name)
                            + "' présent deux fois : document refusé");
                }
            }
        }
    }
}
