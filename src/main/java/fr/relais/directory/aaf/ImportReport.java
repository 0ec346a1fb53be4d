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
    private final List<Issue> rejections = new ArrayList<>();
    private final List<Issue> warnings = new ArrayList<>();
    private final Instant startedAt = Instant.now();
    private long durationMs;

    public ImportReport(String file) {
        this.file = file;
    }

    public static ImportReport failed(String file, String error) {
        ImportReport report = new ImportReport(file);
        report.status = ERROR;
        report.error = error;
        return report;
    }

    void reject(String id, String reason) {
        rejections.add(new Issue(id, reason));
    }

    void warn(String id, String reason) {
        warnings.add(new Issue(id, reason));
    }

    void added() {
        added++;
    }

    void modified() {
        modified++;
    }

    void deleted(long count) {
        deleted += count;
    }

    void unchanged() {
        unchanged++;
    }

    void records(long count) {
        records = count;
    }

    void fullSnapshot(boolean full) {
        fullSnapshot = full;
    }

    void finish() {
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

    public long getRejected() {
        return rejections.size();
    }

    public List<Issue> getRejections() {
        return rejections;
    }

    public List<Issue> getWarnings() {
        return warnings;
    }

    public Instant getStartedAt() {
        return startedAt;
    }

    public long getDurationMs() {
        return durationMs;
    }
}
