package fr.relais.directory.aaf;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Every AAF import, kept in the database: what a territory administrator or an auditor asks first. */
@Repository
public class ImportHistory {

    /** One past import, as listed by {@code GET /api/directory/imports}. */
    public record Entry(long id, String file, String source, String status, boolean fullSnapshot, long records,
                        long added, long modified, long deleted, long unchanged, long rejected, String error,
                        Instant startedAt, long durationMs) {
    }

    private final JdbcTemplate jdbc;

    public ImportHistory(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public void record(ImportReport report, String source) {
        String error = report.getError();
        jdbc.update("""
                INSERT INTO directory_import (file_name, source, status, full_snapshot, records, added, modified,
                    deleted, unchanged, rejected, error, started_at, duration_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                truncate(report.getFile(), 255), source, report.getStatus(), report.isFullSnapshot(),
                report.getRecords(), report.getAdded(), report.getModified(), report.getDeleted(),
                report.getUnchanged(), report.getRejected(), error == null ? null : truncate(error, 2000),
                Timestamp.from(report.getStartedAt()), report.getDurationMs());
    }

    public List<Entry> latest(int limit) {
        return jdbc.query("""
                SELECT id, file_name, source, status, full_snapshot, records, added, modified, deleted, unchanged,
                       rejected, error, started_at, duration_ms
                FROM directory_import ORDER BY started_at DESC, id DESC LIMIT ?""",
                (rs, n) -> new Entry(rs.getLong("id"), rs.getString("file_name"), rs.getString("source"),
                        rs.getString("status"), rs.getBoolean("full_snapshot"), rs.getLong("records"),
                        rs.getLong("added"), rs.getLong("modified"), rs.getLong("deleted"), rs.getLong("unchanged"),
                        rs.getLong("rejected"), rs.getString("error"), rs.getTimestamp("started_at").toInstant(),
                        rs.getLong("duration_ms")),
                limit);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
