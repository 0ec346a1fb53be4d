-- Single sign-on state, shared by every node: sessions, the logins in flight through an identity source,
-- the tickets issued, and the accounts Relais links to canonical persons.

-- One SSO session per browser. The cookie holds a random token; only its SHA-256 is stored here.
CREATE TABLE sso_session (
    id               VARCHAR(64)   PRIMARY KEY,
    person_id        VARCHAR(128)  NOT NULL,
    source_connector VARCHAR(64)   NOT NULL,
    subject          VARCHAR(255)  NOT NULL,
    renewed          BOOLEAN       NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at         TIMESTAMP WITH TIME ZONE
);

-- A login started at /cas/login (or a portal login) and waiting for the identity source to answer.
CREATE TABLE sso_login_request (
    id           VARCHAR(64)   PRIMARY KEY,
    service      VARCHAR(2000),
    renew        BOOLEAN       NOT NULL,
    connector_id VARCHAR(64),
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    consumed_at  TIMESTAMP WITH TIME ZONE
);

-- CAS service tickets issued to school tools: single use, short-lived.
CREATE TABLE cas_service_ticket (
    id           VARCHAR(128)  PRIMARY KEY,
    session_id   VARCHAR(64)   NOT NULL REFERENCES sso_session (id),
    service      VARCHAR(2000) NOT NULL,
    connector_id VARCHAR(64)   NOT NULL,
    from_renew   BOOLEAN       NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    consumed_at  TIMESTAMP WITH TIME ZONE
);
CREATE INDEX cas_service_ticket_session ON cas_service_ticket (session_id);

-- Who an identity source's subject is: a person of the directory (jointure), or a person created just in
-- time from the asserted attributes (unlinked = true) until an administrator links it.
CREATE TABLE sso_account (
    source_connector VARCHAR(64)   NOT NULL,
    subject          VARCHAR(255)  NOT NULL,
    person_id        VARCHAR(128)  NOT NULL,
    unlinked         BOOLEAN       NOT NULL,
    last_name        VARCHAR(255),
    first_name       VARCHAR(255),
    profiles         VARCHAR(500),
    schools          VARCHAR(500),
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    last_login_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (source_connector, subject)
);
