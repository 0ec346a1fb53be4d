package fr.relais.sso;

import java.util.Optional;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorRegistry;
import fr.relais.sso.cas.CasServices;
import fr.relais.sso.saml.SamlIdpRequests;

/**
 * The name of the service a login opens, for the page that asks the user to choose an ENT: the school tool whose
 * CAS service URL it is, or the publisher whose SAML request waits for it.
 */
@Component
public class ServiceNames {

    private final CasServices services;
    private final SamlIdpRequests samlRequests;
    private final ConnectorRegistry registry;

    public ServiceNames(CasServices services, SamlIdpRequests samlRequests, ConnectorRegistry registry) {
        this.services = services;
        this.samlRequests = samlRequests;
        this.registry = registry;
    }

    /** Empty when the login opens no named service (the user came to Relais itself) or it is not known. */
    public Optional<String> of(String service) {
        if (service == null || service.isBlank()) {
            return Optional.empty();
        }
        if (service.startsWith(fr.relais.sso.saml.SamlIdpController.CONTINUE)) {
            return samlRequests.peek(service.substring(fr.relais.sso.saml.SamlIdpController.CONTINUE.length()))
                    .flatMap(p -> registry.find(p.publisherId())).map(c -> c.name());
        }
        return services.match(service).map(found -> found.connector().name());
    }
}
