-- No query reads the audit by its time (it is read by sequence, or by subject); the index on "at" only cost an
-- insert into one more B-tree for every event, licence decisions included. Times follow the sequence, so a
-- range of time is a range of seq.
DROP INDEX audit_event_at;
