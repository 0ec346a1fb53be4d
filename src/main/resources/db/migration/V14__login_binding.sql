-- The browser a login was started in (SHA-256 of a random per-browser cookie): the identity source's answer is
-- only accepted back in that browser.
ALTER TABLE sso_login_request ADD COLUMN browser VARCHAR(64);
