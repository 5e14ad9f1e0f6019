"""Datasets: samples read from files, URLs, inline lists or bundled examples."""

from ._sample import Sample

__all__ = ["Sample"]
