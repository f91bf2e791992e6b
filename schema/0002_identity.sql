-- 0002: identity. Tokens are sealed (AES-GCM, key outside the database): a copy of this file alone
-- reveals no credential. Only non-secret facts (who, which audience, when it expires) are in clear.

-- The signed-in person (one per daemon) and the refresh token that keeps the session alive.
CREATE TABLE identity_session (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    issuer          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    principal_json  TEXT NOT NULL,
    refresh_sealed  BLOB,
    signed_in_at    REAL NOT NULL,
    updated_at      REAL NOT NULL
) STRICT;

-- Short-lived tokens, keyed by (principal, audience, scopes) so one identity never gets another's token.
CREATE TABLE identity_tokens (
    principal    TEXT NOT NULL,
    audience     TEXT NOT NULL,
    scopes       TEXT NOT NULL DEFAULT '',
    token_sealed BLOB NOT NULL,
    token_type   TEXT NOT NULL,
    issued_at    REAL NOT NULL,
    expires_at   REAL NOT NULL,
    chain        TEXT NOT NULL,
    PRIMARY KEY (principal, audience, scopes)
) STRICT;

-- The issuer's JWKS (public keys, not secret): refetched only when a token names an unknown kid.
CREATE TABLE identity_jwks (
    issuer     TEXT PRIMARY KEY,
    jwks       TEXT NOT NULL,
    fetched_at REAL NOT NULL
) STRICT;
