-- The collector's PostgreSQL schema, version 1. Applied once, under an advisory lock, by whichever
-- collector starts first (several collectors share one database and hold no state of their own).

-- A host and the Ed25519 key its checkpoints are signed with, bound to the person who registered it.
CREATE TABLE hosts (
    host_id        text PRIMARY KEY,
    public_key     bytea NOT NULL CHECK (length(public_key) = 32),
    person_subject text,
    person_issuer  text,
    person_email   text,
    registered_at  timestamptz NOT NULL DEFAULT now()
);

-- The last checkpoint the witness cosigned for each host: the only thing a new shipment is checked against.
-- Updated under SELECT ... FOR UPDATE, which serialises shipments of one host across collectors.
CREATE TABLE host_heads (
    host_id    text PRIMARY KEY REFERENCES hosts (host_id),
    size       bigint NOT NULL CHECK (size >= 0),
    head       bytea NOT NULL,
    note       text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every cosigned checkpoint, so an old one can be shown and a replay recognised.
CREATE TABLE checkpoints (
    host_id     text NOT NULL,
    size        bigint NOT NULL,
    head        bytea NOT NULL,
    note        text NOT NULL,
    cosigned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host_id, size)
);

-- The records, column for column as the hosts store them (the hash covers exactly these), plus
-- `at_time` for range queries. Partitioned by hash of the host: the key (host_id, seq) that makes
-- shipping idempotent must include the partition column, which time partitioning would break.
CREATE TABLE records (
    host_id      text NOT NULL,
    seq          bigint NOT NULL,
    at           text NOT NULL,
    at_time      timestamptz NOT NULL,
    request_id   text,
    peer_uid     bigint,
    peer_gid     bigint,
    peer_pid     bigint,
    peer_exe     text,
    caller_class text,
    principal    text,
    method       text NOT NULL,
    entity       text,
    params       text NOT NULL,
    decision     text NOT NULL,
    rule         text,
    outcome      text NOT NULL,
    error_reason text,
    detail       text,
    duration_us  bigint NOT NULL,
    prev_hash    bytea NOT NULL,
    hash         bytea NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host_id, seq)
) PARTITION BY HASH (host_id);
CREATE TABLE records_h00 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 0);
CREATE TABLE records_h01 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 1);
CREATE TABLE records_h02 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 2);
CREATE TABLE records_h03 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 3);
CREATE TABLE records_h04 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 4);
CREATE TABLE records_h05 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 5);
CREATE TABLE records_h06 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 6);
CREATE TABLE records_h07 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 7);
CREATE TABLE records_h08 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 8);
CREATE TABLE records_h09 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 9);
CREATE TABLE records_h10 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 10);
CREATE TABLE records_h11 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 11);
CREATE TABLE records_h12 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 12);
CREATE TABLE records_h13 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 13);
CREATE TABLE records_h14 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 14);
CREATE TABLE records_h15 PARTITION OF records FOR VALUES WITH (MODULUS 16, REMAINDER 15);

CREATE INDEX records_at ON records (at_time, host_id, seq);
CREATE INDEX records_principal ON records (principal, at_time);
CREATE INDEX records_method ON records (method, at_time);
CREATE INDEX records_entity ON records (entity, at_time);

-- Refused shipments (fork, rewrite, rollback, a wrong key) kept as evidence, and the collector's own
-- audit of auditor queries: what auditors read.
CREATE TABLE alerts (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    host_id  text NOT NULL,
    kind     text NOT NULL,
    message  text NOT NULL,
    evidence jsonb NOT NULL
);
CREATE INDEX alerts_host ON alerts (host_id, at);
