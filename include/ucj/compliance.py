"""Company compliance rules: thresholds (parameters, never buried in SQL) and their meaning.

The dbt models ``include/sql/models/marts/mart_company_compliance.sql`` (the rules) and
``include/sql/models/core/fct_company_month.sql`` (``umk_tolerance``) read these through the
run's staged scope (``ucj.warehouse.scope``) and the macro ``threshold``, not as bound
parameters: each value is checked to be a number before dbt renders it. Override any of them
with the Airflow variable ``ucj_compliance_thresholds`` (JSON) or the environment variable
``UCJ_COMPLIANCE_THRESHOLDS``. docs/compliance.md explains each rule.
"""

from __future__ import annotations

from ucj import config

THRESHOLDS: dict[str, float] = {
    # Each limit keeps out one honest explanation named beside it, at every company size;
    # docs/compliance.md ("Why each limit") gives the full reasoning. Severity, not a limit,
    # marks the small cases (ucj.alerts.company).
    #
    # A wage up to this fraction above the UMK counts as "at the minimum wage": the UMK has
    # cents (2025: 3,508,626.53) that payrolls round either way.
    "umk_tolerance": 0.005,
    # PDS TK: WLKP minus active PU persons is at least this many AND this share of WLKP.
    # Honest gaps come from timing: the WLKP report is dated, while a new hire waits days or
    # weeks for the registration and a leaver drops out of BPJS at once; at a small firm that
    # is one or two persons (3 is the first gap no single hire plus a single leaver explains);
    # at a large one it grows with turnover since the report, hence the share (a fifth of the
    # workforce is more than a year's ordinary churn).
    "pds_tk_min_gap": 3,
    "pds_tk_min_gap_share": 0.2,
    # PDS Upah (medium and large companies): at least this many memberships, and this share
    # of them at or below the UMK. The UMK is the wage floor of workers in their first year at
    # a company (those past it are paid by its wage scale), so an honest company's newest
    # hires sit at it: with fewer than
    # five registered memberships "most" is two to four people, which first-year hires make
    # as often as the practice does (the company is then flagged PDS TK anyway). With five or
    # more, four in five at the UMK leaves no room for the wage scale above it that a
    # medium or large company must have for workers past their first year.
    "pds_upah_min_workers": 5,
    "pds_upah_share": 0.8,
    # PDS Program: this share of memberships lack a program required for the company's size.
    # Honest gaps are individual (a worker past the pension age no longer joins JP); half the
    # workforce lacking a program is a company choice at any size.
    "pds_program_share": 0.5,
    # Sudden drop: participants fall by this many AND this share in a month while WLKP falls
    # by less than the tolerance. Departures bunch honestly (workers not returning after
    # Lebaran, a batch of contracts ending) and WLKP is re-reported only yearly, so it never
    # shows them: at a small firm two to four such departures are already a third of it,
    # hence five persons; at a large one a third of the workforce at once is no churn. A WLKP
    # report showing the fall (10 %) is a reported layoff, not the pattern.
    "drop_min_workers": 5,
    "drop_share": 0.3,
    "drop_wlkp_tolerance": 0.1,
    # Rotation: persons deactivated and re-registered with a new kpj at the same npp within
    # the window. Weeks after a deactivation there is no honest explanation at any size (the
    # worker never left; the new kpj only restarts the membership's tenure), so one person is
    # enough and no share applies; a worker coming back after a season or more (a harvest,
    # a new contract) is honest, hence two months, well under a season.
    "rotation_min_workers": 1,
    "rotation_share": 0.0,
    "rotation_window_days": 60,
}


def thresholds(overrides: dict | str | None = None) -> dict:
    """The defaults updated by ``overrides`` (dict or JSON), else by the environment."""
    merged = config.parameters(THRESHOLDS, overrides, "UCJ_COMPLIANCE_THRESHOLDS",
                               "compliance threshold(s)")
    merged["rotation_window_days"] = int(merged["rotation_window_days"])
    return merged
