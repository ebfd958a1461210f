"""Company compliance rules: thresholds (parameters, never buried in SQL) and their meaning.

The SQL in ``include/sql/marts/mart_company_compliance.sql`` takes these as bound parameters.
Override any of them with the Airflow variable ``ucj_compliance_thresholds`` (JSON) or the
environment variable ``UCJ_COMPLIANCE_THRESHOLDS``. docs/compliance.md explains each rule.
"""

from __future__ import annotations

import json
import os

THRESHOLDS: dict[str, float] = {
    # A wage up to this fraction above the UMK counts as "at the minimum wage".
    "umk_tolerance": 0.005,
    # PDS TK: WLKP minus active PU persons is at least this many AND this share of WLKP.
    "pds_tk_min_gap": 3,
    "pds_tk_min_gap_share": 0.2,
    # PDS Upah (medium and large companies): at least this many memberships, and this share
    # of them at or below the UMK.
    "pds_upah_min_workers": 10,
    "pds_upah_share": 0.8,
    # PDS Program: this share of memberships lack a program required for the company's size.
    "pds_program_share": 0.5,
    # Sudden drop: participants fall by this many AND this share in a month while WLKP falls
    # by less than the tolerance.
    "drop_min_workers": 5,
    "drop_share": 0.3,
    "drop_wlkp_tolerance": 0.1,
    # Rotation: persons deactivated and re-registered at the same npp within the window.
    "rotation_min_workers": 3,
    "rotation_share": 0.05,
    "rotation_window_days": 90,
}


def thresholds(overrides: dict | str | None = None) -> dict:
    """The defaults updated by ``overrides`` (dict or JSON), else by the environment."""
    if overrides is None:
        overrides = os.environ.get("UCJ_COMPLIANCE_THRESHOLDS")
    if isinstance(overrides, str):
        overrides = json.loads(overrides) if overrides.strip() else {}
    unknown = set(overrides or {}) - THRESHOLDS.keys()
    if unknown:
        raise KeyError(f"unknown compliance threshold(s): {sorted(unknown)}")
    merged = {**THRESHOLDS, **(overrides or {})}
    merged["rotation_window_days"] = int(merged["rotation_window_days"])
    return merged
