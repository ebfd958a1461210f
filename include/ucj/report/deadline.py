"""Deadline alert of ``ucj_enrollment``: a month's enrollment file that has not arrived (or
not been validated) by its due day.

BPJS Ketenagakerjaan delivers month M's snapshot (``kepesertaan_YYYYMM``) by the due day of
month M+1: the 10th by default, ``UCJ_ENROLLMENT_DUE_DAY`` (1-28) when the DAG file is
parsed. The DAG's scheduled run for month M starts on the 1st of M+1 (``@monthly``), so the
deadline is an Airflow 3 ``DeadlineAlert`` on the run's logical date plus ``due_day`` days,
i.e. the end of the due day (00:00 UTC the day after). Airflow drops the deadline when the run
succeeds; when the run is still waiting or has failed (file missing: ``extract`` fails with
``DeliveryMissing``) at that moment, the scheduler queues ``enrollment_overdue`` on the
executor (a ``SyncCallback``). It says which file is overdue and whether it is in the landing
zone at all, logs that as an error and sends it to the data engineers through the channels of
``ucj.notify`` (connections ``ucj_alert_webhook``, ``ucj_smtp``).

Manual runs get the same deadline counted from their own logical date: it only fires for a
run still not successful ``due_day`` days after it was started.

Airflow 3.3.2 bug (apache/airflow#73428, fix proposed in #73430): ``dag.test()`` and
``airflow dags test`` crash once a run of a DAG with a deadline *succeeds* ("'dict' object has
no attribute 'hex'"): their in-memory scheduler DAG holds the encoded alerts where the
scheduler's holds ``deadline_alert`` ids. The demo and the end-to-end tests run the DAGs with
``dag.test()``, so ``enrollment_deadline`` installs ``tolerate_encoded_alerts``: an encoded
alert passed to ``DeadlineAlert.get_by_id`` is decoded instead of looked up (ids take the
original path unchanged). Remove it once the fix is released.

This module is imported when the DAG file is parsed: keep it light (no pandas, no GX).
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime, timedelta

log = logging.getLogger(__name__)

DUE_DAY_ENV = "UCJ_ENROLLMENT_DUE_DAY"
DEFAULT_DUE_DAY = 10
CALLBACK = "ucj.report.deadline.enrollment_overdue"


def due_day(value: str | int | None = None) -> int:
    """The due day of the month after the data month (``UCJ_ENROLLMENT_DUE_DAY``, default 10)."""
    raw = os.environ.get(DUE_DAY_ENV) if value is None else value
    day = DEFAULT_DUE_DAY if raw in (None, "") else int(raw)
    if not 1 <= day <= 28:
        raise ValueError(f"{DUE_DAY_ENV} must be a day 1-28 (every month has it), got {raw!r}")
    return day


_patched = False


def tolerate_encoded_alerts() -> bool:
    """Work around apache/airflow#73428 (see the module docstring); True once installed."""
    global _patched
    if _patched:
        return True
    try:
        from airflow.models.deadline_alert import DeadlineAlert as Model
    except Exception:  # noqa: BLE001 - no airflow-core here (task SDK only): no dag.test()
        return False
    original = Model.get_by_id.__func__

    def get_by_id(cls, deadline_alert_id, **kwargs):
        if isinstance(deadline_alert_id, dict):  # an encoded alert (dag.test()), not an id
            d = deadline_alert_id
            return cls(reference=d["reference"], interval=d["interval"],
                       callback_def=d["callback"], name=d.get("name"))
        return original(cls, deadline_alert_id, **kwargs)

    Model.get_by_id = classmethod(get_by_id)
    _patched = True
    return True


def enrollment_deadline(day: int | None = None):
    """The ``DeadlineAlert`` for ``ucj_enrollment``'s ``deadline=`` argument."""
    from airflow.sdk import DeadlineAlert, DeadlineReference, SyncCallback

    day = due_day(day)
    tolerate_encoded_alerts()
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(days=day),
        callback=SyncCallback(CALLBACK, kwargs={"due_day": day}),
        name=f"enrollment file due by day {day} of the following month",
    )


