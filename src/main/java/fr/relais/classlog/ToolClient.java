package fr.relais.classlog;

import java.util.List;
import java.util.Optional;

import fr.relais.connector.Connector;

/**
 * What the sync engine needs from a class-log tool, written once per connector family (the tool's API shape)
 * and instantiated by the tool's descriptor. Clients are Spring beans; the engine picks the one whose
 * {@link #family()} is the descriptor's {@code family:}.
 * <p>
 * Errors: {@link ToolException#unavailable} when the tool cannot answer now (network, timeout, 5xx, expired
 * session that cannot be renewed): the engine waits and retries without limit behind the target's circuit
 * breaker. {@link ToolException#refused} when the tool answered and refuses this entry (4xx, an error code in
 * the body): the engine retries a configured number of times and then dead-letters the delivery.
 */
public interface ToolClient {

    /** The value of {@code family:} in the descriptors this client serves. */
    String family();

    /**
     * The school's entries changed in the tool after {@code watermark} ({@code null}: from the beginning), oldest
     * first, each with the watermark to resume after it. Deletes come as changes with {@code deleted} set. An
     * entry the client cannot read fully still comes, with the unreadable fields null, so that the normaliser
     * records why it is refused.
     */
    List<Polled> poll(Connector tool, String school, String watermark) throws ToolException;

    /**
     * Writes an entry into the tool: creates it when {@code toolEntryId} is null, replaces it otherwise.
     * Answers the tool's id and version for what it stored, so that the next poll recognises it.
     */
    Written write(Connector tool, String toolEntryId, ClassLogEntry entry) throws ToolException;

    /** Deletes the tool's copy; an entry the tool no longer has is not an error. */
    void delete(Connector tool, String school, String toolEntryId) throws ToolException;

    /**
     * The tool's copy of this lesson (same school, audience, date, start and title), if it holds one, with what it
     * holds: after a crash between a create and its record, the retry links that copy instead of creating a second
     * one; before an update, Relais checks that the copy has not changed in the tool since it last read or wrote it.
     */
    Optional<Written> find(Connector tool, ClassLogEntry entry) throws ToolException;

    /**
     * Whether {@link #find} sees every copy the tool holds, so that a copy it cannot find is gone or no longer the
     * lesson Relais wrote (its title or time changed, its id given to another lesson). A tool that only shows part of
     * what it holds (changes-only exports) answers false: Relais then writes over the recorded id as before.
     */
    default boolean findsEveryCopy(Connector tool) throws ToolException {
        return true;
    }

    /** One change read from the tool, and the watermark that resumes polling after it. */
    record Polled(ClassLogStore.ToolChange change, String watermark) {
    }

    /**
     * The tool's id and version for an entry Relais wrote, or found ({@link #find}); a copy found carries what the
     * tool holds ({@code entry}, null when the family cannot tell), so that a copy changed in the tool since Relais
     * wrote it is not overwritten.
     */
    record Written(String toolEntryId, String toolVersion, ClassLogEntry entry) {
        public Written(String toolEntryId, String toolVersion) {
            this(toolEntryId, toolVersion, null);
        }
    }
}
