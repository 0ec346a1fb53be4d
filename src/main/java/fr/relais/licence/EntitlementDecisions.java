package fr.relais.licence;

import java.time.Instant;
import java.util.List;

/**
 * The one question single sign-on asks before a publisher's resource is opened. The licence capability answers
 * it from subscriptions and assignments; until it does, the publisher connector's policy answers.
 *
 * @see PublisherPolicyDecisions
 */
public interface EntitlementDecisions {

    /**
     * @param personId    canonical person id (AAF jointure)
     * @param profiles    the person's national profiles
     * @param schools     the UAIs of the person's schools
     * @param uai         the school of this access
     * @param publisherId the publisher connector
     * @param resourceId  the resource ({@code idRessource}), may be null for the publisher's home
     */
    EntitlementDecision decide(String personId, List<String> profiles, List<String> schools, String uai,
                               String publisherId, String resourceId, Instant at);
}
