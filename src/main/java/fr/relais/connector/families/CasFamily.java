package fr.relais.connector.families;

import static fr.relais.connector.Capability.*;
import static fr.relais.connector.FieldRule.Type.*;

import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorKind;
import fr.relais.connector.FieldRule;
import fr.relais.connector.SimpleFamily;

/** Identity source speaking CAS 2.0 or 3.0 (Relais is its CAS client) */
@Component
public class CasFamily extends SimpleFamily {

    public CasFamily() {
        super("cas", "Identity source speaking CAS 2.0 or 3.0 (Relais is its CAS client)",
                Set.of(ConnectorKind.ENT, ConnectorKind.IDENTITY),
                Set.of(SSO_INBOUND, TEST),
                "cas",
                List.of(
                        FieldRule.required("sso.cas.serverUrl", HTTPS_URL),
                        FieldRule.optionalOneOf("sso.cas.version", "2.0", "3.0"),
                        FieldRule.optional("sso.cas.logoutUrl", HTTPS_URL),
                        // off unless the territory trusts this source's word on schools and profiles (see IdentityResolver)
                        FieldRule.optional("sso.trustClaims", BOOLEAN),
                        FieldRule.optional("attributes", MAPPING)));
    }
}
