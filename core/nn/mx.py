"""The one place that imports MXNet, after restoring a numpy alias it still needs and turning its operator tuning off.

MXNet 1.9.1 uses ``np.bool``, which numpy 1.24 removed. Every module in ``core``
that needs MXNet imports it from here, so the alias is set before MXNet loads.
"""
import os

import numpy as np

from core.nn.threads import default_engine

# MXNet times ~200 elementwise kernels at import to decide whether OpenMP is worth it per kernel; off (its documented
# switch, set before MXNet loads) the import is faster and this net's runs are too, with identical numbers.
os.environ.setdefault("MXNET_USE_OPERATOR_TUNING", "0")

default_engine()  # MXNet's engine for this process's threads (core.nn.threads), read as MXNet loads

if "bool" not in np.__dict__:
    np.bool = bool  # the builtin is exactly what the removed alias pointed to

import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon, nd  # noqa: E402

__all__ = ["mx", "nd", "autograd", "gluon"]
