-- Authorization requests Relais sent to OpenID Connect identity sources: state, nonce and PKCE verifier,
-- used once.
CREATE TABLE oidc_request (
    state            VARCHAR(64)   PRIMARY KEY,
    connector_id     VARCHAR(64)   NOT NULL,
    login_request_id VARCHAR(64)   NOT NULL,
    nonce            VARCHAR(64)   NOT NULL,
    code_verifier    VARCHAR(128)  NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    consumed_at      TIMESTAMP WITH TIME ZONE
);
