"""Datasets: the embedded default is scikit-learn's handwritten digits (offline, real data)."""

from .digits import load_digits

__all__ = ["load_digits"]
