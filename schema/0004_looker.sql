-- 0004: Looker dashboard cache (stale-while-revalidate). Query results are business data, so the
-- dashboard with its rows is sealed (AES-GCM, the identity module's key, bound to the row's key);
-- only what eviction and listing need is in clear: ids, sizes and times.
CREATE TABLE looker_dashboard_cache (
    cache_key       TEXT PRIMARY KEY,          -- "<looker user>/<dashboard id>": Looker users see different content
    looker_user     TEXT NOT NULL,
    dashboard_id    TEXT NOT NULL,
    sealed          BLOB NOT NULL,             -- JSON of the dashboard and its tiles' rows, sealed
    bytes           INTEGER NOT NULL,          -- size of `sealed`, summed for the LRU bound
    fetched_at      REAL NOT NULL,             -- unix seconds when Looker produced the data
    last_access_at  REAL NOT NULL              -- unix seconds of the last read (LRU order)
) STRICT;

CREATE INDEX looker_dashboard_cache_lru ON looker_dashboard_cache(last_access_at);
