"""Deterministic sample landing zone for Kabupaten Subang (enrollment, reference, truth).

    from ucj.generate import generate
    generate("landing", ("2026-01", 3), participants=60000, seed=42)
"""

from .core import generate
from .dates import month_range, normalise_months

__all__ = ["generate", "month_range", "normalise_months"]
