-- A publisher's request for an assertion (SP-initiated AuthnRequest or an IdP-initiated launch link), kept
-- while the user logs in, used once.
CREATE TABLE saml_idp_request (
    id             VARCHAR(64)   PRIMARY KEY,
    publisher_id   VARCHAR(64)   NOT NULL,
    acs_url        VARCHAR(2000) NOT NULL,
    in_response_to VARCHAR(256),
    relay_state    VARCHAR(2000),
    resource_id    VARCHAR(512),
    uai            VARCHAR(16),
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    consumed_at    TIMESTAMP WITH TIME ZONE
);

-- Assertions issued in a session (the session records every ticket and assertion issued in it).
CREATE TABLE saml_assertion_issued (
    id           VARCHAR(128)  PRIMARY KEY,
    session_id   VARCHAR(64)   NOT NULL REFERENCES sso_session (id),
    publisher_id VARCHAR(64)   NOT NULL,
    resource_id  VARCHAR(512),
    uai          VARCHAR(16),
    issued_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX saml_assertion_issued_session ON saml_assertion_issued (session_id);
