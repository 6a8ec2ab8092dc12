"""examples/sequence_classification_1d_conv.py, shortened: both networks (MATLAB's 1-D
convolutional one and the convolutions + LSTM one) run and learn on Japanese Vowels."""
import pathlib
import subprocess
import sys

import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / \
    "sequence_classification_1d_conv.py"


@pytest.mark.parametrize("flags", [[], ["--lstm"]], ids=["conv", "conv-lstm"])
def test_conv1d_example_learns(flags):
    out = subprocess.run([sys.executable, str(EXAMPLE), "--epochs", "3", *flags],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    assert ("1-D convolutions + LSTM" in out) == bool(flags)
    assert ("1-D Global Average Pooling" in out) != bool(flags)     # the LSTM replaces it
    acc = float(out.split("test accuracy = ")[1].split()[0])
    assert acc > 0.6, out             # 9 speakers: chance is 0.11
