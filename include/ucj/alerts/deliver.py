"""Deliver pending alerts on every channel, recording each attempt; a failure stays pending
and is retried by the next run, so no alert is lost.

Delivery is at least once, not exactly once: a message is sent, then its delivery is recorded
in its own transaction. A process killed between the two (or a receiver that took the
message but whose answer never arrived) leaves the alert pending, and the next run sends it
again. Neither SMTP nor a webhook can take part in the warehouse's transaction, so the repeat
is made harmless instead: every message carries its alert id (``ucj.alerts.notifiers``) and
the receiver drops an id it has seen."""

from __future__ import annotations

from ucj.warehouse.base import Warehouse


class DeliveryFailed(RuntimeError):
    """Some alerts could not be delivered; they are recorded and retried next run."""


def _attempts(s, alert_id: str, channel: str) -> int:
    n = s.scalar("SELECT attempts FROM audit.alert_delivery "
                 "WHERE alert_id = :alert_id AND channel = :channel",
                 {"alert_id": alert_id, "channel": channel})
    return int(n or 0)


def deliver(wh: Warehouse, notifiers: dict) -> dict:
    """``notifiers`` maps a channel name to a notifier with ``notify({"alert": ...})``."""
    summary = {}
    failures = []
    for channel, notifier in notifiers.items():
        with wh.transaction() as s:
            pending = s.query(_read("alerts/pending.sql"), {"channel": channel})
        pending = pending.astype(object).where(pending.notna(), None).to_dict("records")
        sent = 0
        for alert in pending:
            error = None
            try:
                notifier.notify({"alert": alert})
                sent += 1
            except Exception as exc:  # noqa: BLE001 - recorded, retried next run
                error = f"{type(exc).__name__}: {exc}"[:500]
                failures.append((channel, alert["alert_id"], error))
            with wh.transaction() as s:
                s.run_file("alerts/record_delivery.sql", {
                    "alert_id": alert["alert_id"], "channel": channel,
                    "status": "failed" if error else "sent",
                    "attempts": _attempts(s, alert["alert_id"], channel) + 1,
                    "last_error": error})
        summary[channel] = {"pending": len(pending), "sent": sent}
    if failures:
        raise DeliveryFailed(f"{len(failures)} alert deliveries failed (retried next run): "
                             f"{failures[:3]}; {summary}")
    return summary


def _read(relpath: str) -> str:
    from ucj.config import sql_dir

    return (sql_dir() / relpath).read_text()
