package fr.relais.connector.families;

import static fr.relais.connector.Capability.*;
import static fr.relais.connector.FieldRule.Type.*;

import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorKind;
import fr.relais.connector.FieldRule;
import fr.relais.connector.SimpleFamily;

/** Publisher platform integrated GAR style: SAML 2.0 or CAS SSO with pseudonymous ids, subscription feed */
@Component
public class GarPublisherFamily extends SimpleFamily {

    public GarPublisherFamily() {
        super("gar-publisher", "Publisher platform integrated GAR style: SAML 2.0 or CAS SSO with pseudonymous ids, subscription feed",
                Set.of(ConnectorKind.PUBLISHER),
                Set.of(SSO_OUTBOUND, LICENCE_FEED),
                null,
                List.of(
                        FieldRule.required("distributorId", TEXT),
                        FieldRule.required("sso.outbound", MAPPING)));
    }
}
