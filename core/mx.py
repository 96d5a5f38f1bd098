"""The one place that imports MXNet, after restoring a numpy alias it still needs.

MXNet 1.9.1 uses ``np.bool``, which numpy 1.24 removed. Every module in ``core``
that needs MXNet imports it from here, so the alias is set before MXNet loads.
"""
import numpy as np

if "bool" not in np.__dict__:
    np.bool = bool  # the builtin is exactly what the removed alias pointed to

import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon, nd  # noqa: E402

__all__ = ["mx", "nd", "autograd", "gluon"]
