-- A tool whose change feed went backwards (restored from a backup, reinstalled: its counter below Relais'
-- watermark) is read again from its start: since when (while it lasts), and the last such event with its reason,
-- for the status.
ALTER TABLE classlog_watermark ADD COLUMN reread_since TIMESTAMP WITH TIME ZONE;
ALTER TABLE classlog_watermark ADD COLUMN last_reset_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE classlog_watermark ADD COLUMN last_reset_reason VARCHAR(1000);
-- Set by the changes step when a check of the tool's feed (queued behind its pages, so that none is in flight)
-- finds that it went backwards; the tool's next poll then starts it again from its start.
ALTER TABLE classlog_watermark ADD COLUMN reset_requested VARCHAR(1000);
