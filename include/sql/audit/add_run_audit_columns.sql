-- Warehouses created before these columns existed get them (run only then: ucj.warehouse.upgrade).
ALTER TABLE audit.run_audit ADD COLUMN IF NOT EXISTS data_docs VARCHAR;
ALTER TABLE audit.run_audit ADD COLUMN IF NOT EXISTS batch_seconds DOUBLE PRECISION;
