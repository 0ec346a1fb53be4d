package fr.relais.directory.aaf;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What one AAF file did to the directory. {@code rejections} are records (or removals) not applied;
 * {@code warnings} are records applied with something left out (an unknown attribute, a class of an unknown
 * school, a duplicated id). {@code status} is {@code done}, or {@code error} with {@code error} saying why
 * the file as a whole was refused; then nothing was applied.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"file", "status", "error", "fullSnapshot", "records", "added", "modified", "deleted", "unchanged",
        "rejected", "rejections", "warnings", "startedAt", "durationMs"})
public class ImportReport {

    public record Issue(String id, String reason) {
    }

    public static final String DONE = "done";
    public static final String ERROR = "error";

    private final String file;
    private String status = DONE;
    private String error;
    private boolean fullSnapshot;
    private long records;
    private long added;
    private long modified;
    private long deleted;
    private long unchanged;
    /** Issues are listed in the order of the file, whatever order parallel workers found them in. */
    private record Ordered(long order, long seq, Issue issue) {
    }

    private final List<Ordered> rejections = new ArrayList<>();
    private final List<Ordered> warnings = new ArrayList<>();
    private long seq;
    private final Instant startedAt = Instant.now();
    private long durationMs;

    public ImportReport(String file) {
        this.file = file;
    }

    public static ImportReport failed(String file, String error) {
        ImportReport report = new ImportReport(file);
        report.status = ERROR;
        report.error = error;
        report.finish();
        return report;
    }

    /** @param order the line of the record concerned, so that reports read like the file */
    synchronized void reject(long order, String id, String reason) {
        rejections.add(new Ordered(order, seq++, new Issue(id, reason)));
    }

    synchronized void warn(long order, String id, String reason) {
        warnings.add(new Ordered(order, seq++, new Issue(id, reason)));
    }

    synchronized void added() {
        added++;
    }

    synchronized void modified() {
        modified++;
    }

    synchronized void deleted(long count) {
        deleted += count;
    }

    synchronized void unchanged() {
        unchanged++;
    }

    void records(long count) {
        records = count;
    }

    void fullSnapshot(boolean full) {
        fullSnapshot = full;
    }

    synchronized void finish() {
        java.util.Comparator<Ordered> byOrder = java.util.Comparator.comparingLong(Ordered::order)
                .thenComparingLong(Ordered::seq);
        rejections.sort(byOrder);
        warnings.sort(byOrder);
        durationMs = java.time.Duration.between(startedAt, Instant.now()).toMillis();
    }

    public String getFile() {
        return file;
    }

    public String getStatus() {
        return status;
    }

    public String getError() {
        return error;
    }

    public boolean isFullSnapshot() {
        return fullSnapshot;
    }

    public long getRecords() {
        return records;
    }

    public long getAdded() {
        return added;
    }

    public long getModified() {
        return modified;
    }

    public long getDeleted() {
        return deleted;
    }

    public long getUnchanged() {
        return unchanged;
    }

    public synchronized long getRejected() {
        return rejections.size();
    }

    public synchronized List<Issue> getRejections() {
        return rejections.stream().map(Ordered::issue).toList();
    }

    public synchronized List<Issue> getWarnings() {
        return warnings.stream().map(Ordered::issue).toList();
    }

    public Instant getStartedAt() {
        return startedAt;
    }

    public long getDurationMs() {
        return durationMs;
    }
}
