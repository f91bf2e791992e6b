-- 0001: the foundation. Daemon metadata and the append-only, hash-chained audit log.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per request and decision. `seq` is the position in the hash chain (1, 2, 3, ... no gaps).
-- `hash` = SHA-256(prev_hash || canonical JSON of every other column), so changing any byte of any
-- row, or removing a row, breaks the chain at that row.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           TEXT    NOT NULL,             -- RFC 3339 UTC, microseconds
    request_id   TEXT,                         -- JSON-RPC id as JSON text; NULL for notifications
    peer_uid     INTEGER,
    peer_gid     INTEGER,
    peer_pid     INTEGER,
    peer_exe     TEXT,
    caller_class TEXT,                         -- interactive | automation | a configured class
    principal    TEXT,                         -- the signed-in person the request ran as, if any
    method       TEXT    NOT NULL,
    entity       TEXT,                         -- catalog entity ref the request was about, if any
    params       TEXT    NOT NULL,             -- canonical JSON, secrets redacted
    decision     TEXT    NOT NULL,             -- allow | deny | none (no policy question asked)
    rule         TEXT,                         -- the policy rule that decided
    outcome      TEXT    NOT NULL,             -- ok | error
    error_reason TEXT,                         -- stable reason string of the error, if any
    detail       TEXT,                         -- canonical JSON: extra facts (token fingerprint, exchange chain...)
    duration_us  INTEGER NOT NULL,
    prev_hash    BLOB    NOT NULL,
    hash         BLOB    NOT NULL
) STRICT;

-- Every index is one more page written per commit, and every request commits a record. Records
-- without a principal or entity (pings, status, refused frames) are never looked up by those
-- columns, so those two indexes are partial; `principal = ?` / `entity = ?` queries still use them.
CREATE INDEX audit_log_at        ON audit_log(at);
CREATE INDEX audit_log_principal ON audit_log(principal, seq) WHERE principal IS NOT NULL;
CREATE INDEX audit_log_method    ON audit_log(method, seq);
CREATE INDEX audit_log_entity    ON audit_log(entity, seq) WHERE entity IS NOT NULL;

-- Append-only: the database itself refuses to change or remove audit history.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: records cannot be changed');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: records cannot be removed');
END;
