{{ config(materialized='view') }}
SELECT id, code FROM {{ ref('one') }}
