package fr.relais.licence;

import java.time.Instant;

/**
 * What single sign-on asks of licences, and all it asks: the decision before a publisher's resource is opened,
 * answered from subscriptions and assignments; the resources to list in the portal; and the pseudonyms it hands
 * out ({@link Licences} answers, from {@link SubscriptionDecisions}, {@link Mediacentre} and {@link Pseudonyms}). Schools and profiles come from the directory; the session's identity source must serve the school
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

    /**
     * The publishers' resources the portal lists for a person in one school: those the person may open there, each
     * with its title, publisher and launch link (the médiacentre's list).
     */
    java.util.List<java.util.Map<String, Object>> resources(fr.relais.directory.Person person, String uai);

    /**
     * Relais released this pairwise id to a publisher: kept, so that the publisher's check API resolves it. An id
     * already handed out never changes person.
     */
    void released(String publisherId, String ido, String personId);
}
