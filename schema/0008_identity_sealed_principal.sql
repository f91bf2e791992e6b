-- 0008: the signed-in person's claims (email, name, groups) and each token's identity chain (which
-- names the person) are sealed like the tokens, and the JWKS has a lifetime.
--
-- principal_sealed holds the principal JSON sealed with the identity key (AES-GCM, bound to the
-- row); principal_json is left empty for rows written from now on. SQL cannot seal, so a row
-- written before this migration keeps its clear copy until the daemon next starts, which reads it
-- and writes it back sealed.
ALTER TABLE identity_session ADD COLUMN principal_sealed BLOB;

-- The chain (`alice@corp → sts → sa@proj`) sealed; `chain` is left empty for rows written from now on.
ALTER TABLE identity_tokens ADD COLUMN chain_sealed BLOB;

-- When the cached JWKS must be fetched again (from the answer's Cache-Control, within bounds).
-- NULL (rows from before this migration) counts as already expired.
ALTER TABLE identity_jwks ADD COLUMN expires_at REAL;
