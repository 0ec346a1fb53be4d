-- What Relais needs to end the user's session at the ENT too (logout propagation) and when the ENT last
-- authenticated the user (renew / ForceAuthn / max_age=0 are checked against it, and a publisher's assertion
-- states it as its AuthnInstant).
-- ent_logout_hint: the OpenID Connect ID token (id_token_hint) or the SAML SessionIndex given at login.
ALTER TABLE sso_session ADD COLUMN authenticated_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE sso_session ADD COLUMN ent_logout_hint VARCHAR(8000);
-- A publisher that asked for ForceAuthn gets its assertion only from a session the ENT opened after its request.
ALTER TABLE saml_idp_request ADD COLUMN force_authn BOOLEAN DEFAULT FALSE NOT NULL;
