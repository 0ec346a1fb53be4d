-- A create under way is found by its lesson (school, class, date, start, title: ClassLogEntry.lessonKey) when the
-- tool's poll returns the copy before Relais recorded the tool's answer: one indexed look-up, instead of reading
-- every pending create of the tool for that class and day. Rows from before have no key and are still compared
-- one by one.
ALTER TABLE classlog_pending ADD COLUMN lesson VARCHAR(64);
CREATE INDEX classlog_pending_lesson ON classlog_pending (tool, lesson);
