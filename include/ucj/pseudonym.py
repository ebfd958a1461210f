"""Pseudonymous person keys: a keyed hash of the NIK, so the warehouse never holds the NIK."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd


def person_keys(nik: pd.Series, secret: str) -> pd.Series:
    key = secret.encode()
    # hmac.digest is OpenSSL's one-shot HMAC: the same HMAC-SHA256 as hmac.new, ~4x faster
    return pd.Series(
        [hmac.digest(key, v.encode(), hashlib.sha256).hex()[:32] for v in nik],
        index=nik.index, dtype="string")
