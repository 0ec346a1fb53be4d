-- A change that gives a lesson Relais knows under a tool's id another title, date or start is not applied at once:
-- it is what a teacher's edit looks like, and also what a reinstalled or restored tool does when it gives that id
-- to a new lesson with a counter that lines up. It waits in classlog_parked, awaits_feed_check TRUE, for a check of
-- that tool's feed read after it was parked: applied when the feed did not go backwards, read again from the start
-- (as a new lesson) when it did. Rows with FALSE wait for the directory, as before.
ALTER TABLE classlog_parked ADD COLUMN awaits_feed_check BOOLEAN DEFAULT FALSE NOT NULL;

-- When Relais asked the tool to make this copy (null for a copy Relais read from the tool): a change read from the
-- tool before that moment cannot be about this copy. Under the same id it is about what the id named before, in a
-- tool gone back (reinstalled, restored) that gave the id again; it is not applied to this copy.
ALTER TABLE classlog_provenance ADD COLUMN written_at TIMESTAMP WITH TIME ZONE;
