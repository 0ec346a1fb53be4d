package fr.relais.sso.saml;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.opensaml.core.xml.XMLObject;
import org.opensaml.saml.common.SAMLVersion;
import org.opensaml.saml.saml2.core.LogoutRequest;
import org.opensaml.saml.saml2.core.NameID;
import org.opensaml.saml.saml2.core.SessionIndex;
import org.opensaml.saml.security.impl.SAMLSignatureProfileValidator;
import org.opensaml.security.x509.BasicX509Credential;
import org.opensaml.xmlsec.signature.support.SignatureValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import fr.relais.connector.Capability;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.sso.IdentityResolver;
import fr.relais.sso.ReleasePolicy;
import fr.relais.sso.SsoProperties;
import fr.relais.sso.SsoSessions;

/**
 * SAML single logout. Back-channel: Relais tells each publisher that received an assertion in the ended session
 * (a signed LogoutRequest to its {@code sso.outbound.sloUrl}, SOAP binding), and a SAML identity source tells
 * Relais (a LogoutRequest it signed, POSTed to {@code /saml/sp/slo}). Front-channel, HTTP-Redirect binding with
 * signed queries: Relais asks the identity source to end its session when the user logs out of Relais, and an
 * identity source whose user logs out there sends the browser through Relais' {@code /saml/sp/slo}.
 */
@Component
public class SamlLogout {

    private static final Logger log = LoggerFactory.getLogger(SamlLogout.class);

    private final JdbcTemplate jdbc;
    private final ConnectorRegistry registry;
    private final SsoSessions sessions;
    private final IdentityResolver resolver;
    private final ReleasePolicy release;
    private final SigningKeys keys;
    private final SsoProperties properties;
    private final IdpMetadata metadata;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    public SamlLogout(JdbcTemplate jdbc, ConnectorRegistry registry, SsoSessions sessions, IdentityResolver resolver,
                      ReleasePolicy release, SigningKeys keys, SsoProperties properties, IdpMetadata metadata) {
        this.jdbc = jdbc;
        this.registry = registry;
        this.sessions = sessions;
        this.resolver = resolver;
        this.release = release;
        this.keys = keys;
        this.properties = properties;
        this.metadata = metadata;
    }

