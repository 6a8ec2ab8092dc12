"""Data sets shipped with dlarr (package data, credit in each folder's README) and
their public loaders.  Imports from ``dlarr.core`` only."""
