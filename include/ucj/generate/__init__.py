"""Deterministic sample landing zone for Kabupaten Subang (enrollment, reference, truth).

    from ucj.generate import generate
    generate("landing", ("2026-01", 3), participants=60000, seed=42)
"""

from .core import generate, normalise_months
from .dates import month_range

__all__ = ["generate", "month_range", "normalise_months"]
