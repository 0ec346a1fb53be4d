package fr.relais.licence;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorRegistry;

/**
 * Decisions from the publisher connector's own policy ({@code licence.policy} in its YAML), until subscriptions
 * and assignments exist: {@code profiles} lists who may enter (default: nobody, fail closed). The person must
 * belong to the school of the access in any case.
 */
@Component
public class PublisherPolicyDecisions implements EntitlementDecisions {

    static final Duration VALIDITY = Duration.ofHours(1);

    private final ConnectorRegistry registry;

    public PublisherPolicyDecisions(ConnectorRegistry registry) {
        this.registry = registry;
    }

    @Override
    public EntitlementDecision decide(String personId, List<String> profiles, List<String> schools, String uai,
                                      String publisherId, String resourceId, Instant at) {
        if (uai != null && !schools.contains(uai)) {
            return new EntitlementDecision.Denied(EntitlementDecision.Reason.NOT_IN_SCHOOL,
                    "Vous n'êtes pas inscrit dans l'établissement " + uai + " selon l'annuaire : demandez au "
                            + "secrétariat de votre établissement de vérifier votre inscription.");
        }
        JsonNode policy = registry.find(publisherId).map(c -> c.descriptor().path("licence").path("policy"))
                .orElse(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
        List<String> allowed = new ArrayList<>();
        policy.path("profiles").forEach(p -> allowed.add(p.asText()));
        if (profiles.stream().anyMatch(allowed::contains)) {
            return new EntitlementDecision.Allowed(at.plus(VALIDITY));
        }
        return new EntitlementDecision.Denied(EntitlementDecision.Reason.PUBLISHER_POLICY,
                "Votre établissement ne dispose pas d'accès à cette ressource pour votre profil : adressez-vous au "
                        + "professeur documentaliste ou au référent numérique de votre établissement.");
    }
}
