package fr.relais.licence;

import java.time.Instant;

/**
 * The one question single sign-on asks before a publisher's resource is opened, answered from subscriptions and
 * assignments. Schools and profiles come from the directory; the session's identity source must serve the school
 * of the access; a person the directory does not know opens nothing paid unless that source is trusted for its
 * claims.
 */
public interface EntitlementDecisions {

    /**
     * @param who         the person of the session and its identity source
     * @param uai         the school of this access
     * @param publisherId the publisher connector
     * @param resourceId  the resource ({@code idRessource}), may be null for the publisher's home
     */
    EntitlementDecision decide(Requester who, String uai, String publisherId, String resourceId, Instant at);
}
