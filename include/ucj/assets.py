"""Airflow assets the DAGs publish and consume (light to import: DAG files use it).

A source's Asset is declared with the source (``ucj.sources``); the reference tables share
one. Only the warehouse's own Asset is declared here.
"""

from airflow.sdk import Asset

from ucj import sources

ENROLLMENT = sources.ENROLLMENT.asset
REFERENCE = sources.TENAGA_KERJA_DESA.asset  # every reference table's
REGISTRY = sources.REGISTRY.asset
VILLAGE_BUDGET = sources.VILLAGE_BUDGET.asset
MARTS = Asset(name="ucj_warehouse_marts", uri="ucj://warehouse/marts")
