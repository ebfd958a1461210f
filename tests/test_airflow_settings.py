"""The warehouse connection in every form users write it: the URL the pipeline opens."""

from __future__ import annotations

import json

import pytest
from airflow.models.connection import Connection
from ucj import warehouse
from ucj.airflow_settings import warehouse_url


@pytest.mark.parametrize("conn", [
    Connection(uri="duckdb:////srv/ucj/warehouse.duckdb"),  # ucj.stack --warehouse, env URL
    Connection(uri="duckdb://%2Fsrv%2Fucj%2Fwarehouse.duckdb"),  # the path as the host
    Connection.from_json(json.dumps({"conn_type": "duckdb",
                                     "host": "/srv/ucj/warehouse.duckdb"})),
    Connection(conn_id="w", conn_type="duckdb", host="srv/ucj/warehouse.duckdb"),
])
def test_a_duckdb_file_is_found_however_the_connection_names_it(conn):
    assert warehouse_url(conn).removeprefix("duckdb://").lstrip("/") == "srv/ucj/warehouse.duckdb"


def test_the_uri_form_opens_that_file(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    wh = warehouse.connect(warehouse_url(Connection(uri=f"duckdb:///{path}")))
    wh.close()
    assert path.exists()


def test_a_postgres_connection_gives_a_postgresql_url():
    conn = Connection(uri="postgres://ucj_etl:secret@db:5432/ucj_warehouse")
    assert warehouse_url(conn) == "postgresql://ucj_etl:secret@db:5432/ucj_warehouse"
