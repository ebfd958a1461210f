DELETE FROM core.ref_umk WHERE tahun IN (SELECT DISTINCT tahun FROM staging.umk);

INSERT INTO core.ref_umk SELECT tahun, umk FROM staging.umk;
