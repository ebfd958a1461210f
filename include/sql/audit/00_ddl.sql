-- Per run and source partition: read = valid + quarantined always; loaded = rows in core.
CREATE TABLE IF NOT EXISTS audit.run_audit (
    run_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    partition_value VARCHAR NOT NULL,
    source_file VARCHAR,
    rows_read BIGINT NOT NULL,
    rows_valid BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    validation_success BOOLEAN,
    validation_report VARCHAR,
    loaded_at TIMESTAMP NOT NULL,
    data_docs VARCHAR,                     -- the batch's GX Data Docs page
    batch_seconds DOUBLE PRECISION,        -- read, validate and write the batch (manifest seconds)
    PRIMARY KEY (run_id, source, partition_value),
    CHECK (rows_read = rows_valid + rows_quarantined)
);
-- Warehouses created before data_docs and batch_seconds: audit/add_run_audit_columns.sql.

-- Which lake version of each reference partition the warehouse holds.
CREATE TABLE IF NOT EXISTS audit.reference_load (
    dataset VARCHAR NOT NULL,
    partition_value VARCHAR NOT NULL,
    checksum VARCHAR NOT NULL,
    PRIMARY KEY (dataset, partition_value)
);
