-- Pipeline health for engineers and BI: one row per source and partition (month, year,
-- extract), the latest load of it from audit.run_audit. Rebuilt after every warehouse refresh.
CREATE TABLE IF NOT EXISTS marts.mart_pipeline_health (
    source VARCHAR NOT NULL,               -- enrollment, reference/<table>, registry, ...
    partition_value VARCHAR NOT NULL,      -- YYYY-MM, YYYY, all or an extract id
    source_file VARCHAR,
    last_run_id VARCHAR NOT NULL,
    loads BIGINT NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_valid BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    quarantine_share DOUBLE PRECISION,
    validation_success BOOLEAN,
    batch_seconds DOUBLE PRECISION,
    rows_per_second DOUBLE PRECISION,
    validation_report VARCHAR,
    data_docs VARCHAR,
    period_end DATE,
    refreshed_at TIMESTAMP NOT NULL,
    hours_since_load DOUBLE PRECISION,
    days_since_period_end INTEGER,
    PRIMARY KEY (source, partition_value)
);
