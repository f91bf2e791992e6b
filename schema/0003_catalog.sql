-- 0003: the Backstage catalog mirror. Every sync writes a new snapshot beside the current one and
-- switches `catalog_snapshots.state` in one transaction, so readers never see half a sync and a
-- failed sync leaves the previous snapshot untouched. Refs are stored lowercased (Backstage refs
-- compare case-insensitively); `display_ref` keeps the catalog's own spelling.

CREATE TABLE catalog_snapshots (
    id           INTEGER PRIMARY KEY,
    state        TEXT    NOT NULL CHECK (state IN ('building', 'current', 'retired', 'failed')),
    started_at   TEXT    NOT NULL,
    completed_at TEXT,                          -- set when the snapshot became current
    entities     INTEGER NOT NULL DEFAULT 0,
    relations    INTEGER NOT NULL DEFAULT 0,
    error        TEXT                           -- why a failed sync failed
) STRICT;

-- At most one current snapshot: the switch is an UPDATE of two rows in one transaction.
CREATE UNIQUE INDEX catalog_snapshots_one_current ON catalog_snapshots(state) WHERE state = 'current';

CREATE TABLE catalog_entities (
    id          INTEGER PRIMARY KEY,            -- also the FTS rowid
    snapshot_id INTEGER NOT NULL,
    ref         TEXT    NOT NULL,               -- kind:namespace/name, lowercased
    display_ref TEXT    NOT NULL,
    kind        TEXT    NOT NULL,               -- lowercased
    namespace   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    uid         TEXT,
    etag        TEXT,
    title       TEXT,
    description TEXT,
    type        TEXT,
    owner       TEXT,                           -- spec.owner as a normalised ref (default kind group)
    system      TEXT,                           -- spec.system as a normalised ref (default kind system)
    lifecycle   TEXT,
    email       TEXT,                           -- users: spec.profile.email, lowercased (principal lookup)
    annotations TEXT    NOT NULL DEFAULT '{}',  -- JSON object
    labels      TEXT    NOT NULL DEFAULT '{}',  -- JSON object
    json        TEXT    NOT NULL                -- the entity as fetched (only the fields Gatehouse asks for)
) STRICT;

CREATE UNIQUE INDEX catalog_entities_ref   ON catalog_entities(snapshot_id, ref);
CREATE INDEX catalog_entities_owner        ON catalog_entities(snapshot_id, owner);
CREATE INDEX catalog_entities_kind         ON catalog_entities(snapshot_id, kind, name);
CREATE INDEX catalog_entities_email        ON catalog_entities(snapshot_id, email) WHERE email IS NOT NULL;

-- Backstage relations as served, e.g. (component:default/x, ownedby, group:default/team-a).
CREATE TABLE catalog_relations (
    snapshot_id INTEGER NOT NULL,
    source      TEXT    NOT NULL,               -- lowercased ref
    type        TEXT    NOT NULL,               -- lowercased relation type
    target      TEXT    NOT NULL                -- lowercased ref
) STRICT;

CREATE INDEX catalog_relations_source ON catalog_relations(snapshot_id, source, type);
CREATE INDEX catalog_relations_target ON catalog_relations(snapshot_id, target, type);

-- Every group with each of its ancestors (itself at depth 0) through childOf, computed once per
-- sync, so "what does this user own" is two indexed lookups however deep the hierarchy is.
CREATE TABLE catalog_group_closure (
    snapshot_id INTEGER NOT NULL,
    grp         TEXT    NOT NULL,
    ancestor    TEXT    NOT NULL,
    depth       INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, grp, ancestor)
) STRICT, WITHOUT ROWID;

CREATE INDEX catalog_group_closure_ancestor ON catalog_group_closure(snapshot_id, ancestor);

-- Text search over name, title and description; rowid = catalog_entities.id.
CREATE VIRTUAL TABLE catalog_fts USING fts5(name, title, description, tokenize = 'unicode61');
