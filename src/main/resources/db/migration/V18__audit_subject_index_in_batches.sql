-- The audit by person: the index of events by subject is kept apart and filled in batches by the audit writer
-- (AuditTrail), instead of one random insert into an index on audit_event per event. At a launch peak, that
-- index rewrote one page per event at every commit; filled every few seconds, a page takes many events at once.
-- Events after audit_subject_mark.seq are not indexed yet: a look-up by subject reads them from audit_event.
CREATE TABLE audit_subject (
    subject VARCHAR(255) NOT NULL,
    seq     BIGINT       NOT NULL,
    PRIMARY KEY (subject, seq)
);
CREATE TABLE audit_subject_mark (
    id  INT    PRIMARY KEY,
    seq BIGINT NOT NULL
);
-- the mark first, then the events up to it: events appended meanwhile (other nodes still running) are above the
-- mark, and the writer indexes them
INSERT INTO audit_subject_mark (id, seq) SELECT 1, seq FROM audit_head WHERE id = 1;
INSERT INTO audit_subject (subject, seq) SELECT subject, seq FROM audit_event
    WHERE subject IS NOT NULL AND seq <= (SELECT seq FROM audit_subject_mark WHERE id = 1);

DROP INDEX audit_event_subject;
