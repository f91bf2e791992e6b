-- 0011: the Looker service account's current credentials_api3 pair after a rotation.
-- The config's secret file holds the first pair; once Gatehouse rotates it, that pair is deleted in
-- Looker and the pair in use lives only here. The secret is sealed (AES-GCM, the identity
-- module's key, bound to the client id); the client id is not secret (it names the service user).
CREATE TABLE looker_service_credentials (
    base_url        TEXT PRIMARY KEY,          -- the Looker instance the pair belongs to
    client_id       TEXT NOT NULL,
    sealed_secret   BLOB NOT NULL,
    rotated_at      REAL NOT NULL              -- unix seconds of the rotation that made this pair
) STRICT;
