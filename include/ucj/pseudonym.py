"""Pseudonymous person keys: a keyed hash of the NIK, so the warehouse never holds the NIK.

The key is HMAC-SHA256(secret, NIK) (RFC 2104), its first 32 hex digits. It is computed in
DuckDB, whose sha256 runs vectorised over the whole column, instead of a Python ``hmac``
call per NIK.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pyarrow as pa

_BLOCK = 64  # SHA-256's block size in bytes
_KEY_SQL = "SELECT left(sha256($outer || unhex(sha256($inner || encode(nik)))), 32) FROM niks"


def person_keys(nik: pd.Series, secret: str) -> pd.Series:
    import duckdb

    inner, outer = _pads(secret.encode())
    with duckdb.connect() as con:
        con.register("niks", pa.table({"nik": pa.array(nik.astype("object"), pa.string())}))
        keys = con.sql(_KEY_SQL, params={"inner": inner, "outer": outer}).to_arrow_table()
    return pd.Series(keys.column(0).to_numpy(zero_copy_only=False), index=nik.index,
                     dtype="string")


def _pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer keys (RFC 2104: a key longer than a block is hashed first)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)
