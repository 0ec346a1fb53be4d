package fr.relais.sso.saml;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectionTest;
import fr.relais.connector.Connector;

/**
 * The {@code saml2} family's test: the identity source's metadata read again now, as a login reads it (entity id,
 * HTTP-Redirect single sign-on, signing certificates), and each signing certificate's validity: expired is a
 * failure, expiring within 30 days a warning (Relais would refuse its signatures, or soon).
 */
@Component
class SamlConnectionTest implements ConnectionTest {

    private final IdpMetadata metadata;

    SamlConnectionTest(IdpMetadata metadata) {
        this.metadata = metadata;
    }

    @Override
    public Set<String> families() {
        return Set.of("saml2");
    }

    @Override
    public List<Check> run(Connector source) {
        List<Check> checks = new ArrayList<>();
        IdpMetadata.Idp idp;
        try {
            idp = metadata.refresh(source);
        } catch (OpenSaml.SamlException e) {
            checks.add(Check.echec("métadonnées", e.getMessage()));
            return checks;
        }
        checks.add(Check.ok("métadonnées", "entité " + idp.entityId() + ", connexion (HTTP-Redirect) " + idp.ssoRedirectUrl()
                + (idp.sloRedirectUrl() == null ? ", pas de déconnexion (HTTP-Redirect)" : ", déconnexion " + idp.sloRedirectUrl())));
        Instant now = Instant.now();
        for (X509Certificate c : idp.signingCertificates()) {
            String who = "certificat de signature « " + c.getSubjectX500Principal().getName() + " »";
            Instant until = c.getNotAfter().toInstant();
            if (until.isBefore(now)) {
                checks.add(Check.echec(who, "expiré le " + fr.relais.platform.FrenchDates.day(until)));
            } else if (c.getNotBefore().toInstant().isAfter(now)) {
                checks.add(Check.echec(who, "pas encore valide (à partir du " + fr.relais.platform.FrenchDates.day(c.getNotBefore().toInstant()) + ")"));
            } else if (until.isBefore(now.plus(Duration.ofDays(30)))) {
                checks.add(Check.attention(who, "expire le " + fr.relais.platform.FrenchDates.day(until) + " : demandez à l'ENT sa prochaine clé"));
            } else {
                checks.add(Check.ok(who, "valide jusqu'au " + fr.relais.platform.FrenchDates.day(until)));
            }
        }
        return checks;
    }
}
