package fr.relais.connector.families;

import static fr.relais.connector.Capability.*;
import static fr.relais.connector.FieldRule.Type.*;

import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorKind;
import fr.relais.connector.FieldRule;
import fr.relais.connector.SimpleFamily;

/** Identity source speaking OpenID Connect (Relais is its relying party) */
@Component
public class OidcFamily extends SimpleFamily {

    public OidcFamily() {
        super("oidc", "Identity source speaking OpenID Connect (Relais is its relying party)",
                Set.of(ConnectorKind.ENT, ConnectorKind.IDENTITY),
                Set.of(SSO_INBOUND, TEST),
                "oidc",
                List.of(
                        FieldRule.required("sso.oidc.issuer", HTTPS_URL),
                        FieldRule.required("sso.oidc.clientId", TEXT),
                        FieldRule.optional("sso.oidc.scopes", TEXT_LIST),
                        // off unless the territory trusts this source's word on schools and profiles (see IdentityResolver)
                        FieldRule.optional("sso.trustClaims", BOOLEAN),
                        FieldRule.optional("attributes", MAPPING)));
    }
}
