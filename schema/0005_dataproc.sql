-- 0005: Dataproc. The durable outbox of idempotent upstream requests, and the jobs they create.

-- One row per upstream request that must reach Dataproc exactly once for a local record (a job
-- today; clusters later). It is written in the same transaction as the audit record of the call
-- that asked for it, and its body carries a requestId derived from the record id, so resending
-- after a timeout, a reset connection or a crash cannot create a second resource.
-- state: held (waits for approval) -> pending -> delivered | rejected; held|pending -> cancelled.
CREATE TABLE dataproc_outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,            -- job.submit, job.cancel, ...
    record_id       TEXT    NOT NULL,            -- the local record (job id)
    request_id      TEXT    NOT NULL,            -- Dataproc requestId: [a-zA-Z0-9_-]{1,40}
    method          TEXT    NOT NULL,
    path            TEXT    NOT NULL,            -- relative to the API root: v1/projects/p/regions/r/jobs:submit
    body            TEXT,                        -- JSON
    state           TEXT    NOT NULL CHECK (state IN ('held', 'pending', 'delivered', 'rejected', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL    NOT NULL DEFAULT 0,  -- seconds since 1970; 0 = now
    last_error      TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (kind, request_id)
) STRICT;

CREATE INDEX dataproc_outbox_due    ON dataproc_outbox(next_attempt_at) WHERE state = 'pending';
CREATE INDEX dataproc_outbox_record ON dataproc_outbox(record_id);

-- A job as Gatehouse knows it. state: PENDING_APPROVAL | QUEUED | REJECTED | EXPIRED | CANCELLED before
-- Dataproc has it, then Dataproc's own JobStatus.State (PENDING, RUNNING, DONE, ERROR, CANCELLED, ...).
CREATE TABLE dataproc_jobs (
    id            TEXT PRIMARY KEY,              -- also Dataproc's reference.jobId
    principal     TEXT NOT NULL,
    entity        TEXT NOT NULL,
    project       TEXT NOT NULL,
    region        TEXT NOT NULL,
    cluster       TEXT NOT NULL,
    job_type      TEXT NOT NULL,
    spec          TEXT NOT NULL,                 -- the Job object (JSON)
    state         TEXT NOT NULL,
    state_detail  TEXT,
    approval_id   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    submitted_at  TEXT,
    finished_at   TEXT,
    upstream_uuid TEXT,
    next_poll_at  REAL,                          -- status tracker: next jobs.get (NULL: not tracked)
    poll_interval REAL NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX dataproc_jobs_created   ON dataproc_jobs(created_at);
CREATE INDEX dataproc_jobs_entity    ON dataproc_jobs(entity, created_at);
CREATE INDEX dataproc_jobs_principal ON dataproc_jobs(principal, created_at);
CREATE INDEX dataproc_jobs_state     ON dataproc_jobs(state, created_at);
CREATE INDEX dataproc_jobs_poll      ON dataproc_jobs(next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE INDEX dataproc_jobs_approval  ON dataproc_jobs(approval_id) WHERE approval_id IS NOT NULL;

-- Every state a job entered, in order (what job.status shows and job.watch streams).
CREATE TABLE dataproc_job_events (
    job_id TEXT    NOT NULL REFERENCES dataproc_jobs(id),
    seq    INTEGER NOT NULL,
    state  TEXT    NOT NULL,
    detail TEXT,
    at     TEXT    NOT NULL,
    PRIMARY KEY (job_id, seq)
) STRICT, WITHOUT ROWID;
