"""Universal Coverage Jaminan Sosial Ketenagakerjaan data platform for Kabupaten Subang.

Plain Python: importable and testable without an Airflow scheduler.
"""
