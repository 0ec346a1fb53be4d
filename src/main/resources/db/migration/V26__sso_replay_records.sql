-- The AuthnRequest IDs each publisher sent, from any node: a request received twice (captured and replayed, or
-- sent by two nodes' worth of retries) starts one login only. Kept as long as the requests themselves.
CREATE TABLE saml_idp_request_seen (
    publisher_id VARCHAR(64)  NOT NULL,
    request_id   VARCHAR(256) NOT NULL,
    received_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (publisher_id, request_id)
);

-- The OpenID Connect back-channel logout tokens (their jti) each provider sent, from any node: a token captured
-- and sent again is refused.
CREATE TABLE oidc_logout_token_seen (
    connector_id VARCHAR(64)  NOT NULL,
    jti          VARCHAR(256) NOT NULL,
    received_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (connector_id, jti)
);
