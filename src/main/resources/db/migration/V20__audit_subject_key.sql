-- The audit by person, cheaper to keep: one BIGINT per event instead of a (subject, seq) row. The key is
-- epoch | bucket | seq within the epoch (23 + 24 + 16 bits, AuditTrail.key): the epoch is the event's seq / 65,536,
-- the bucket 24 bits of a hash of the subject (AuditTrail.bucket). A look-up reads the bucket's range in each epoch
-- and keeps the events whose subject matches (a bucket holds a few persons). On H2 a single BIGINT primary key is the table itself: one B-tree of longs, where (subject, seq) was a
-- table plus a unique secondary index, both written at every batch.
-- The buckets are computed in Java: the mark goes back to 0 and the audit writer rebuilds the index in steps.
CREATE TABLE audit_subject_key (
    k BIGINT PRIMARY KEY
);
UPDATE audit_subject_mark SET seq = 0 WHERE id = 1;
DROP TABLE audit_subject;
