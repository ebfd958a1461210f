"""Airflow assets the DAGs publish and consume (light to import: DAG files use it)."""

from airflow.sdk import Asset

ENROLLMENT = Asset(name="ucj_lake_enrollment", uri="ucj://lake/enrollment")
REFERENCE = Asset(name="ucj_lake_reference", uri="ucj://lake/reference")
REGISTRY = Asset(name="ucj_lake_registry", uri="ucj://lake/registry")
VILLAGE_BUDGET = Asset(name="ucj_lake_village_budget", uri="ucj://lake/village_budget")
MARTS = Asset(name="ucj_warehouse_marts", uri="ucj://warehouse/marts")
