-- 0007: Dataproc clusters Gatehouse created. Their create, delete and update requests go through
-- the dataproc_outbox of 0005 (kinds cluster.create, cluster.delete, cluster.update).

-- state: PENDING_APPROVAL | QUEUED | REJECTED | EXPIRED | CANCELLED before Dataproc has it, then
-- Dataproc's ClusterStatus.State (CREATING, RUNNING, ERROR, DELETING, UPDATING, ...), and DELETED once gone.
CREATE TABLE dataproc_clusters (
    id                  TEXT PRIMARY KEY,        -- local id; base of every requestId of the cluster
    name                TEXT NOT NULL,           -- Dataproc clusterName
    principal           TEXT NOT NULL,           -- display name of who asked
    entity              TEXT NOT NULL,
    owner               TEXT,                    -- the entity's owning group at creation
    created_as_owner    INTEGER NOT NULL,        -- 1: the principal owned the entity then (losing it tears the cluster down)
    project             TEXT NOT NULL,
    region              TEXT NOT NULL,
    template            TEXT NOT NULL,
    spec                TEXT NOT NULL,           -- the Cluster object sent (JSON)
    state               TEXT NOT NULL,
    state_detail        TEXT,
    approval_id         TEXT,                    -- the approval the create waits for
    delete_approval_id  TEXT,                    -- the approval a delete waits for
    auto_delete_seconds INTEGER NOT NULL,        -- lifecycleConfig.autoDeleteTtl (after creation)
    idle_delete_seconds INTEGER NOT NULL,
    extensions          INTEGER NOT NULL DEFAULT 0,
    operation           TEXT,                    -- the long-running operation being followed
    upstream_uuid       TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    finished_at         TEXT,
    next_poll_at        REAL,                    -- tracker: next operations.get / clusters.get (NULL: not tracked)
    poll_interval       REAL NOT NULL DEFAULT 0,
    UNIQUE (project, region, name)
) STRICT;

CREATE INDEX dataproc_clusters_principal ON dataproc_clusters(principal, created_at);
CREATE INDEX dataproc_clusters_entity    ON dataproc_clusters(entity, created_at);
CREATE INDEX dataproc_clusters_poll      ON dataproc_clusters(next_poll_at) WHERE next_poll_at IS NOT NULL;
CREATE INDEX dataproc_clusters_approval  ON dataproc_clusters(approval_id) WHERE approval_id IS NOT NULL;
CREATE INDEX dataproc_clusters_delete_approval ON dataproc_clusters(delete_approval_id) WHERE delete_approval_id IS NOT NULL;

-- Every state a cluster entered, in order.
CREATE TABLE dataproc_cluster_events (
    cluster_id TEXT    NOT NULL REFERENCES dataproc_clusters(id),
    seq        INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    detail     TEXT,
    at         TEXT    NOT NULL,
    PRIMARY KEY (cluster_id, seq)
) STRICT, WITHOUT ROWID;
