"""What people see: the district's monthly HTML report and the engineers' run monitoring.

- ``ucj.report.html``: the self-contained monthly report (``write_reports``; CLI
  ``python -m ucj.report``), charts from ``ucj.report.svg``, figures from ``ucj.report.data``.
- ``ucj.report.deadline``: the deadline alert of ``ucj_enrollment`` (a month's file overdue).
- ``ucj.report.browser``: headless Chromium (rendering checks and screenshots).

This package imports nothing heavy at module level: DAG files import ``ucj.report.deadline``
when they are parsed.
"""
