-- Set by a delivery that finds Relais' copy changed in the tool while the tool's poll brings no such change (a
-- counter restored below Relais' watermark hides it): the tool's next idle poll then checks its feed (see probe).
ALTER TABLE classlog_watermark ADD COLUMN check_requested TIMESTAMP WITH TIME ZONE;
-- From the moment a tool's feed is found gone backwards until the end of its re-read is applied: its ids may name
-- other lessons than those Relais recorded, so that no copy of it is overwritten or deleted meanwhile.
ALTER TABLE classlog_watermark ADD COLUMN reread_pending TIMESTAMP WITH TIME ZONE;
