"""Airflow assets the DAGs publish and consume (light to import: DAG files use it)."""

from airflow.sdk import Asset

ENROLLMENT = Asset(name="ucj_lake_enrollment", uri="ucj://lake/enrollment")
REFERENCE = Asset(name="ucj_lake_reference", uri="ucj://lake/reference")
