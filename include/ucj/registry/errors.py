"""What can go wrong reading the company registry, sorted by what the pipeline does about it.

- :class:`RegistryUnavailable`: the API could not be reached (connection refused, DNS,
  timeouts, only 5xx/408/429 answers until the retries or the deadline ran out). Only this
  one lets the extraction fall back to a CSV snapshot: the contract names the snapshot for
  "where the API is not reachable".
- Any other :class:`RegistryError`: the API answered, but not as its contract says (a body
  that is not JSON or not the contract's shape, a body cut off, one still trickling in at
  the deadline, pages that keep changing). A snapshot would hide a broken API behind stale
  data, so the task fails (Airflow retries it) naming what came back.
- :class:`RegistryAuthError`: a :class:`~ucj.refusal.Refused`: the token is wrong, every
  try fails the same way, so the task fails at once without Airflow's retries.
"""

from __future__ import annotations

from ucj.refusal import Refused


class RegistryError(RuntimeError):
    """The registry API answered something the contract does not allow."""


class RegistryAuthError(RegistryError, Refused):
    """401/403: the token is wrong or missing. Never retried: retrying cannot fix it."""


class RegistryUnavailable(RegistryError):
    """The API could not be reached within the retries and the deadline (no answer at all,
    or only 5xx/408/429): the one failure a snapshot may stand in for."""


class RegistryBadResponse(RegistryError):
    """The API answered 200 with a body that cannot be read (not JSON, not the contract's
    shape, cut off); the message names the status, the content type and the first bytes."""


class RegistryDeadlineExceeded(RegistryError):
    """The API answered but its body was still arriving when the extraction's overall time
    limit passed (a server trickling bytes): not unreachable, so no snapshot fallback."""


class RegistryIncomplete(RegistryError):
    """Pages kept changing under the reader: fewer distinct records than the API's total.
    The API is reachable, so a later try (Airflow's retry) is better than an older snapshot."""


class RegistryStateError(RuntimeError):
    """The watermark state file cannot be read; never silently restarted from scratch."""


class SnapshotUnusable(RegistryUnavailable):
    """The API is unreachable and no snapshot may stand in: none, or the newest too old."""
