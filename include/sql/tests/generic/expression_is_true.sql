{#- Every row of the model satisfies `expression` (a row-level invariant, as
    dbt_utils.expression_is_true; the project installs no package for one test). A row where
    the expression is NULL fails too. -#}
{% test expression_is_true(model, expression) %}
SELECT * FROM {{ model }}
WHERE NOT COALESCE({{ expression }}, FALSE)
{% endtest %}
