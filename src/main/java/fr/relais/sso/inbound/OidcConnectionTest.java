package fr.relais.sso.inbound;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;

import fr.relais.connector.ConnectionTest;
import fr.relais.connector.Connector;

/**
 * The {@code oidc} family's test: the provider's configuration ({@code /.well-known/openid-configuration}) read
 * again now, as a login reads it (same issuer, endpoints), and its signing keys ({@code jwks_uri}) fetched.
 */
@Component
class OidcConnectionTest implements ConnectionTest {

    private final OidcIdentitySource oidc;

    OidcConnectionTest(OidcIdentitySource oidc) {
        this.oidc = oidc;
    }

    @Override
    public Set<String> families() {
        return Set.of("oidc");
    }

    @Override
    public List<Check> run(Connector provider) {
        List<Check> checks = new ArrayList<>();
        OidcIdentitySource.Discovery d;
        try {
            d = oidc.rediscover(provider);
        } catch (OidcIdentitySource.Refused e) {
            checks.add(Check.echec("configuration OpenID", e.getMessage()));
            return checks;
        }
        checks.add(Check.ok("configuration OpenID", "émetteur " + d.issuer() + ", autorisation " + d.authorization()
                + ", jeton " + d.token() + (d.endSession() == null ? ", pas de déconnexion (end_session_endpoint)"
                : ", déconnexion " + d.endSession())));
        if (d.authorization().isBlank() || d.token().isBlank()) {
            checks.add(Check.echec("points d'accès", "authorization_endpoint ou token_endpoint absent de la configuration"));
        }
        try {
            List<JWK> keys = d.keys().get(new JWKSelector(new JWKMatcher.Builder().build()), null);
            checks.add(keys.isEmpty() ? Check.echec("clés de signature", "jwks_uri ne publie aucune clé")
                    : Check.ok("clés de signature", keys.size() + " clé(s) publiée(s) : " + String.join(", ",
                    keys.stream().map(k -> k.getKeyType() + (k.getKeyID() == null ? "" : " " + k.getKeyID())).toList())));
        } catch (com.nimbusds.jose.KeySourceException e) {
            checks.add(Check.echec("clés de signature", "jwks_uri illisible ou injoignable : " + e.getMessage()));
        }
        return checks;
    }
}
