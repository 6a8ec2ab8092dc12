"""Networks of layers: dlnetwork, SeriesNetwork and their Learnables/State tables.

Imports from ``dlarr.core``, ``dlarr.functions`` and ``dlarr.layers``.
"""
