-- The identity source's own ticket (CAS ENTs): when the ENT signals a logout for it, the session ends.
ALTER TABLE sso_session ADD COLUMN source_ticket VARCHAR(64);
CREATE INDEX sso_session_source_ticket ON sso_session (source_connector, source_ticket);
