-- 0009: driver output already read, so `job logs` works offline. Output is business data: each chunk
-- is sealed (AES-GCM, the identity module's key, bound to the job and chunk). Where the output lives
-- (`driverOutputResourceUri`) is kept on the job, so an offline read needs no Dataproc call.
ALTER TABLE dataproc_jobs ADD COLUMN output_uri TEXT;

CREATE TABLE dataproc_job_output (
    job_id      TEXT    NOT NULL REFERENCES dataproc_jobs(id),
    chunk       INTEGER NOT NULL,          -- the chunk's number in the output prefix
    generation  TEXT    NOT NULL,          -- Cloud Storage object generation read
    sealed      BLOB    NOT NULL,          -- the chunk's bytes, sealed
    bytes       INTEGER NOT NULL,          -- size of `sealed`, summed for the size bound
    read_at     REAL    NOT NULL,          -- unix seconds of the last read (least recently read jobs go first)
    PRIMARY KEY (job_id, chunk)
) STRICT, WITHOUT ROWID;

CREATE INDEX dataproc_job_output_lru ON dataproc_job_output(read_at);
