-- The lessons a tool lost when it went backwards (restored, reinstalled), found at the end of its re-read: written
-- into it again. Kept here, in the transaction that removes the records of the lost copies, so that the deliveries
-- are made again when that end of re-read is applied a second time (a crash after its commit lost its deliveries,
-- and the records they were computed from are gone). A row goes at a later end of re-read of that tool and school,
-- once the tool holds a copy recorded again.
CREATE TABLE classlog_lost_copy (
    tool      VARCHAR(64)  NOT NULL,
    school    VARCHAR(16)  NOT NULL,
    entry_id  VARCHAR(64)  NOT NULL,
    lost_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (tool, school, entry_id)
);
