-- Participants of the months in scope and of the month before each (month-over-month
-- figures): this run's months from the lake, the others as published.
{%- set wanted = scope('periodes') + (scope('months') | map(attribute='prev_periode') | list) %}
SELECT * FROM {{ overlay('fct_participant_month', 'periode', scope('periodes_baru')) }} p
WHERE {{ in_list('periode', wanted) }}
