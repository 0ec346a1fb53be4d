package fr.relais.classlog;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The cahier de textes sync: the initial plan ({@code sync}, loaded into the database at start when the class
 * has no plan yet; the admin API changes it afterwards), which tool wins a conflict at the same instant
 * ({@code precedence}, first wins), and the delivery policy.
 *
 * @param deliveryAttempts    attempts of a delivery the target refuses before it is dead-lettered
 * @param redeliveryDelay     first wait before a refused delivery is tried again (then doubled each time)
 * @param maxRedeliveryDelay  longest wait between two attempts
 * @param breakerOpen         how long a target's circuit stays open before one delivery probes it
 * @param breakerFailures     consecutive failures to reach a target that open its circuit
 * @param toolSchedules       whether each tool is polled at its descriptor's {@code schedules.classlogPoll}
 *                            (true) or at every tick of {@code poll-period} (false: the demo and the tests)
 */
@ConfigurationProperties("relais.classlog")
public record ClassLogSettings(List<Sync> sync, List<String> precedence, Integer deliveryAttempts,
                               Duration redeliveryDelay, Duration maxRedeliveryDelay, Duration breakerOpen,
                               Integer breakerFailures, Boolean toolSchedules) {

    public ClassLogSettings {
        sync = sync == null ? List.of() : sync;
        precedence = precedence == null ? List.of() : precedence;
        deliveryAttempts = deliveryAttempts == null ? 5 : deliveryAttempts;
        redeliveryDelay = redeliveryDelay == null ? Duration.ofSeconds(2) : redeliveryDelay;
        maxRedeliveryDelay = maxRedeliveryDelay == null ? Duration.ofMinutes(1) : maxRedeliveryDelay;
        breakerOpen = breakerOpen == null ? Duration.ofSeconds(10) : breakerOpen;
        breakerFailures = breakerFailures == null ? 3 : breakerFailures;
        toolSchedules = toolSchedules == null || toolSchedules;
    }

    /** One class kept in several tools; {@code directions} by tool (both when absent: both ways). */
    public record Sync(String school, String audience, List<String> tools, java.util.Map<String, String> directions) {
    }
}