def _when(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def overdue_month(dag_run: dict, day: int) -> tuple[str, date]:
    """The month a run is for and the day its file was due: the run's ``periode`` parameter,
    else the month before the logical date (a scheduled run starts the month after)."""
    from ucj import periods

    conf = dag_run.get("conf") or {}
    logical = _when(dag_run.get("logical_date")) or _when(dag_run.get("run_after"))
    periode = conf.get("periode") or periods.previous(logical)
    nxt = periods.shift(periods.check(periode), 1)
    return periode, date(int(nxt[:4]), int(nxt[5:]), day)


def overdue_report(context: dict, day: int, landing_zone: str | None) -> dict:
    """What the engineers are told, from the callback context Airflow passes (``dag_run`` as
    JSON, ``deadline`` with its time)."""
    dag_run = dict(context.get("dag_run") or {})
    periode, due = overdue_month(dag_run, day)
    stamp = periode.replace("-", "")
    names = [f"kepesertaan_{stamp}.csv", f"kepesertaan_{stamp}.xlsx"]
    present = None
    if landing_zone:
        try:
            from ucj.io import landing

            present = landing.find_delivery(landing_zone, "enrollment", names)
        except FileNotFoundError:
            present = ""
        except Exception as exc:  # noqa: BLE001 - the landing zone may be unreachable
            log.warning("could not look into the landing zone %s: %s", landing_zone, exc)
    run_id = dag_run.get("dag_run_id") or dag_run.get("run_id")
    if present:
        kind = "deadline_missed_not_loaded"
        what = (f"{present.rsplit('/', 1)[-1]} is in the landing zone but run {run_id} of "
                f"ucj_enrollment has not succeeded (state {dag_run.get('state')}): see its log.")
    else:
        kind = "deadline_missed_file_missing"
        where = f" in {landing_zone}/enrollment" if landing_zone else ""
        what = (f"Neither {names[0]} nor {names[1]} has arrived{where}: ask BPJS "
                "Ketenagakerjaan for the delivery, then clear the run's extract task.")
    subject = f"[UCJ] enrollment {periode} overdue: file due {due.isoformat()}"
    deadline = (context.get("deadline") or {}).get("deadline_time")
    return {
        "type": "pipeline_deadline", "kind": kind, "subject": subject,
        "text": f"The enrollment snapshot of {periode} was due on {due.isoformat()} "
                f"(day {day} of the following month; deadline {deadline}).\n{what}",
        "dag_id": dag_run.get("dag_id"), "run_id": run_id, "periode": periode,
        "due": due.isoformat(), "file": present or None, "deadline_time": str(deadline),
    }


def _landing_zone() -> str | None:
    try:
        from ucj import airflow_settings

        return airflow_settings.settings().landing_zone
    except Exception as exc:  # noqa: BLE001 - no secret or settings here: report without it
        log.warning("settings unavailable for the overdue check: %s", exc)
        return os.environ.get("UCJ_LANDING_ZONE")


def _channels() -> dict:
    try:
        from ucj.notify import DataEngineerNotifier

        return DataEngineerNotifier().channels()
    except Exception as exc:  # noqa: BLE001 - report in the log even without channels
        log.warning("no data-engineer channel: %s", exc)
        return {}


def enrollment_overdue(context: dict | None = None, due_day: int = DEFAULT_DUE_DAY,
                       **_) -> dict:
    """The deadline callback: log the overdue month as an error and notify the engineers."""
    report = overdue_report(context or {}, due_day, _landing_zone())
    log.error("%s\n%s", report["subject"], report["text"])
    outcome = {}
    for name, send in _channels().items():
        try:
            send(report)
            outcome[name] = "sent"
        except Exception as exc:  # noqa: BLE001 - one channel failing must not stop the other
            outcome[name] = f"failed: {type(exc).__name__}: {exc}"
            log.error("could not send the deadline alert by %s: %s", name, exc)
    return {**report, "sent": outcome}
