-- A tool newly read for a class is read again from its start for the school. The node that saves the plan may
-- not be the one polling (several nodes): it marks the plan's rows, and the polling node resets the watermark
-- under its poll lock, then clears the mark.
ALTER TABLE classlog_sync ADD COLUMN reread_requested_at TIMESTAMP WITH TIME ZONE;
