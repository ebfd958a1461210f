DELETE FROM audit.reference_load WHERE dataset = :dataset AND partition_value = :partition_value;

INSERT INTO audit.reference_load (dataset, partition_value, checksum)
VALUES (:dataset, :partition_value, :checksum);
