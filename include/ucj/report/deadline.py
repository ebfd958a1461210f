"""The month waits for its file: ``ucj_enrollment``'s delivery sensor and its deadline.

BPJS Ketenagakerjaan delivers month M's snapshot (``kepesertaan_YYYYMM``) by the due day of
month M+1 (the 10th by default; Airflow variable ``ucj_enrollment_due_day``, else the
environment's ``UCJ_ENROLLMENT_DUE_DAY``, 1-28, read when the run looks for the file, never
when the DAG file is parsed). The scheduled run for month M starts on the 1st of M+1, when
the file is usually not there yet: its first task is a sensor in reschedule mode
(``wait_for_delivery``) that looks for the file every hour without holding a worker slot.
Until the end of the due day a missing file is no failure and nobody is notified. Once the
due day has passed without the file, the sensor fails once, without retries
(:class:`DeliveryOverdue`, a refusal), and the failure callback sends the engineers the
deadline notice built here: which file, due when, and whether anything is in the landing
zone. A manual run for a past month whose file is missing fails the same way at once.

This replaces the Airflow 3 ``DeadlineAlert`` the DAG carried before, and with it the
work-around for apache/airflow#73428 that was installed whenever the DAG file was parsed.

The DAG file imports this module for the sensor's intervals: keep its top light (no pandas,
no GX); the month's file names and landing folder come from ``ucj.sources.ENROLLMENT``.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

from ucj.refusal import Refused

DUE_DAY_ENV = "UCJ_ENROLLMENT_DUE_DAY"
DUE_DAY_VARIABLE = "ucj_enrollment_due_day"
DEFAULT_DUE_DAY = 10
POKE_INTERVAL = timedelta(hours=1)
# A backstop only: the sensor gives up at the end of the due day by itself. A month's run
# starts on the 1st of the next month, so 28 days plus the longest month covers any due day.
SENSOR_TIMEOUT = timedelta(days=40)


class DeliveryOverdue(Refused):
    """The month's file has not arrived by its due day: fail once with the deadline notice
    (``notice`` is what ``ucj.notify`` sends instead of a plain task failure)."""

    def __init__(self, notice: dict):
        self.notice = notice
        super().__init__(f"{notice['subject']}: {notice['text']}")


def due_day(value: str | int | None = None) -> int:
    """The due day of the month after the data month (``value``, else the environment's
    ``UCJ_ENROLLMENT_DUE_DAY``, else 10)."""
    raw = os.environ.get(DUE_DAY_ENV) if value is None else value
    day = DEFAULT_DUE_DAY if raw in (None, "") else int(raw)
    if not 1 <= day <= 28:
        raise ValueError(f"the enrollment due day must be a day 1-28 (every month has it), "
                         f"got {raw!r}")
    return day


def due_date(periode: str, day: int) -> date:
    """The day month ``periode``'s file is due: day ``day`` of the following month."""
    from ucj import periods

    nxt = periods.shift(periods.check(periode), 1)
    return date(int(nxt[:4]), int(nxt[5:]), day)


def overdue_notice(periode: str, day: int, landing_zone: str, run_id: str | None = None
                   ) -> dict:
    """What the engineers are told when month ``periode``'s file missed its due day."""
    from ucj.sources import ENROLLMENT

    due = due_date(periode, day)
    names = ENROLLMENT.landing_names(periode)
    return {
        "type": "pipeline_deadline", "kind": "deadline_missed_file_missing",
        "subject": f"[UCJ] enrollment {periode} overdue: file due {due.isoformat()}",
        "text": (f"The enrollment snapshot of {periode} was due on {due.isoformat()} (day "
                 f"{day} of the following month). Neither {names[0]} nor {names[1]} has "
                 f"arrived in {landing_zone}/{ENROLLMENT.landing_folder}: ask BPJS "
                 "Ketenagakerjaan for the delivery, then run ucj_enrollment for the month "
                 "again."),
        "periode": periode, "due": due.isoformat(), "run_id": run_id, "file": None,
    }


def look_for_delivery(landing_zone: str, periode: str, day: int, now: datetime,
                      run_id: str | None = None) -> str | None:
    """The month's delivered file; None while it may still come (until the end of its due
    day, in the time of ``now``); :class:`DeliveryOverdue` after that."""
    from ucj.io import landing
    from ucj.sources import ENROLLMENT

    try:
        return landing.find_delivery(landing_zone, ENROLLMENT.landing_folder,
                                     ENROLLMENT.landing_names(periode))
    except landing.DeliveryMissing:
        if now.date() <= due_date(periode, day):
            return None
        raise DeliveryOverdue(overdue_notice(periode, day, landing_zone, run_id)) from None
