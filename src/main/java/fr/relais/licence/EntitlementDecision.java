package fr.relais.licence;

import java.time.Instant;

/** May this person open this resource in this school, now? */
public sealed interface EntitlementDecision permits EntitlementDecision.Allowed, EntitlementDecision.Denied {

    record Allowed(Instant validUntil) implements EntitlementDecision {
    }

    /**
     * @param reason  one of the fixed reasons (no subscription, expired, not yet valid, audience not covered, no
     *                licence left, not assigned, person not in this school, ...)
     * @param message what the user reads, in French, with whom to ask
     */
    record Denied(Reason reason, String message) implements EntitlementDecision {
    }

    /**
     * {@code NOT_IN_DIRECTORY}: the person is not in the directory and their identity source is not trusted for
     * its claims; {@code OUTSIDE_SOURCE_TERRITORY}: the identity source of the session does not serve the school.
     */
    enum Reason { NO_SUBSCRIPTION, EXPIRED, NOT_YET_VALID, AUDIENCE_NOT_COVERED, NO_LICENCE_LEFT, NOT_ASSIGNED,
        NOT_IN_SCHOOL, PUBLISHER_POLICY, NOT_IN_DIRECTORY, OUTSIDE_SOURCE_TERRITORY }
}
