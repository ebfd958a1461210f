"""The person key is a keyed hash of the NIK: stable under one secret, different under another."""

from __future__ import annotations

import pandas as pd
from enrollment_rows import BASE, row, write_csv
from ucj import pseudonym
from ucj.pipeline import enrollment


def test_same_nik_same_key_across_runs_and_another_secret_gives_another_key(tmp_path):
    path = write_csv(tmp_path / "kepesertaan_202601.csv", [BASE, row(kpj="00000000002")])
    keys = []
    for run, secret in enumerate(["secret-a", "secret-a", "secret-b"]):
        result = enrollment.process(path, tmp_path / f"lake{run}", tmp_path / "val", secret)
        keys.append(pd.read_parquet(result["partition"])["person_key"].tolist())
    assert keys[0] == keys[1]
    assert keys[0][0] == keys[0][1]  # one person with two cards: one key
    assert set(keys[0]).isdisjoint(keys[2])


def test_the_key_is_not_the_nik_nor_a_plain_hash_of_it():
    import hashlib

    nik = pd.Series([BASE["nik"]])
    key = pseudonym.person_keys(nik, "secret-a").iloc[0]
    assert BASE["nik"] not in key
    assert key != hashlib.sha256(BASE["nik"].encode()).hexdigest()[:32]


def test_the_key_is_hmac_sha256_of_the_nik():
    """The key equals Python's HMAC-SHA256, long secrets (hashed first) included; a missing
    NIK has no key."""
    import hashlib
    import hmac

    niks = pd.Series([str(3213010101900001 + i * 7919) for i in range(2_000)] + ["", "ä"],
                     index=range(7, 2_009))
    for secret in ["s", "a-secret-of-the-district", "x" * 100]:
        keys = pseudonym.person_keys(niks, secret)
        assert keys.index.equals(niks.index)
        assert keys.tolist() == [hmac.digest(secret.encode(), v.encode(), hashlib.sha256)
                                 .hex()[:32] for v in niks]
    assert pseudonym.person_keys(pd.Series(["1", None], dtype="string"), "s").isna().tolist() \
        == [False, True]
