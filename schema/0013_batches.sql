-- 0013: Dataproc Serverless batches (`projects.locations.batches`). They go through the same
-- outbox as jobs (dataproc_outbox, kinds batch.create / batch.cancel / batch.delete); the local id
-- is also the upstream batchId (4-63 of [a-z0-9-]) and the base of the create's requestId, so a
-- resend after an ambiguous failure finds the batch the first attempt made.
CREATE TABLE dataproc_batches (
    id            TEXT PRIMARY KEY,              -- local id; batchId upstream
    principal     TEXT NOT NULL,
    entity        TEXT NOT NULL,
    project       TEXT NOT NULL,
    region        TEXT NOT NULL,                 -- Dataproc's `locations/{region}`
    workload      TEXT NOT NULL,                 -- pysparkBatch, sparkBatch, sparkRBatch, sparkSqlBatch
    spec          TEXT NOT NULL,                 -- the Batch object sent (JSON)
    state         TEXT NOT NULL,                 -- PENDING_APPROVAL | QUEUED | REJECTED | EXPIRED | CANCELLED, then Batch.state
    state_detail  TEXT,
    approval_id   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    submitted_at  TEXT,
    finished_at   TEXT,
    upstream_uuid TEXT,
    operation     TEXT,                          -- the create operation's name; batches are cancelled through it
    output_uri    TEXT,                          -- runtimeInfo.outputUri once Dataproc names it
    deleted_at    TEXT,                          -- batches.delete was delivered
    next_poll_at  REAL,                          -- status tracker: next batches.get (NULL: not tracked)
    poll_interval REAL NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX dataproc_batches_created   ON dataproc_batches(created_at);
CREATE INDEX dataproc_batches_entity    ON dataproc_batches(entity, created_at);
CREATE INDEX dataproc_batches_principal ON dataproc_batches(principal, created_at);
CREATE INDEX dataproc_batches_state     ON dataproc_batches(state, created_at);
CREATE INDEX dataproc_batches_poll      ON dataproc_batches(next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE INDEX dataproc_batches_approval  ON dataproc_batches(approval_id) WHERE approval_id IS NOT NULL;

-- Every state a batch entered, in order (what batch.show lists).
CREATE TABLE dataproc_batch_events (
    batch_id TEXT    NOT NULL REFERENCES dataproc_batches(id),
    seq      INTEGER NOT NULL,
    state    TEXT    NOT NULL,
    detail   TEXT,
    at       TEXT    NOT NULL,
    PRIMARY KEY (batch_id, seq)
) STRICT, WITHOUT ROWID;
