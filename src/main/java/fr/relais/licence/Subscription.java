package fr.relais.licence;

import java.time.Instant;
import java.util.List;

/**
 * A publisher's subscription for one or more schools (GAR {@code abonnement}). Licence counts are null when
 * absent and {@link #UNLIMITED} for {@code ILLIMITE}.
 */
public record Subscription(String publisherId, String id, String distributorId, String resourceId,
                           String resourceIdType, String resourceLabel, String comment, Instant validFrom,
                           Instant validUntil, String schoolYearEnd, String uaiNature, boolean transferable,
                           AssignmentType assignmentType, Integer nbTeacher, Integer nbPupil, Integer nbLibrarian,
                           Integer nbOther, Integer nbGlobal, String projectCode, List<String> schools,
                           List<String> audiences) {

    public static final int UNLIMITED = -1;

    /** ETABL: the whole school's target audience, uncounted; INDIV: licences assigned and counted per person. */
    public enum AssignmentType { ETABL, INDIV }
}
