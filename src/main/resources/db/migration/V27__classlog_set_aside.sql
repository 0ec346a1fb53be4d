-- A tool entry's record set aside because the tool gave its id to another lesson (reinstalled, restored): the id
-- it had there and when it was set aside, so that a change of it read before that moment (a page read before the
-- tool went back, applied after) still reaches its lesson instead of the one that now holds the id.
ALTER TABLE classlog_provenance ADD COLUMN set_aside_from VARCHAR(256);
ALTER TABLE classlog_provenance ADD COLUMN set_aside_at TIMESTAMP WITH TIME ZONE;
CREATE INDEX classlog_provenance_set_aside ON classlog_provenance (tool, set_aside_from);
