-- Who read the fleet's records: every auditor request, allowed or refused, is kept here (the
-- collector's own audit; auditors' reads are themselves audited centrally).
CREATE TABLE access_log (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    subject  text,
    email    text,
    action   text NOT NULL,
    params   jsonb NOT NULL,
    allowed  boolean NOT NULL,
    outcome  text NOT NULL
);
CREATE INDEX access_log_at ON access_log (at);
