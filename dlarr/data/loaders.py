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
    """Japanese Vowels training data, MATLAB's ``japaneseVowelsTrainData``.

    Syntax::

        XTrain, TTrain = dl.japaneseVowelsTrainData()

    Output arguments:
        XTrain: a list of 270 float64 NumPy arrays, each 12 x T (12 LPC cepstrum
            coefficients over T = 7..26 time steps; features in rows, time in
            columns, as MATLAB's cell array of sequences).
        TTrain: the speakers, a 270-element :class:`categorical` (MATLAB's 270x1
            categorical) with the categories "1".."9", 30 of each
            (``dl.countcats(TTrain)``; ``TTrain.codes`` gives the 0-based class
            numbers, ``np.asarray(TTrain).astype(int)`` the speakers 1..9).

    Each call returns fresh copies.  The data ships with dlarr (credit and license
    in ``dlarr/data/JapaneseVowels/README.md``).

    Example::

        XTrain, TTrain = dl.japaneseVowelsTrainData()
        XTrain[0].shape                   # (12, 20)
        dl.categories(TTrain)             # ['1', ..., '9']
    """
    return _load("JapaneseVowels_TRAIN.ts")


def japaneseVowelsTestData():
    """Japanese Vowels test data, MATLAB's ``japaneseVowelsTestData``.

    Syntax::

        XTest, TTest = dl.japaneseVowelsTestData()

    Output arguments:
        XTest: a list of 370 float64 NumPy arrays, each 12 x T (T = 7..29).
        TTest: the speakers, a 370-element :class:`categorical` with the categories
            "1".."9", with counts 31 35 88 44 29 24 40 50 29.

    Same types as :func:`japaneseVowelsTrainData`; fresh copies each call.

    Example::

        XTest, TTest = dl.japaneseVowelsTestData()
        len(XTest)                        # 370
        dl.countcats(TTest)               # [31, 35, 88, 44, 29, 24, 40, 50, 29]
    """
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
    """The airline passengers series (Box & Jenkins), for forecasting examples.

    Syntax::

        months, passengers = dl.airlinePassengersData()

    Output arguments:
        months: a NumPy str array of 144 months, "1949-01" to "1960-12".
        passengers: a float64 NumPy array of the 144 monthly totals (thousands).

    MATLAB's examples load this series from a file; dlarr ships it (credit and
    license in ``dlarr/data/forecasting/README.md``).

    Example::

        months, passengers = dl.airlinePassengersData()
        XTrain = passengers[:-1].reshape(1, -1)       # 1 x 143: one channel over time
        TTrain = passengers[1:].reshape(1, -1)        # the next month
    """
    return _series("Airline.csv")


def sunspotsData():
    """Yearly sunspot numbers, 1700-2008, for forecasting examples.

    Syntax::

        years, sunspots = dl.sunspotsData()

    Output arguments:
        years: a NumPy str array of the 309 years, "1700" to "2008".
        sunspots: a float64 NumPy array of the 309 yearly values.

    MATLAB's examples load such series from a file; dlarr ships it (credit and
    license in ``dlarr/data/forecasting/README.md``).

    Example::

        years, sunspots = dl.sunspotsData()
        mu, sig = sunspots.mean(), sunspots.std()
        X = ((sunspots - mu) / sig).reshape(1, -1)    # 1 x 309, standardized
    """
    return _series("sunspots.csv")
