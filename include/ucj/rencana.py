"""Rencana aksi UCJ (issue 18): the scenario of the action plan - target coverage, Dana Desa
cap, unit costs and rates - as parameters, never constants in SQL.

``marts.mart_rencana_aksi`` (include/sql/models/marts/mart_rencana_aksi.sql) reads them through
the run's scope (``rencana_<name>``, macro ``threshold``) and stores them as columns of every
row, so a plan says which scenario it was built with; a run given another scenario rebuilds
every loaded month's plan (``ucj.warehouse.replan``).

Override any of them with the environment variable ``UCJ_RENCANA_AKSI`` (JSON), and on top of
that with the trigger form of the DAG ``ucj_warehouse`` (``from_dag_params``). The target may be
given as a fraction or as the name of a target quoted in DOMAIN.md (``TARGETS``).
"""

from __future__ import annotations

from ucj import config

ENV = "UCJ_RENCANA_AKSI"

# UCJ coverage targets quoted in DOMAIN.md ("Coverage (UCJ) targets"), as fractions.
TARGETS: dict[str, float] = {
    "RKP 2026": 0.3499,
    "RPJMN 2025": 0.3215,
    "RPJMN 2029": 0.4392,
    "Kemendagri 2025": 0.5215,
    "nasional April 2025": 0.3568,
    "Purwakarta": 0.55,
    "Kabupaten Serang": 0.5087,
}

PARAMETERS: dict[str, float] = {
    # Target coverage (fraction): RKP 2026, the plan year's national target (DOMAIN.md).
    "target_coverage": TARGETS["RKP 2026"],
    # Share of a desa's Dana Desa (4.2.1, budgeted) the premiums of its vulnerable workers may
    # take; the cost above it is what the district budget or CSR must carry. No regulation
    # caps it (DOMAIN.md keeps Dana Desa itself a parameter): a policy choice of the district,
    # chosen in the trigger form. 5 % keeps the premiums of a typical Subang desa (Rp147
    # billion / 245 desa = about Rp600 million) under Rp30 million a year.
    "batas_porsi_dana_desa": 0.05,
    # Lowest BPU band, JKK + JKM, per person and month (DOMAIN.md "Non-wage participants":
    # what Subang's social office pays).
    "iuran_bpu_bulanan": 16800,
    # JKK at the lowest risk class and JKM, employer shares of the wage (PP 44/2015, DOMAIN.md
    # "Programs and contributions"); village officials and non-ASN staff are costed at these.
    "tarif_jkk": 0.0024,
    "tarif_jkm": 0.003,
    # Employer shares of JHT (PP 46/2015) and JP (PP 45/2015): what a company owes for a
    # worker it has not registered, with JKK + JKM, on the programs its size requires
    # (Perpres 109/2013: JP for MENENGAH and BESAR only).
    "tarif_jht_pemberi_kerja": 0.037,
    "tarif_jp_pemberi_kerja": 0.02,
    # Village officials' minimum fixed pay (PP 11/2019, DOMAIN.md "Kabupaten Subang").
    "gaji_kepala_desa": 2426640,
    "gaji_sekretaris_desa": 2224420,
    "gaji_perangkat_desa": 2022200,
}

# The scenario columns of the plan, in this order (mart_rencana_aksi).
COLUMNS = list(PARAMETERS)
_RUPIAH = {"iuran_bpu_bulanan", "gaji_kepala_desa", "gaji_sekretaris_desa",
           "gaji_perangkat_desa"}
_FRACTIONS = set(PARAMETERS) - _RUPIAH


def parameters(overrides: dict | str | None = None) -> dict:
    """The defaults, updated by ``UCJ_RENCANA_AKSI`` (JSON), then by ``overrides`` (dict or
    JSON). A ``None`` value keeps the default (an empty field of the trigger form)."""
    what = "rencana aksi parameter(s)"
    if isinstance(overrides, dict):
        overrides = {k: v for k, v in overrides.items() if v is not None}
    base = config.parameters(PARAMETERS, None, ENV, what)  # the environment's scenario
    merged = config.parameters(base, overrides or {}, ENV, what)
    target = merged["target_coverage"]
    if isinstance(target, str):
        if target not in TARGETS:
            raise KeyError(f"unknown target {target!r}: one of {sorted(TARGETS)} or a fraction")
        merged["target_coverage"] = TARGETS[target]
    for name in _FRACTIONS:
        value = float(merged[name])
        if not 0 <= value <= 1:
            raise ValueError(f"rencana aksi {name} is a fraction between 0 and 1: {value}")
        # 8 decimals: rendered into SQL as an exact DECIMAL(12, 8) (ceil(target x workers))
        merged[name] = round(value, 8)
    for name in _RUPIAH:
        value = merged[name]
        if isinstance(value, bool) or float(value) < 0 or float(value) != int(value):
            raise ValueError(f"rencana aksi {name} is whole rupiah >= 0: {value!r}")
        merged[name] = int(value)
    return merged


def scope_values(overrides: dict | str | None = None) -> dict:
    """The scenario as the run's scope holds it (``rencana_<name>``, ucj.warehouse.scope)."""
    return {f"rencana_{k}": v for k, v in parameters(overrides).items()}


def from_dag_params(params: dict | None) -> dict:
    """The scenario fields of the ``ucj_warehouse`` trigger form as overrides: percents
    (``target_coverage``, ``batas_dana_desa_persen``) become fractions; empty fields keep the
    default. ``rencana_aksi`` (JSON object) may override any other parameter."""
    params = params or {}
    out = dict(params.get("rencana_aksi") or {})
    if params.get("target_coverage") is not None:
        out["target_coverage"] = float(params["target_coverage"]) / 100
    if params.get("batas_dana_desa_persen") is not None:
        out["batas_porsi_dana_desa"] = float(params["batas_dana_desa_persen"]) / 100
    if params.get("iuran_bpu_bulanan") is not None:
        out["iuran_bpu_bulanan"] = int(params["iuran_bpu_bulanan"])
    return out


def same(a: dict, b: dict) -> bool:
    """Two scenarios (plain names) equal, up to the rounding of stored floats."""
    for name in COLUMNS:
        x, y = a.get(name), b.get(name)
        if x is None or y is None or abs(float(x) - float(y)) > 1e-9 * max(1.0, abs(float(x))):
            return False
    return True
