-- 0012: this host in the fleet (docs/fleet.md). One row: the host's Ed25519 key, made at first start
-- and sealed with the identity key like the tokens (AES-GCM, bound to the host id), and what the
-- shipper needs to resume: the last seq the collector acknowledged and its latest cosigned checkpoint.
CREATE TABLE fleet_host (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    host_id         TEXT NOT NULL,
    key_sealed      BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    -- The collector this host registered with, and who signed in for it (subject), if it has.
    registered_with TEXT,
    registered_as   TEXT,
    -- The shipping cursor: every record up to shipped_seq is stored and cosigned by the collector.
    shipped_seq     INTEGER NOT NULL DEFAULT 0 CHECK (shipped_seq >= 0),
    -- The latest checkpoint the collector cosigned (signed-note text), kept to detect truncation locally.
    cosigned_note   TEXT,
    cosigned_size   INTEGER,
    -- The witness public key (base64) pinned at registration: cosignatures by any other key are refused.
    witness_key     TEXT,
    updated_at      TEXT NOT NULL
) STRICT;
