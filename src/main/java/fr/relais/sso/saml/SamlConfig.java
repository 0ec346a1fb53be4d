package fr.relais.sso.saml;


import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import fr.relais.platform.InvalidSetting;
import fr.relais.platform.RelaisProperties;
import fr.relais.sso.PairwiseIds;
import fr.relais.sso.SsoProperties;

@Configuration
public class SamlConfig {

    private static final Logger log = LoggerFactory.getLogger(SamlConfig.class);

    @Bean
    SigningKeys samlSigningKeys(SsoProperties sso, RelaisProperties relais) {
        return signingKeys(sso.saml(), relais.dataDir());
    }

    /**
     * The current key (configured, or generated in demo) and, during a roll-over, the next one: both published,
     * the one {@code sign-with} names signing.
     */
    static SigningKeys signingKeys(SsoProperties.Saml saml, Path dataDir) {
        SigningKeys current = saml.keystore() != null
                ? SigningKeys.load(saml.keystore(), password(saml.keystorePassword()), saml.keystoreAlias(),
                        "relais.sso.saml.keystore")
                : SigningKeys.loadOrGenerate(dataDir.resolve("keys").resolve("saml-idp.p12"), "Relais IdP");
        if (saml.nextKeystore() == null) {
            if (saml.signWith() == SsoProperties.SignWith.NEXT) {
                throw new InvalidSetting("relais.sso.saml.sign-with : « next » demande une clé suivante, or "
                        + "relais.sso.saml.next-keystore n'est pas renseigné ; renseignez-le ou revenez à « current »");
            }
            return current;
        }
        SigningKeys next = SigningKeys.load(saml.nextKeystore(), password(saml.nextKeystorePassword()),
                saml.nextKeystoreAlias(), "relais.sso.saml.next-keystore");
        if (next.certificate().equals(current.certificate())) {
            throw new InvalidSetting("relais.sso.saml.next-keystore : " + saml.nextKeystore().toAbsolutePath().normalize()
                    + " contient le même certificat que la clé actuelle ; la clé suivante doit être une nouvelle clé "
                    + "(deploy/secrets --next-saml-key)");
        }
        boolean switched = saml.signWith() == SsoProperties.SignWith.NEXT;
        log.info("Rotation de la clé SAML : deux certificats publiés (actuel {}, suivant {}), signature avec la clé {}",
                current.certificate().getSerialNumber().toString(16), next.certificate().getSerialNumber().toString(16),
                switched ? "suivante" : "actuelle");
        return switched ? SigningKeys.rollOver(next, current) : SigningKeys.rollOver(current, next);
    }

    private static char[] password(String password) {
        return password == null ? new char[0] : password.toCharArray();
    }

    @Bean
    PairwiseIds pairwiseIds(SsoProperties sso, RelaisProperties relais) {
        return PairwiseIds.fromConfigOrFile(sso.pairwiseSecret(), relais.dataDir().resolve("keys").resolve("pairwise-secret"));
    }

}
