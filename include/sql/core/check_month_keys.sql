-- The month's keys are unique where no key index enforces them (DuckDB, see
-- 05_keys.postgres.sql): a repeated key fails the load (error() aborts the transaction).
SELECT CASE WHEN count(*) > count(DISTINCT kpj)
            THEN error('core.fct_participant_month: a kpj repeats in ' || :periode) END
FROM core.fct_participant_month
WHERE periode = :periode;

SELECT CASE WHEN count(*) > count(DISTINCT person_key)
            THEN error('core.fct_person_month: a person_key repeats in ' || :periode) END
FROM core.fct_person_month
WHERE periode = :periode;
