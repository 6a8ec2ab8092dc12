"""Data sets shipped with dlarr (package data, credit in each folder's README) and
their public loaders; MATLAB's datastores (``datastore``) and ``minibatchqueue``.
Imports from ``dlarr.core`` only."""
