-- Changes from a tool that wait for the directory: their school, class or group is not imported yet. One row per
-- tool entry (its latest change, as the poll queued it), applied once the directory knows the target, then removed.
-- first_parked_at survives a re-parking (the age shown and alerted on); alerted_at: the overdue warning was logged.
CREATE TABLE classlog_parked (
    tool            VARCHAR(64)   NOT NULL,
    tool_entry_id   VARCHAR(256)  NOT NULL,
    tool_version    VARCHAR(128)  NOT NULL,
    modified_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    page_item       TEXT          NOT NULL,
    school          VARCHAR(8)    NOT NULL,
    audience        VARCHAR(64)   NOT NULL,
    reason          VARCHAR(1000) NOT NULL,
    parked_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    first_parked_at TIMESTAMP WITH TIME ZONE NOT NULL,
    alerted_at      TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (tool, tool_entry_id)
);
CREATE INDEX classlog_parked_class ON classlog_parked (school, audience);
