"""The dropout playground's computations: dropout on a small matrix, averages of many draws, a thinned net.

Each function seeds MXNet and then draws, so call it on the runner's one MXNet thread
(`Runner.call`): the seed and the draws it controls then cannot interleave with anyone else's.
Arrays go in and come out as numpy; only the random draws and the op itself use MXNet.
"""
import inspect

import numpy as np
import pandas as pd

from core.nn import ops
from core.nn.ops import keep_scale
from core.nn.mx import mx, nd

# K = 1, 2, 3, 4, 6, 8, ..., 4096: about two points per doubling, even on a log axis.
K_GRID = tuple(int(k) for k in np.unique(np.round(2 ** np.arange(0, 12.5, 0.5))))


def dropout_source():
    """The source of the lesson's dropout op (and its scale), for the page to show."""
    return inspect.getsource(ops.keep_scale) + "\n\n" + inspect.getsource(ops.dropout)


def dropout_sample(A, drop_prob, seed):
    """One dropout draw on A: (mask of kept entries, output, scale), as numpy arrays and a float."""
    X = nd.array(A, dtype="float32")
    mx.random.seed(seed)
    output = ops.dropout(X, drop_prob)
    # The same seed replays the same uniform draws, so dropout on a matrix of ones shows exactly
    # which entries that call kept (A itself may hold zeros, which would hide a kept entry).
    mx.random.seed(seed)
    kept = ops.dropout(nd.ones_like(X), drop_prob) != 0
    return kept.asnumpy().astype(bool), output.asnumpy(), keep_scale(drop_prob)


def convergence(A, drop_prob, seed, ks=K_GRID):
    """Mean |average of K dropout draws - A| for each K, and a c / sqrt(K) guide through K = 1.

    Returns a DataFrame with columns K, mae, series (the draws are nested: K = 8 reuses the first 4).
    """
    A = np.asarray(A, dtype=np.float32)
    mx.random.seed(seed)
    stack = nd.broadcast_to(nd.array(A).expand_dims(0), (max(ks),) + A.shape)
    draws = ops.dropout(stack, drop_prob).asnumpy().reshape(max(ks), -1).astype(np.float64)
    averages = np.cumsum(draws, axis=0) / np.arange(1, len(draws) + 1)[:, None]
    ks = np.asarray(ks)
    mae = np.abs(averages[ks - 1] - A.ravel()).mean(axis=1)
    guide = mae[0] * np.sqrt(ks[0] / ks)
    return pd.DataFrame({"K": np.concatenate([ks, ks]), "mae": np.concatenate([mae, guide]),
                         "series": ["average of K draws"] * len(ks) + ["c / sqrt(K)"] * len(ks)})


def thinned_net_masks(drop_prob, seed, sizes=(4, 6, 6, 3)):
    """One dropout draw on a small net's hidden units, as (nodes, edges) for charts.network_chart."""
    mx.random.seed(seed)
    kept = (ops.dropout(nd.ones(sum(sizes[1:-1])), drop_prob) != 0).asnumpy().astype(bool)
    hidden = [np.where(k, "kept", "dropped") for k in np.split(kept, np.cumsum(sizes[1:-2]))]
    layers = [np.full(sizes[0], "input"), *hidden, np.full(sizes[-1], "output")]  # dropout acts on hidden units only
    names = ["input", *(f"hidden {i}" for i in range(1, len(sizes) - 1)), "output"]
    nodes = pd.DataFrame([{"layer": names[i], "unit": u, "x": i, "y": (len(states) - 1) / 2 - u, "state": s}
                          for i, states in enumerate(layers) for u, s in enumerate(states)])
    return nodes, _edges(nodes)


def _edges(nodes):
    """Every connection between consecutive layers; active unless one end was dropped."""
    x, y, on = nodes.x.to_numpy(), nodes.y.to_numpy(), (nodes.state != "dropped").to_numpy()
    i, j = np.array([(i, j) for i in range(len(x)) for j in range(len(x)) if x[j] == x[i] + 1]).T
    return pd.DataFrame({"x": x[i], "y": y[i], "x2": x[j], "y2": y[j], "active": on[i] & on[j]})
