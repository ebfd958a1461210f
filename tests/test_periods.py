"""Which month a run is about."""

from __future__ import annotations

from datetime import datetime

import pytest
from ucj import periods


def test_parameter_wins():
    assert periods.for_run("2026-03", "scheduled", datetime(2026, 5, 1), None) == "2026-03"


def test_cron_trigger_run_at_a_month_start_covers_the_month_that_ended():
    fired = datetime(2026, 2, 1)
    assert periods.for_run(None, "scheduled", fired, fired, fired) == "2026-01"
    assert periods.for_run(None, "backfill", datetime(2026, 1, 1), None) == "2025-12"


def test_data_interval_run_covers_its_interval():
    assert periods.for_run(None, "scheduled", datetime(2026, 1, 1), None,
                           datetime(2026, 2, 1)) == "2026-01"


def test_manual_run_without_parameter_takes_the_previous_month():
    assert periods.for_run(None, "manual", None, datetime(2026, 3, 15)) == "2026-02"


def test_shift_and_bounds():
    assert periods.shift("2026-01", -1) == "2025-12"
    assert periods.bounds("2026-12")[1].isoformat() == "2027-01-01"


@pytest.mark.parametrize("bad", ["2026-01\n", "2026-13", "2026-1", " 2026-01", "", None])
def test_check_refuses_anything_but_yyyy_mm(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        periods.check(bad)
