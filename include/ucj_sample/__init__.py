"""The sample and test data tool: a deterministic landing zone for Kabupaten Subang, with the
ground truth the tests and the alert-accuracy benchmark score the pipeline against.

    from ucj_sample import generate
    generate("landing", ("2026-01", 3), participants=60000, seed=42)

or ``python -m ucj_sample --landing DIR --start 2026-01 --months 3``. For one seed and one
set of arguments it writes byte-identical files, all under the landing directory:

- ``enrollment/kepesertaan_YYYYMM.csv`` (one month ``.xlsx`` on request), with planted bad rows;
- ``reference/tenaga_kerja_desa_YYYY.csv``, ``reference/non_asn_YYYY.csv``,
  ``reference/umk.csv``;
- ``registry/perusahaan_YYYYMMDD.csv``, the company registry at every month's end;
- ``village_budget/apbdes_YYYY.csv``, every desa's budget, with planted mismatches and bad lines;
- ``_truth/``: what was planted and where (``enrollment_bad_rows.csv``, ``employers.csv``,
  ``registry_patterns.csv``, ``registry_companies.csv``, ``apbdes_mismatches.csv``,
  ``apbdes_bad_rows.csv``) and ``summary.json``. The pipeline never reads ``_truth``.

It stands beside the product, not in it: no product module imports ``ucj_sample`` (the demo,
which fills an empty landing zone, does), and of the product it may import only the source
contracts (``ucj.contracts``) and the registry records (``ucj.registry.records``), the shapes
the deliveries must have. Readers, validation, warehouse and alert code stay out, so the
ground truth is an independent oracle for them; the contract enumerations it draws from are
its own copy (``domain``). It reads the product's desa list (``ucj/reference/wilayah_3213.csv``)
as data: the district the deliveries describe.
"""

from .core import generate
from .dates import month_range, normalise_months

__all__ = ["generate", "month_range", "normalise_months"]
