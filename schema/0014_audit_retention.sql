-- 0014: local retention of the audit log (docs/fleet.md, "Local retention").
--
-- Records older than audit.retention_days that the fleet collector has cosigned may be pruned, in one
-- controlled path: the pruning transaction records the chain's new start in audit_anchor, sets the
-- one-row audit_pruning guard to that seq, deletes the records below it, and clears the guard before
-- it commits. The append-only triggers stay for everything else: a DELETE outside that transaction,
-- or of the anchor record or anything after it, is refused as before.

-- Where the local chain starts after pruning: the record at `seq` (kept) with hash `hash`. Records
-- below it were cosigned by the collector (`cosigned_note`, the checkpoint that covered them when they
-- were pruned) and are kept there.
CREATE TABLE audit_anchor (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    seq           INTEGER NOT NULL CHECK (seq >= 1),
    hash          BLOB    NOT NULL,
    cosigned_note TEXT    NOT NULL,
    pruned_at     TEXT    NOT NULL
) STRICT;

CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_anchor
WHEN NEW.seq < OLD.seq
BEGIN
    SELECT RAISE(ABORT, 'audit_anchor only moves forward');
END;

CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
BEGIN
    SELECT RAISE(ABORT, 'audit_anchor cannot be removed');
END;

-- Set only inside the pruning transaction: records below `below_seq` may be deleted while it is.
CREATE TABLE audit_pruning (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    below_seq INTEGER NOT NULL
) STRICT;

-- The guard can never reach past the anchor: the anchor record and everything after it stay.
CREATE TRIGGER audit_pruning_within_anchor BEFORE INSERT ON audit_pruning
WHEN NEW.below_seq > coalesce((SELECT seq FROM audit_anchor WHERE id = 1), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit pruning may not reach past the retention anchor');
END;

CREATE TRIGGER audit_pruning_no_update BEFORE UPDATE ON audit_pruning
BEGIN
    SELECT RAISE(ABORT, 'audit_pruning is set once per pruning transaction');
END;

DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_pruning WHERE id = 1 AND OLD.seq < below_seq)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: records cannot be removed');
END;
