-- Placed persons of the months in scope and of the month before each (who pays, month over
-- month: marts.mart_inisiatif_iuran): this run's months from the lake, the others as published.
{%- set wanted = scope('periodes') + (scope('months') | map(attribute='prev_periode') | list) %}
SELECT * FROM {{ overlay('fct_person_month', 'periode', scope('periodes_baru')) }} p
WHERE {{ in_list('periode', wanted) }}
