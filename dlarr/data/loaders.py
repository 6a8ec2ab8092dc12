"""Example data shipped with dlarr: MATLAB's ``japaneseVowelsTrainData`` and
``japaneseVowelsTestData``, and two univariate series for forecasting
(``airlinePassengersData``, ``sunspotsData``).

The files are package data (``dlarr/data/JapaneseVowels/*.ts``, credit and
licenses in the README there) read through ``importlib.resources``, so they
load from an installed package, a wheel or a source checkout alike.
"""
from __future__ import annotations

from importlib import resources

import numpy as np

from ..core.categorical import categorical

__all__ = ["japaneseVowelsTrainData", "japaneseVowelsTestData", "airlinePassengersData", "sunspotsData"]

_NUM_FEATURES = 12
_cache: dict[str, tuple[tuple[np.ndarray, ...], np.ndarray]] = {}


def _parse_ts(text: str, where: str):
    """Sequences (channels x time, float64) and integer labels from a .ts file
    (the loaders make the labels categorical).

    Header lines start with ``#`` or ``@``; after ``@data`` each line holds the
    channels separated by ``:``, each a comma-separated list of values, and the
    class label last.
    """
    X, labels = [], []
    in_data = False
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if not in_data:
            if line.lower().startswith("@data"):
                in_data = True
            elif not line.startswith(("#", "@")):
                raise ValueError(f"{where}: line {lineno} comes before @data but is not a "
                                 "header line (# or @)")
            continue
        if line.startswith("#"):
            continue
        parts = line.split(":")
        channels, label = parts[:-1], parts[-1]
        try:
            rows = [np.array(c.split(","), dtype=np.float64) for c in channels]
        except ValueError as e:
            raise ValueError(f"{where}: line {lineno}: {e}") from None
        lengths = {len(r) for r in rows}
        if len(rows) != _NUM_FEATURES or len(lengths) != 1:
            raise ValueError(f"{where}: line {lineno} has {len(rows)} channels of lengths "
                             f"{sorted(lengths)}; expected {_NUM_FEATURES} of one length")
        try:
            labels.append(int(label))
        except ValueError:
            raise ValueError(f"{where}: line {lineno}: the class label {label!r} is not an "
                             "integer") from None
        X.append(np.stack(rows))
    if not in_data:
        raise ValueError(f"{where}: no @data line")
    return X, np.array(labels, dtype=np.int64)


def _load(name: str):
    if name not in _cache:
        path = resources.files("dlarr").joinpath("data").joinpath("JapaneseVowels").joinpath(name)
        X, T = _parse_ts(path.read_text(encoding="utf-8"), name)
        for x in X:
            x.flags.writeable = False
        T.flags.writeable = False
        _cache[name] = (tuple(X), T)
    X, T = _cache[name]
    return [x.copy() for x in X], categorical(T)


def japaneseVowelsTrainData():
    """Japanese Vowels training data, as MATLAB's ``[XTrain,TTrain] = japaneseVowelsTrainData``.

    Returns ``(XTrain, TTrain)``: ``XTrain`` is a list of 270 float64 NumPy
    arrays, each 12 x T (12 LPC cepstrum coefficients over T = 7..26 time
    steps; features in rows, time in columns, as MATLAB's cell array of
    sequences); ``TTrain`` the speakers as a 270-element :class:`categorical`
    (MATLAB's 270x1 categorical) with categories "1".."9", 30 of each
    (``dl.countcats(TTrain)``; ``TTrain.codes`` gives the 0-based class numbers,
    ``np.asarray(TTrain).astype(int)`` the speakers 1..9).  Fresh copies each call.
    """
    return _load("JapaneseVowels_TRAIN.ts")


def japaneseVowelsTestData():
    """Japanese Vowels test data, as MATLAB's ``[XTest,TTest] = japaneseVowelsTestData``:
    370 sequences of 12 x T (T = 7..29) and a 370-element categorical of the speakers
    "1".."9" with counts 31 35 88 44 29 24 40 50 29.  Same types as
    :func:`japaneseVowelsTrainData`."""
    return _load("JapaneseVowels_TEST.ts")


def _series(filename: str):
    """``(times, values)`` of a shipped series file (dlarr/data/forecasting/)."""
    text = resources.files("dlarr").joinpath("data").joinpath("forecasting") \
        .joinpath(filename).read_text(encoding="utf-8")
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    times = np.array([r[0].strip('"') for r in rows])
    values = np.array([float(r[1]) for r in rows])
    return times, values


def airlinePassengersData():
    """The airline passengers series (Box & Jenkins), for forecasting examples:
    ``(months, passengers)``, 144 monthly values (thousands), 1949-01 to 1960-12,
    as NumPy arrays (months as "YYYY-MM" strings, passengers float64).  Credit and
    license in ``dlarr/data/forecasting/README.md``."""
    return _series("Airline.csv")


def sunspotsData():
    """Yearly sunspot numbers, 1700-2008: ``(years, sunspots)``, 309 values, as NumPy
    arrays (years as strings, values float64).  Credit and license in
    ``dlarr/data/forecasting/README.md``."""
    return _series("sunspots.csv")
