package fr.relais.sso.saml;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.opensaml.core.xml.XMLObject;
import org.opensaml.saml.common.xml.SAMLConstants;
import org.opensaml.saml.saml2.metadata.EntityDescriptor;
import org.opensaml.saml.saml2.metadata.IDPSSODescriptor;
import org.opensaml.saml.saml2.metadata.KeyDescriptor;
import org.opensaml.saml.saml2.metadata.SingleSignOnService;
import org.opensaml.security.credential.UsageType;
import org.opensaml.xmlsec.signature.X509Data;
import org.springframework.stereotype.Component;

import fr.relais.connector.Connector;

/**
 * What a SAML identity source publishes about itself (entity id, SSO and logout endpoints, signing certificates), fetched
 * from its {@code sso.saml2.metadataUrl} and kept an hour.
 */
@Component
public class IdpMetadata {

    /** @param sloRedirectUrl its SingleLogoutService for the HTTP-Redirect binding; null when it offers none */
    public record Idp(String entityId, String ssoRedirectUrl, List<X509Certificate> signingCertificates,
                      String sloRedirectUrl) {
    }

    private record Entry(Idp idp, Instant until) {
    }

    private static final Duration KEEP = Duration.ofHours(1);
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    public Idp of(Connector connector) throws OpenSaml.SamlException {
        Entry e = cache.get(connector.id());
        if (e != null && e.until().isAfter(Instant.now())) {
            return e.idp();
        }
        Idp idp = fetch(connector);
        cache.put(connector.id(), new Entry(idp, Instant.now().plus(KEEP)));
        return idp;
    }

    /** The metadata read again now (a connection test), kept for the logins that follow. */
    public Idp refresh(Connector connector) throws OpenSaml.SamlException {
        Idp idp = fetch(connector);
        cache.put(connector.id(), new Entry(idp, Instant.now().plus(KEEP)));
        return idp;
    }

    private Idp fetch(Connector connector) throws OpenSaml.SamlException {
        String url = connector.descriptor().path("sso").path("saml2").path("metadataUrl").asText();
        byte[] body;
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new OpenSaml.SamlException("métadonnées de " + connector.name() + " indisponibles (HTTP "
                        + response.statusCode() + " sur " + url + ")");
            }
            body = response.body();
        } catch (java.io.IOException e) {
            throw new OpenSaml.SamlException("métadonnées de " + connector.name() + " injoignables : " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpenSaml.SamlException("interrompu");
        }
        XMLObject parsed = OpenSaml.parse(body);
        if (!(parsed instanceof EntityDescriptor entity)) {
            throw new OpenSaml.SamlException("les métadonnées de " + connector.name() + " ne décrivent pas une entité");
        }
        IDPSSODescriptor descriptor = entity.getIDPSSODescriptor(SAMLConstants.SAML20P_NS);
        if (descriptor == null) {
            throw new OpenSaml.SamlException(connector.name() + " ne se déclare pas fournisseur d'identité SAML 2.0");
        }
        String expected = connector.descriptor().path("sso").path("saml2").path("entityId").asText();
        if (!expected.equals(entity.getEntityID())) {
            throw new OpenSaml.SamlException("les métadonnées de " + connector.name() + " annoncent l'entité "
                    + entity.getEntityID() + " au lieu de " + expected);
        }
        String redirect = descriptor.getSingleSignOnServices().stream()
                .filter(s -> SAMLConstants.SAML2_REDIRECT_BINDING_URI.equals(s.getBinding()))
                .map(SingleSignOnService::getLocation).findFirst()
                .orElseThrow(() -> new OpenSaml.SamlException(connector.name() + " n'offre pas le binding HTTP-Redirect"));
        List<X509Certificate> certificates = new ArrayList<>();
        for (KeyDescriptor key : descriptor.getKeyDescriptors()) {
            if (key.getUse() == UsageType.ENCRYPTION || key.getKeyInfo() == null) {
                continue;
            }
            for (X509Data data : key.getKeyInfo().getX509Datas()) {
                for (var cert : data.getX509Certificates()) {
                    try {
                        certificates.add((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                                new ByteArrayInputStream(Base64.getMimeDecoder().decode(cert.getValue()))));
                    } catch (CertificateException e) {
                        throw new OpenSaml.SamlException("certificat illisible dans les métadonnées de " + connector.name());
                    }
                }
            }
        }
        if (certificates.isEmpty()) {
            throw new OpenSaml.SamlException("aucun certificat de signature dans les métadonnées de " + connector.name());
        }
        String slo = descriptor.getSingleLogoutServices().stream()
                .filter(s -> SAMLConstants.SAML2_REDIRECT_BINDING_URI.equals(s.getBinding()))
                .map(org.opensaml.saml.saml2.metadata.SingleLogoutService::getLocation).findFirst().orElse(null);
        return new Idp(entity.getEntityID(), redirect, List.copyOf(certificates), slo);
    }
}
