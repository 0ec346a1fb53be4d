-- Tamper-evident audit trail: each event carries the SHA-256 of the previous one, so that changing or
-- removing an event breaks the chain from there on (GET /api/audit/verify says where).
CREATE TABLE audit_event (
    seq           BIGINT        PRIMARY KEY,
    at            TIMESTAMP WITH TIME ZONE NOT NULL,
    action        VARCHAR(64)   NOT NULL,
    actor         VARCHAR(255)  NOT NULL,
    subject       VARCHAR(255),
    personal_data VARCHAR(500),
    recipient     VARCHAR(255),
    outcome       VARCHAR(16)   NOT NULL,
    detail        VARCHAR(2000),
    prev_hash     VARCHAR(64)   NOT NULL,
    hash          VARCHAR(64)   NOT NULL
);
CREATE INDEX audit_event_at ON audit_event (at);
CREATE INDEX audit_event_subject ON audit_event (subject);

-- The head of the chain: one row, locked by every append so that appends from all nodes form one chain.
CREATE TABLE audit_head (
    id   INT          PRIMARY KEY,
    seq  BIGINT       NOT NULL,
    hash VARCHAR(64)  NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
