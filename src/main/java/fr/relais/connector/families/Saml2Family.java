package fr.relais.connector.families;

import static fr.relais.connector.Capability.*;
import static fr.relais.connector.FieldRule.Type.*;

import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorKind;
import fr.relais.connector.FieldRule;
import fr.relais.connector.SimpleFamily;

/** Identity source speaking SAML 2.0 as an IdP (Relais is its service provider) */
@Component
public class Saml2Family extends SimpleFamily {

    public Saml2Family() {
        super("saml2", "Identity source speaking SAML 2.0 as an IdP (Relais is its service provider)",
                Set.of(ConnectorKind.ENT, ConnectorKind.IDENTITY),
                Set.of(SSO_INBOUND, TEST),
                "saml2",
                List.of(
                        FieldRule.required("sso.saml2.entityId", TEXT),
                        FieldRule.required("sso.saml2.metadataUrl", HTTPS_URL),
                        // off unless the territory trusts this source's word on schools and profiles (see IdentityResolver)
                        FieldRule.optional("sso.trustClaims", BOOLEAN),
                        // AuthnRequests are signed (HTTP-Redirect SigAlg + Signature, RSA-SHA256) unless false here,
                        // for an IdP that refuses signed requests or has not imported Relais' signing key
                        FieldRule.optionalOneOf("sso.saml2.signAuthnRequests", "true", "false"),
                        FieldRule.optional("attributes", MAPPING)));
    }
}
