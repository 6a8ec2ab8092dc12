"""What the benchmarks print about the machine they ran on (imports nothing heavy, so a
benchmark can set its thread variables before NumPy loads)."""
from __future__ import annotations

import platform


def cpu_model():
    """The CPU's model name (/proc/cpuinfo), else what platform says."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
