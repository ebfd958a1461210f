"""Registry snapshots follow the contract, move only with their records, and their ground
truth agrees with an independent reading of the enrollment and registry files."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from .generate_checks import MONTHS, normalised, raw_rows

FIELDS = ["nib", "npp", "npwp", "nama_perusahaan", "kbli", "skala_usaha", "kode_desa",
          "jumlah_tk_laki", "jumlah_tk_perempuan", "jumlah_tk_wlkp", "tgl_lapor_wlkp",
          "status_usaha", "updated_at"]
RULES = {"PWBD", "PDS_TK", "PDS_UPAH", "PDS_PROGRAM", "PENURUNAN_MENDADAK", "ROTASI"}
NPWP_FORMS = {
    "formatted": r"\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}", "bare": r"\d{15}", "nik16": r"0\d{15}",
}


def month_end(month: str) -> dt.date:
    y, m = map(int, month.split("-"))
    return dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        k = int(ch) * (2 if i % 2 else 1)
        total += k - 9 if k > 9 else k
    return total % 10 == 0


def skala(wlkp: int) -> str:
    return "MIKRO" if wlkp < 5 else "KECIL" if wlkp < 20 else "MENENGAH" if wlkp < 100 \
        else "BESAR"


def required(sk: str) -> set[str]:
    return {"JKK", "JKM", "JHT", "JP"} if sk in ("MENENGAH", "BESAR") else {"JKK", "JKM", "JHT"}


@pytest.fixture(scope="module")
def snapshots(landing) -> dict[str, pd.DataFrame]:
    out = {}
    for month in MONTHS:
        path = landing / "registry" / f"perusahaan_{month_end(month):%Y%m%d}.csv"
        out[month] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return out


@pytest.fixture(scope="module")
def patterns(landing) -> pd.DataFrame:
    return pd.read_csv(landing / "_truth" / "registry_patterns.csv", dtype=str,
                       keep_default_na=False)


@pytest.fixture(scope="module")
def roles(landing) -> pd.DataFrame:
    return pd.read_csv(landing / "_truth" / "registry_companies.csv", dtype=str,
                       keep_default_na=False)


@pytest.fixture(scope="module")
def pu(enrollment_files, truth) -> dict[str, pd.DataFrame]:
    """month -> honest PU rows of the enrollment file (planted bad rows left out)."""
    out = {}
    for path in enrollment_files:
        planted = truth.loc[truth["file"] == f"enrollment/{path.name}", "row_number"]
        frame = normalised(raw_rows(path))
        frame = frame[~frame["row_number"].isin(planted) & (frame["segmen"] == "PU")]
        out[frame["periode"].mode()[0]] = frame
    return out


@pytest.fixture(scope="module")
def umk(landing) -> dict[str, int]:
    t = pd.read_csv(landing / "reference" / "umk.csv", dtype=str)
    return {y: int(float(u) + 0.5) for y, u in zip(t["tahun"], t["umk"], strict=True)}


def peserta(frame: pd.DataFrame) -> pd.Series:
    """Active PU persons (distinct NIK) per npp."""
    act = frame[frame["status"] == "AKTIF"]
    return act.groupby("npp")["nik"].nunique()


def test_one_snapshot_per_month_end(landing):
    names = sorted(p.name for p in (landing / "registry").iterdir())
    assert names == [f"perusahaan_{month_end(m):%Y%m%d}.csv" for m in MONTHS]
    text = (landing / "registry" / names[0]).read_text(encoding="utf-8")
    assert text.split("\n")[0] == ",".join(FIELDS) and "\r" not in text


def test_records_follow_the_contract(snapshots, desa_codes):
    forms = set()
    for month, s in snapshots.items():
        assert list(s.columns) == FIELDS
        assert s["nib"].str.fullmatch(r"\d{13}").all() and s["nib"].is_unique
        assert (s["npp"].str.fullmatch(r"\d{8}") | (s["npp"] == "")).all()
        for npwp in s["npwp"]:
            form = [k for k, rx in NPWP_FORMS.items() if re.fullmatch(rx, npwp)]
            assert form, npwp
            forms.add(form[0])
            digits = re.sub(r"[.\-]", "", npwp)
            assert luhn_ok(digits[-15:][:9]), npwp
        assert s["kbli"].str.fullmatch(r"\d{4,5}").all()
        assert s["nama_perusahaan"].str.match(r"(PT|CV) \S").all()
        assert set(s["kode_desa"]) <= desa_codes
        n = s[["jumlah_tk_laki", "jumlah_tk_perempuan", "jumlah_tk_wlkp"]].astype(int)
        assert (n >= 0).all().all()
        assert (n["jumlah_tk_laki"] + n["jumlah_tk_perempuan"] == n["jumlah_tk_wlkp"]).all()
        assert (s["skala_usaha"] == n["jumlah_tk_wlkp"].map(skala)).all()
        assert set(s["status_usaha"]) == {"AKTIF", "TUTUP"}
        end = month_end(month)
        lapor = pd.to_datetime(s["tgl_lapor_wlkp"], format="%Y-%m-%d").dt.date
        assert s["updated_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z").all()
        updated = pd.to_datetime(s["updated_at"], format="ISO8601").dt.date
        assert (updated <= end).all() and (lapor <= updated).all()
    assert forms == set(NPWP_FORMS)
    kbli = pd.concat(snapshots.values())["kbli"]
    assert (kbli.str.len() == 4).any() and (kbli.str.len() == 5).any()  # lost leading zeros


def test_updated_at_moves_only_with_the_record(snapshots):
    months = list(snapshots)
    for before, after in zip(months, months[1:], strict=False):
        a, b = snapshots[before], snapshots[after]
        joined = a.merge(b, on="nib", suffixes=("_a", "_b"))
        assert len(joined) == len(a)  # a company stays in the registry
        others = [f for f in FIELDS if f not in ("nib", "updated_at")]
        same = pd.concat([joined[f"{f}_a"] == joined[f"{f}_b"] for f in others], axis=1).all(axis=1)
        kept = joined["updated_at_a"] == joined["updated_at_b"]
        assert (same == kept).all()
        changed = joined[~kept]
        assert len(changed) > 0 and (changed["updated_at_b"] > changed["updated_at_a"]).all()
        assert changed["updated_at_b"].str.startswith(after).all()
        new = b[~b["nib"].isin(a["nib"])]
        assert new["updated_at"].str.startswith(after).all()


def test_companies_are_the_pool_employers_and_unregistered_ones(landing, snapshots):
    employers = pd.read_csv(landing / "_truth" / "employers.csv", dtype=str)
    pool = set(employers.loc[employers["jenis"] == "PEMBERI_KERJA_PU", "npp"])
    contractors = set(employers.loc[employers["jenis"] == "KONTRAKTOR_JAKON", "npp"])
    agencies = set(pd.read_csv(landing / "reference" / "non_asn_2026.csv", dtype=str)["npp"])
    s = snapshots[MONTHS[-1]]
    npps = set(s["npp"]) - {""}
    assert npps == pool
    assert not npps & (contractors | agencies)
    unregistered = s[s["npp"] == ""]
    assert len(unregistered) > 0 and set(unregistered["status_usaha"]) == {"AKTIF", "TUTUP"}
    # the workplace of a pool employer is the kode_desa of its PU rows
    rows = employers.set_index("npp")["kode_desa"]
    assert (s.loc[s["npp"] != "", "npp"].map(rows) == s.loc[s["npp"] != "", "kode_desa"]).all()


def test_truth_names_every_rule(patterns, snapshots):
    assert list(patterns.columns) == ["nib", "npp", "rule", "periode", "consequence_of"]
    # the only consequence planted: a drop leaves the company registering part of its staff
    after = patterns[patterns["consequence_of"] != ""]
    assert set(after["rule"]) == {"PDS_TK"} and set(after["consequence_of"]) == {
        "PENURUNAN_MENDADAK"}
    assert set(patterns["rule"]) == RULES
    assert set(patterns["periode"]) <= set(MONTHS)
    assert not patterns.duplicated().any()
    late = patterns[patterns["rule"].isin(["PENURUNAN_MENDADAK", "ROTASI"])]
    assert (late["periode"] > MONTHS[0]).all()  # these need the month before
    for month, s in snapshots.items():
        t = patterns[patterns["periode"] == month]
        npp = s.set_index("nib")["npp"]
        assert (t["nib"].map(npp) == t["npp"]).all()


def test_pwbd_is_exactly_the_sources_definition(patterns, snapshots, pu):
    """AKTIF, workers in WLKP, and no npp or no active PU participant at it."""
    for month, s in snapshots.items():
        active = peserta(pu[month])
        n = s["npp"].map(active).fillna(0)
        pwbd = s[(s["status_usaha"] == "AKTIF") & (s["jumlah_tk_wlkp"].astype(int) > 0)
                 & ((s["npp"] == "") | (n == 0))]
        t = patterns[(patterns["periode"] == month) & (patterns["rule"] == "PWBD")]
        assert set(pwbd["nib"]) == set(t["nib"]), month
        assert (pwbd["npp"] != "").any() or month != MONTHS[0]  # an npp without participants


def _company_month(s: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    out = s[(s["npp"] != "") & (s["status_usaha"] == "AKTIF")].copy()
    out["wlkp"] = out["jumlah_tk_wlkp"].astype(int)
    out["peserta"] = out["npp"].map(peserta(frame)).fillna(0).astype(int)
    return out[out["peserta"] > 0]


def test_honest_wlkp_is_close_to_the_participants(snapshots, pu, roles):
    honest = set(roles.loc[roles["peran"] == "honest", "nib"])
    for month, s in snapshots.items():
        c = _company_month(s, pu[month])
        gap = (c["wlkp"] - c["peserta"])[c["nib"].isin(honest)]
        assert len(gap) > 10
        assert gap.between(-1, 2).mean() > 0.7, month
        assert gap.between(-4, 4).all(), month


def test_participant_side_of_the_patterns(snapshots, pu, patterns, umk):
    """Each planted company-month shows its pattern in the enrollment file."""
    for i, month in enumerate(MONTHS):
        frame, s = pu[month], snapshots[month]
        c = _company_month(s, frame).set_index("nib")
        t = patterns[patterns["periode"] == month]
        act = frame[frame["status"] == "AKTIF"]
        at_umk = (act["upah"].astype(int) == umk[month[:4]]).groupby(act["npp"]).mean()
        for nib in t.loc[t["rule"] == "PDS_UPAH", "nib"]:
            assert at_umk[c.at[nib, "npp"]] >= 0.9
            assert c.at[nib, "skala_usaha"] in ("MENENGAH", "BESAR")
        big = c[c["skala_usaha"].isin(["MENENGAH", "BESAR"])]
        honest_upah = big[~big.index.isin(t.loc[t["rule"] == "PDS_UPAH", "nib"])]
        assert (honest_upah["npp"].map(at_umk) <= 0.6).all()  # few workers: 3 of 6
        for nib in t.loc[t["rule"] == "PDS_PROGRAM", "nib"]:
            need = required(c.at[nib, "skala_usaha"])
            rows = act[act["npp"] == c.at[nib, "npp"]]
            lacking = rows["program"].str.split("+").map(lambda p, n=need: not n <= set(p))
            assert lacking.mean() >= 0.75
        for nib in t.loc[t["rule"] == "PDS_TK", "nib"]:
            assert c.at[nib, "peserta"] <= 0.65 * c.at[nib, "wlkp"]
            assert c.at[nib, "wlkp"] - c.at[nib, "peserta"] >= 3
        if i == 0:
            continue
        prev_s = snapshots[MONTHS[i - 1]].set_index("nib")
        before = peserta(pu[MONTHS[i - 1]])
        for nib in t.loc[t["rule"] == "PENURUNAN_MENDADAK", "nib"]:
            npp, now = c.at[nib, "npp"], c.at[nib, "peserta"]
            assert now <= 0.6 * before[npp] and before[npp] - now >= 5
            assert prev_s.at[nib, "jumlah_tk_wlkp"] == c.at[nib, "jumlah_tk_wlkp"]
        start = month_end(MONTHS[i - 1])
        reg = pd.to_datetime(frame["tgl_kepesertaan"], format="%d/%m/%Y").dt.date
        new = frame[(frame["status"] == "AKTIF") & (reg > start)]
        gone = frame[frame["status"] == "NONAKTIF"]
        again = new.merge(gone, on=["nik", "npp"], suffixes=("", "_old"))
        again = again[again["kpj"] != again["kpj_old"]].groupby("npp")["nik"].nunique()
        for nib in t.loc[t["rule"] == "ROTASI", "nib"]:
            assert again[c.at[nib, "npp"]] >= 1  # one worker is a rotation at any size


def test_summary_counts_the_registry(summary, patterns):
    reg = summary["registry"]
    assert reg["files"] == [f"registry/perusahaan_{month_end(m):%Y%m%d}.csv" for m in MONTHS]
    assert reg["patterns_by_rule"] == patterns["rule"].value_counts().sort_index().to_dict()
    assert sum(reg["companies_by_role"].values()) == reg["companies"]


def test_generate_registry_alone_writes_the_same_files(landing, tmp_path):
    from ucj_sample.registry import generate_registry

    got = generate_registry(tmp_path, MONTHS, seed=42, participants=2000)
    for rel in [*got["files"], "_truth/registry_patterns.csv", "_truth/registry_companies.csv"]:
        assert (tmp_path / rel).read_bytes() == (landing / rel).read_bytes(), rel
    with pytest.raises(ValueError):  # other arguments than those of the enrollment files
        generate_registry(landing, MONTHS, seed=43)


def test_patterns_can_be_left_out():
    from ucj_sample import reference as ref
    from ucj_sample.history import build_history

    world = ref.build_world(5, 600, 2026)
    history = build_history(5, world, ["2026-01"], 600, plant_company_patterns=False)
    assert history.companies is None