    /** Tells every publisher that got an assertion in this (ended) session. */
    public void notifyPublishers(String sessionId) {
        Optional<String> personId = jdbc.queryForList("SELECT person_id FROM sso_session WHERE id = ?", String.class,
                sessionId).stream().findFirst();
        if (personId.isEmpty()) {
            return;
        }
        var person = resolver.current(personId.get());
        if (person.isEmpty()) {
            return;
        }
        List<String[]> issued = jdbc.query("SELECT publisher_id, id FROM saml_assertion_issued WHERE session_id = ?",
                (rs, n) -> new String[] {rs.getString(1), rs.getString(2)}, sessionId);
        for (String[] i : issued) {
            Optional<Connector> publisher = registry.find(i[0]);
            String slo = publisher.map(p -> p.descriptor().path("sso").path("outbound").path("sloUrl").asText("")).orElse("");
            if (slo.isBlank()) {
                continue;
            }
            LogoutRequest request = OpenSaml.build(LogoutRequest.DEFAULT_ELEMENT_NAME);
            request.setID(SamlResponses.newId());
            request.setVersion(SAMLVersion.VERSION_20);
            request.setIssueInstant(Instant.now());
            request.setDestination(slo);
            request.setIssuer(SamlResponses.issuer(properties.idpEntityId()));
            NameID name = OpenSaml.build(NameID.DEFAULT_ELEMENT_NAME);
            name.setFormat(NameID.PERSISTENT);
            name.setValue(release.pairwiseId(publisher.get(), person.get()));
            request.setNameID(name);
            SessionIndex index = OpenSaml.build(SessionIndex.DEFAULT_ELEMENT_NAME);
            index.setValue(i[1]);
            request.getSessionIndexes().add(index);
            OpenSaml.sign(request, keys);
            // the serialised request starts with an XML declaration, which may only open a document: inside the
            // SOAP Body it would make the envelope ill-formed for any XML parser
            String soap = "<soap11:Envelope xmlns:soap11=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap11:Body>"
                    + OpenSaml.toXml(request).replaceFirst("^<\\?xml[^>]*\\?>\\s*", "")
                    + "</soap11:Body></soap11:Envelope>";
            http.sendAsync(HttpRequest.newBuilder(URI.create(slo)).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "text/xml; charset=utf-8").header("SOAPAction", "http://www.oasis-open.org/committees/security")
                    .POST(HttpRequest.BodyPublishers.ofString(soap)).build(), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            log.warn("Déconnexion SAML : {} injoignable ({})", slo, e.toString());
                        }
                    });
        }
    }

    /**
     * Where to send the browser so that the SAML identity source ends its own session: a LogoutRequest naming
     * the login's NameID and SessionIndex, signed (HTTP-Redirect), to the SingleLogoutService of its metadata;
     * empty when it publishes none.
     *
     * @param relayState handed back with its LogoutResponse
     */
    public Optional<String> toIdentitySource(Connector idp, String nameId, String sessionIndex, String relayState)
            throws OpenSaml.SamlException {
        IdpMetadata.Idp md = metadata.of(idp);
        if (md.sloRedirectUrl() == null) {
            return Optional.empty();
        }
        LogoutRequest request = OpenSaml.build(LogoutRequest.DEFAULT_ELEMENT_NAME);
        request.setID(SamlResponses.newId());
        request.setVersion(SAMLVersion.VERSION_20);
        request.setIssueInstant(Instant.now());
        request.setDestination(md.sloRedirectUrl());
        request.setIssuer(SamlResponses.issuer(spEntityId()));
        NameID name = OpenSaml.build(NameID.DEFAULT_ELEMENT_NAME);
        name.setFormat(NameID.PERSISTENT);
        name.setValue(nameId);
        request.setNameID(name);
        if (sessionIndex != null) {
            SessionIndex index = OpenSaml.build(SessionIndex.DEFAULT_ELEMENT_NAME);
            index.setValue(sessionIndex);
            request.getSessionIndexes().add(index);
        }
        return Optional.of(RedirectBinding.url(md.sloRedirectUrl(), "SAMLRequest", OpenSaml.toXml(request),
                relayState, keys));
    }

    /** What came back to {@code /saml/sp/slo} through the browser. */
    public sealed interface FrontChannel permits IdpLoggedOut, IdpAsksLogout {
    }

    /** The identity source's answer to Relais' LogoutRequest. @param relayState as Relais sent it */
    public record IdpLoggedOut(String relayState, boolean success, String status) implements FrontChannel {
    }

    /**
     * The identity source's user logged out there: Relais ends {@code sessions}, then sends the browser back
     * with {@code responseUrl} (a signed LogoutResponse).
     */
    public record IdpAsksLogout(String idpId, List<String> sessions, String responseUrl) implements FrontChannel {
    }

    /** A LogoutResponse or LogoutRequest by HTTP-Redirect: whose, signed by a key of its metadata. */
    public FrontChannel fromIdentitySourceRedirect(String rawQuery) throws OpenSaml.SamlException {
        RedirectBinding.Received received = RedirectBinding.parse(rawQuery);
        XMLObject parsed = OpenSaml.parse(received.xml());
        String issuer = parsed instanceof org.opensaml.saml.saml2.core.StatusResponseType r && r.getIssuer() != null
                ? r.getIssuer().getValue()
                : parsed instanceof LogoutRequest q && q.getIssuer() != null ? q.getIssuer().getValue() : null;
        Connector source = identitySource(issuer);
        IdpMetadata.Idp md = metadata.of(source);
        RedirectBinding.verify(received, md.signingCertificates());
        if (parsed instanceof org.opensaml.saml.saml2.core.LogoutResponse response) {
            String status = response.getStatus() == null || response.getStatus().getStatusCode() == null ? "absent"
                    : response.getStatus().getStatusCode().getValue();
            return new IdpLoggedOut(received.relayState(), org.opensaml.saml.saml2.core.StatusCode.SUCCESS.equals(status),
                    status);
        }
        if (!(parsed instanceof LogoutRequest request)) {
            throw new OpenSaml.SamlException("une LogoutRequest ou une LogoutResponse était attendue");
        }
        if (request.getNameID() == null) {
            throw new OpenSaml.SamlException("demande de déconnexion sans NameID");
        }
        if (md.sloRedirectUrl() == null) {
            throw new OpenSaml.SamlException(source.name() + " ne publie pas d'adresse de déconnexion (SingleLogoutService)");
        }
        org.opensaml.saml.saml2.core.LogoutResponse answer = OpenSaml.build(
                org.opensaml.saml.saml2.core.LogoutResponse.DEFAULT_ELEMENT_NAME);
        answer.setID(SamlResponses.newId());
        answer.setVersion(SAMLVersion.VERSION_20);
        answer.setIssueInstant(Instant.now());
        answer.setInResponseTo(request.getID());
        answer.setDestination(md.sloRedirectUrl());
        answer.setIssuer(SamlResponses.issuer(spEntityId()));
        org.opensaml.saml.saml2.core.Status status = OpenSaml.build(org.opensaml.saml.saml2.core.Status.DEFAULT_ELEMENT_NAME);
        org.opensaml.saml.saml2.core.StatusCode code = OpenSaml.build(org.opensaml.saml.saml2.core.StatusCode.DEFAULT_ELEMENT_NAME);
        code.setValue(org.opensaml.saml.saml2.core.StatusCode.SUCCESS);
        status.setStatusCode(code);
        answer.setStatus(status);
        return new IdpAsksLogout(source.id(), sessions.bySubject(source.id(), request.getNameID().getValue()),
                RedirectBinding.url(md.sloRedirectUrl(), "SAMLResponse", OpenSaml.toXml(answer),
                        received.relayState(), keys));
    }

    private Connector identitySource(String entityId) throws OpenSaml.SamlException {
        return registry.offering(Capability.SSO_INBOUND).stream()
                .filter(c -> "saml2".equals(c.protocol()))
                .filter(c -> c.descriptor().path("sso").path("saml2").path("entityId").asText().equals(entityId))
                .findFirst().orElseThrow(() -> new OpenSaml.SamlException("émetteur inconnu : " + entityId));
    }

    private String spEntityId() {
        return properties.baseUrl() + "/saml/sp";
    }

    /** A LogoutRequest from a SAML identity source: checked, then its user's sessions end. Answers them. */
    public List<String> fromIdentitySource(byte[] xml) throws OpenSaml.SamlException {
        XMLObject parsed = OpenSaml.parse(xml);
        if (!(parsed instanceof LogoutRequest request)) {
            throw new OpenSaml.SamlException("une LogoutRequest était attendue");
        }
        String issuer = request.getIssuer() == null ? null : request.getIssuer().getValue();
        Optional<Connector> source = registry.offering(Capability.SSO_INBOUND).stream()
                .filter(c -> "saml2".equals(c.protocol()))
                .filter(c -> c.descriptor().path("sso").path("saml2").path("entityId").asText().equals(issuer))
                .findFirst();
        if (source.isEmpty()) {
            throw new OpenSaml.SamlException("émetteur inconnu : " + issuer);
        }
        if (!request.isSigned()) {
            throw new OpenSaml.SamlException("demande de déconnexion non signée");
        }
        try {
            new SAMLSignatureProfileValidator().validate(request.getSignature());
        } catch (org.opensaml.xmlsec.signature.support.SignatureException e) {
            throw new OpenSaml.SamlException("signature hors profil SAML : " + e.getMessage());
        }
        boolean valid = false;
        for (var certificate : metadata.of(source.get()).signingCertificates()) {
            try {
                SignatureValidator.validate(request.getSignature(), new BasicX509Credential(certificate));
                valid = true;
                break;
            } catch (org.opensaml.xmlsec.signature.support.SignatureException e) {
                // next key
            }
        }
        if (!valid) {
            throw new OpenSaml.SamlException("signature invalide ou faite par une clé que l'ENT ne publie pas");
        }
        if (request.getNameID() == null) {
            throw new OpenSaml.SamlException("demande de déconnexion sans NameID");
        }
        return sessions.bySubject(source.get().id(), request.getNameID().getValue());
    }
}
