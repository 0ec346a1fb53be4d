package fr.relais.licence;

import java.util.List;

import fr.relais.connector.Territory;

/**
 * Who asks to open a resource, as single sign-on knows them: the person, what their identity source asserted,
 * and that source. Decisions take schools and profiles from the directory; what the source asserted counts only
 * for a person the directory does not know, and only when the source is trusted for it.
 *
 * @param personId       canonical id: the AAF jointure, or {@code jit-...} for a person created just in time
 * @param claimedProfiles the national profiles the source asserted
 * @param claimedSchools the UAIs the source asserted, already cut to its territory
 * @param source         the identity source of the session
 */
public record Requester(String personId, List<String> claimedProfiles, List<String> claimedSchools, Source source) {

    public Requester {
        claimedProfiles = List.copyOf(claimedProfiles);
        claimedSchools = List.copyOf(claimedSchools);
    }

    /**
     * @param id          the connector's id (for the audit trail)
     * @param name        its name as users know it (for the messages they read)
     * @param territory   the schools it may speak for
     * @param trustClaims whether its assertions of schools and profiles count for persons the directory does not
     *                    know ({@code sso.trustClaims}, off unless configured)
     */
    public record Source(String id, String name, Territory territory, boolean trustClaims) {
    }
}
