package fr.relais.sso.saml;


import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import fr.relais.platform.RelaisProperties;
import fr.relais.sso.PairwiseIds;
import fr.relais.sso.SsoProperties;

@Configuration
public class SamlConfig {

    @Bean
    SigningKeys samlSigningKeys(SsoProperties sso, RelaisProperties relais) {
        SsoProperties.Saml saml = sso.saml();
        if (saml.keystore() != null) {
            return SigningKeys.load(saml.keystore(), saml.keystorePassword() == null ? new char[0]
                    : saml.keystorePassword().toCharArray(), null);
        }
        return SigningKeys.loadOrGenerate(relais.dataDir().resolve("keys").resolve("saml-idp.p12"), "Relais IdP");
    }

    @Bean
    PairwiseIds pairwiseIds(SsoProperties sso, RelaisProperties relais) {
        return PairwiseIds.fromConfigOrFile(sso.pairwiseSecret(), relais.dataDir().resolve("keys").resolve("pairwise-secret"));
    }

}
