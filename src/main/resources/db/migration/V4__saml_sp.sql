-- AuthnRequests Relais sent to SAML identity sources, waiting for their Response (InResponseTo), used once.
CREATE TABLE saml_sp_request (
    id               VARCHAR(64)   PRIMARY KEY,
    connector_id     VARCHAR(64)   NOT NULL,
    login_request_id VARCHAR(64)   NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    consumed_at      TIMESTAMP WITH TIME ZONE
);

-- Assertion ids already accepted, until they expire: the same assertion is never accepted twice.
CREATE TABLE saml_sp_assertion_seen (
    id         VARCHAR(256)  PRIMARY KEY,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
