-- 0010: when and how the signed-in person last authenticated at the IdP (the ID token's auth_time and
-- the sign-in flow), kept with the session so a step-up approval after a daemon restart still knows.
ALTER TABLE identity_session ADD COLUMN auth_time REAL;
ALTER TABLE identity_session ADD COLUMN auth_method TEXT;
