"""japaneseVowelsTrainData / japaneseVowelsTestData and the .ts reader."""
from importlib import resources

import numpy as np
import pytest

import dlarr as dl

from dlarr.data.loaders import _parse_ts, japaneseVowelsTestData, japaneseVowelsTrainData


def test_train_data_as_matlab():
    X, T = japaneseVowelsTrainData()
    assert isinstance(X, list) and len(X) == 270
    assert all(isinstance(x, np.ndarray) and x.dtype == np.float64 and x.ndim == 2
               and x.shape[0] == 12 for x in X)
    assert [x.shape[1] for x in X[:5]] == [20, 26, 22, 20, 21]     # as MATLAB shows
    assert min(x.shape[1] for x in X) == 7 and max(x.shape[1] for x in X) == 26
    # MATLAB: TTrain is a 270x1 categorical with categories "1".."9"
    assert isinstance(T, dl.categorical) and T.shape == (270,) and len(T) == 270
    assert dl.categories(T) == [str(k) for k in range(1, 10)]
    np.testing.assert_array_equal(dl.countcats(T), [30] * 9)
    np.testing.assert_array_equal(T, np.repeat(np.arange(1, 10), 30).astype(str))
    np.testing.assert_array_equal(T.codes, np.repeat(np.arange(9), 30))
    assert repr(T).startswith("270x1 categorical\n\n     1\n")
    # first frame of the first utterance (UCI ae.train, line 1): features in rows, time in columns
    np.testing.assert_allclose(X[0][:4, 0], [1.860936, -0.207383, 0.261557, -0.214562])
    np.testing.assert_allclose(X[0][0, :3], [1.860936, 1.891651, 1.939205])


def test_test_data_as_matlab():
    X, T = japaneseVowelsTestData()
    assert len(X) == 370 and T.shape == (370,) and isinstance(T, dl.categorical)
    assert all(x.shape[0] == 12 and x.dtype == np.float64 for x in X)
    assert T.Categories == [str(k) for k in range(1, 10)]
    np.testing.assert_array_equal(dl.countcats(T), [31, 35, 88, 44, 29, 24, 40, 50, 29])
    assert min(x.shape[1] for x in X) == 7 and max(x.shape[1] for x in X) == 29
    assert np.all(np.diff(T.codes) >= 0)          # grouped by speaker, as in UCI's ae.test


def test_fresh_copies_each_call():
    X1, T1 = japaneseVowelsTrainData()
    X1[0][0, 0] = 99.0
    T1[0] = 5
    assert T1[0] == "5"
    X2, T2 = japaneseVowelsTrainData()
    assert X2[0][0, 0] == pytest.approx(1.860936) and T2[0] == "1"


def test_package_data_and_credit_present():
    root = resources.files("dlarr").joinpath("data").joinpath("JapaneseVowels")
    for name in ("JapaneseVowels_TRAIN.ts", "JapaneseVowels_TEST.ts", "README.md"):
        assert root.joinpath(name).is_file()
    readme = root.joinpath("README.md").read_text(encoding="utf-8")
    for word in ("Kudo", "CC BY 4.0", "aeon", "BSD-3-Clause"):
        assert word in readme


def test_ts_reader_errors():
    row = ":".join(["1,2"] * 12)
    X, T = _parse_ts(f"# c\n@dimensions 12\n@data\n{row}:3\n\n", "t.ts")
    assert len(X) == 1 and X[0].shape == (12, 2) and T.tolist() == [3]
    with pytest.raises(ValueError, match="no @data"):
        _parse_ts("# only a header\n", "t.ts")
    with pytest.raises(ValueError, match="expected 12"):
        _parse_ts("@data\n1,2:3,4:1\n", "t.ts")
    with pytest.raises(ValueError, match="line 2"):
        _parse_ts("@data\n" + ":".join(["1,x"] * 12) + ":1\n", "t.ts")
    with pytest.raises(ValueError, match="before @data"):
        _parse_ts("junk\n@data\n", "t.ts")


def test_forecasting_series_and_bad_labels():
    import pytest
    from dlarr.data.loaders import _parse_ts
    times, values = dl.airlinePassengersData()
    assert times[0] == "1949-01" and times[-1] == "1960-12" and values.shape == (144,)
    assert values[:3].tolist() == [112, 118, 132] and values[-1] == 432    # Box & Jenkins
    years, spots = dl.sunspotsData()
    assert years[0] == "1700" and years[-1] == "2008" and spots.shape == (309,)
    assert spots[0] == 5.0
    line = ":".join(["1.0,2.0"] * 12) + ":x"
    with pytest.raises(ValueError, match="class label 'x' is not an integer"):
        _parse_ts("@data\n" + line, "t.ts")
