DELETE FROM audit.run_audit
WHERE run_id = :run_id AND source = :source AND partition_value = :partition_value;

INSERT INTO audit.run_audit (run_id, source, partition_value, source_file, rows_read, rows_valid,
                             rows_quarantined, rows_loaded, validation_success,
                             validation_report, loaded_at, data_docs, batch_seconds)
VALUES (:run_id, :source, :partition_value, :source_file, :rows_read, :rows_valid,
        :rows_quarantined, :rows_loaded, :validation_success, :validation_report,
        CURRENT_TIMESTAMP, :data_docs, :batch_seconds);
