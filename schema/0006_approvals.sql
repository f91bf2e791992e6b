-- 0006: approvals that sensitive actions from automated callers wait for (human oversight).
CREATE TABLE approvals (
    id                TEXT    PRIMARY KEY,          -- short random id people type: `gatehouse approve ID`
    state             TEXT    NOT NULL,             -- pending | approved | denied | expired
    action            TEXT    NOT NULL,             -- e.g. job.submit
    entity            TEXT    NOT NULL,             -- catalog entity ref
    rule              TEXT    NOT NULL,             -- the approval rule that required it
    summary           TEXT    NOT NULL,             -- canonical JSON: exactly what would run
    principal         TEXT,                         -- the signed-in person the request ran as
    requester_uid     INTEGER NOT NULL,
    requester_pid     INTEGER NOT NULL,
    requester_exe     TEXT,
    requester_sha256  TEXT,
    requester_class   TEXT    NOT NULL,             -- caller class: automation, a named class...
    requester_parents TEXT    NOT NULL,             -- canonical JSON: [{pid, name, executable}] nearest first
    created_at        TEXT    NOT NULL,             -- RFC 3339 UTC
    expires_at        TEXT    NOT NULL,
    decided_at        TEXT,
    decided_by        TEXT,                         -- who decided (principal or uid), NULL on expiry
    decider_pid       INTEGER,
    decider_exe       TEXT,
    decider_class     TEXT,
    reason            TEXT,                         -- deny reason, or why it expired
    delivered_at      TEXT                          -- when the action's follow-up ran; NULL: still owed
) STRICT;

CREATE INDEX approvals_pending   ON approvals(state, expires_at);
CREATE INDEX approvals_undelivered ON approvals(delivered_at) WHERE delivered_at IS NULL AND state <> 'pending';
