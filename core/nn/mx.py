"""The one place that imports MXNet, after restoring a numpy alias it still needs and turning its operator tuning off.

MXNet 1.9.1 uses ``np.bool``, which numpy 1.24 removed. Every module in ``core``
that needs MXNet imports it from here, so the alias is set before MXNet loads.
"""
import os

import numpy as np

# MXNet times ~200 elementwise kernels at import to decide whether OpenMP is worth it per kernel; off (its documented
# switch, set before MXNet loads) the import is faster and this net's runs are too, with identical numbers.
os.environ.setdefault("MXNET_USE_OPERATOR_TUNING", "0")
# MXNet's dependency engine schedules every operation onto worker threads; this net's operations are small and
# strictly one after another, so the NaiveEngine (each operation run at once on the calling thread) is faster, with
# the same numbers to the last digit (benchmarks/bench.py measures both: --engine). Set before MXNet loads: here,
# for the workers (local and Ray), the command lines and the runner's one MXNet thread alike.
os.environ.setdefault("MXNET_ENGINE_TYPE", "NaiveEngine")

if "bool" not in np.__dict__:
    np.bool = bool  # the builtin is exactly what the removed alias pointed to

import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon, nd  # noqa: E402

__all__ = ["mx", "nd", "autograd", "gluon"]
