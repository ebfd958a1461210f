"""Publish a private build into the warehouse in one transaction.

dbt commits model by model in the build (a DuckDB file of its own, or a PostgreSQL schema of its
own); nothing of it is visible to a BI reader. Publishing then, in ONE transaction, for every
model marked ``meta.publish`` (in dependency order): creates the published table the first
time (from the built one), adds the columns an earlier version lacked (upgrade: the rows the
run replaces get them filled, older rows read NULL), deletes the run's scope and inserts the
built rows. A run killed before the commit leaves the warehouse as it was; the cost is that of
the rows replaced, never of the history held.
"""

from __future__ import annotations

from ucj.warehouse.base import Session


def _scope_values(vars_: dict, scope: str) -> list:
    value = vars_
    for part in scope.split("."):
        value = value[part]
    return list(value)


def _keys(key) -> list[str]:
    return [] if key is None else ([key] if isinstance(key, str) else list(key))


def columns_of(s: Session, schema: str, table: str, database: str | None = None) -> list[str]:
    where = "table_schema = :schema AND table_name = :table"
    params = {"schema": schema, "table": table}
    if database:
        where += " AND table_catalog = :database"
        params["database"] = database
    return list(s.query(f"SELECT column_name FROM information_schema.columns WHERE {where} "
                        "ORDER BY ordinal_position", params)["column_name"])


def publish(s: Session, built: str, models: list[dict], vars_: dict,
            built_database: str | None = None) -> dict[str, int]:
    """Replace each model's scope in the warehouse with its rows in ``built`` (the build's
    schema, qualified by its database on DuckDB); rows inserted per model."""
    counts = {}
    for schema in sorted({m["schema"] for m in models}):
        s.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for m in models:
        name, schema = m["name"], m["schema"]
        source = f"{built}.{name}"
        target = f"{schema}.{name}"
        have = columns_of(s, schema, name)
        if not have:
            if s.backend == "postgres":
                s.execute(f"CREATE TABLE {target} (LIKE {source} INCLUDING ALL)")
                if m.get("unique_index"):
                    # the month's DELETE finds its rows by this key; no such index on DuckDB,
                    # which keeps it in memory and cannot spill it (a national month would not
                    # fit the memory cap, benchmarks/duckdb_key_memory.py): the unique_key
                    # test checks the key in the build instead
                    s.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {name}_pkey ON {target} "
                              f"({', '.join(m['unique_index'])})")
            elif m.get("duckdb_uncompressed"):
                s.execute(_create_duckdb(target, _types(s, built, name, built_database),
                                         m["duckdb_uncompressed"]))
            else:
                s.execute(f"CREATE TABLE {target} AS SELECT * FROM {source} LIMIT 0")
            describe(s, m)
        else:
            types = _types(s, built, name, built_database)
            for col in m["columns"]:
                if col.lower() not in {h.lower() for h in have}:
                    s.execute(f"ALTER TABLE {target} ADD COLUMN {col} {types[col]}")
                    text = m["column_descriptions"].get(col)
                    if text:
                        s.execute(f"COMMENT ON COLUMN {target}.{col} IS {_literal(text)}")
        keys = _keys(m["key"])
        if m["scope"] == "all":
            s.execute(f"DELETE FROM {target}")
        elif m["scope"] is None:
            match = " AND ".join(f"b.{k} = {target}.{k}" for k in keys)
            s.execute(f"DELETE FROM {target} WHERE EXISTS (SELECT 1 FROM {source} b "
                      f"WHERE {match})")
        else:
            values = _scope_values(vars_, m["scope"])
            if values:
                marks = ", ".join(f":v{i}" for i in range(len(values)))
                s.execute(f"DELETE FROM {target} WHERE {keys[0]} IN ({marks})",
                          {f"v{i}": v for i, v in enumerate(values)})
        cols = ", ".join(m["columns"])
        s.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {source}")
        counts[name] = int(s.scalar(f"SELECT COUNT(*) FROM {source}"))
    return counts


def analyze(s: Session, models: list[dict]) -> None:
    """PostgreSQL: fresh planner statistics on every published table, after the publish.
    The next run's build reads the published rows (macro ``overlay``) and plans on their
    statistics; without this they are those of before the publish until autovacuum, by its
    own thresholds, analyses later. (Month N's load rose on PostgreSQL once, +28.5% over 8
    months in benchmarks/load_bench.py; under load it was flat with and without this, so the
    benchmark has not shown the effect.) ANALYZE samples a fixed number of rows, so its
    cost does not grow with history."""
    for m in models:
        s.execute(f"ANALYZE {m['schema']}.{m['name']}")


def _create_duckdb(target: str, types: dict[str, str], uncompressed: list[str]) -> str:
    """The published DuckDB table, the columns named in the model's
    ``meta.publish.duckdb_uncompressed`` stored without compression (the YAML says why)."""
    lowered = {c.lower() for c in uncompressed}
    missing = lowered - {c.lower() for c in types}
    if missing:
        raise ValueError(f"{target}: duckdb_uncompressed names no column of the model: "
                         f"{sorted(missing)}")
    cols = ", ".join(f'"{col}" {typ}' + (" USING COMPRESSION uncompressed"
                                         if col.lower() in lowered else "")
                     for col, typ in types.items())
    return f"CREATE TABLE {target} ({cols})"


def _types(s: Session, built: str, name: str, database: str | None) -> dict[str, str]:
    schema = built.split(".")[-1]
    where = "table_schema = :schema AND table_name = :table"
    params = {"schema": schema, "table": name}
    if database:
        where += " AND table_catalog = :database"
        params["database"] = database
    df = s.query(f"SELECT column_name, data_type, numeric_precision, numeric_scale FROM "
                 f"information_schema.columns WHERE {where} ORDER BY ordinal_position", params)
    out = {}
    for col, typ, prec, scale in df.itertuples(index=False):
        typ = typ.upper()
        if typ in ("NUMERIC", "DECIMAL"):
            typ = f"DECIMAL({int(prec)}, {int(scale)})"
        out[col] = typ
    return out


def describe(s: Session, model: dict) -> None:
    """The model's documentation (its YAML) as COMMENTs on the published table and columns."""
    target = f"{model['schema']}.{model['name']}"
    s.execute(f"COMMENT ON TABLE {target} IS {_literal(model['description'])}")
    for col, text in model["column_descriptions"].items():
        if text:
            s.execute(f"COMMENT ON COLUMN {target}.{col} IS {_literal(text)}")


def _literal(text: str) -> str:
    # COMMENT takes no bound parameter on either backend; the text is the project's own YAML,
    # quoted as a SQL string literal (a quote inside doubled).
    return "'" + " ".join(str(text).split()).replace("'", "''") + "'"
