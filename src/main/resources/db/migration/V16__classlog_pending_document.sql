-- A create under way keeps the document it sent: after a crash, the copy it may have made is looked up by what
-- was written, not by the entry's later state.
ALTER TABLE classlog_pending ADD COLUMN document TEXT;
