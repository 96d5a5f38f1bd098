"""The one place that imports MXNet, after restoring a numpy alias it still needs and turning its operator tuning off.

MXNet 1.9.1 uses ``np.bool``, which numpy 1.24 removed. Every module in ``core``
that needs MXNet imports it from here, so the alias is set before MXNet loads.
"""
import os

import numpy as np

# MXNet times ~200 elementwise kernels at import to decide whether OpenMP is worth it per kernel; off (its documented
# switch, set before MXNet loads) the import is faster and this net's runs are too, with identical numbers.
os.environ.setdefault("MXNET_USE_OPERATOR_TUNING", "0")
# MXNet's engine stays its default (threaded): the NaiveEngine (every operation at once on the calling thread) gave
# the same numbers but measured no faster here (2026-12-05, same hour: the lesson's epoch 3.64 s against 3.51 s from
# the command line, two one-thread workers 10.1 s against 9.6-9.9 s, a class's sweep 371 s against 337 s).
# python -m benchmarks.bench --compare-engine measures it again.

if "bool" not in np.__dict__:
    np.bool = bool  # the builtin is exactly what the removed alias pointed to

import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon, nd  # noqa: E402

__all__ = ["mx", "nd", "autograd", "gluon"]
