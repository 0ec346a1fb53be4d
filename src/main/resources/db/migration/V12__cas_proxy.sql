-- CAS proxy granting tickets (a portal acting for the user towards other tools) and the proxy tickets they give.
CREATE TABLE cas_proxy_granting_ticket (
    id           VARCHAR(128)  PRIMARY KEY,
    session_id   VARCHAR(64)   NOT NULL REFERENCES sso_session (id),
    pgt_url      VARCHAR(2000) NOT NULL,
    connector_id VARCHAR(64)   NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
ALTER TABLE cas_service_ticket ADD COLUMN proxied_by VARCHAR(2000);
