{{ config(materialized='ephemeral') }}
-- Placed persons of the months in scope.
SELECT * FROM {{ overlay('fct_person_month', 'periode', scope('periodes_baru')) }} p
WHERE {{ in_list('periode', scope('periodes')) }}
