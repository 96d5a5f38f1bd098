"""The lesson's operations, written from scratch on MXNet arrays.

Each function takes ``F``, the MXNet namespace to build with: ``mx.nd`` (the default) runs
the op at once on NDArrays; ``mx.sym`` lets a HybridBlock compile the very same code into a
graph. Read them as NDArray code. The trainer runs these functions compiled (core/model.py):
one cached graph for the net and its loss, one for the SGD step of every parameter.
"""
from core.config import check
from core.nn.mx import nd


def relu(X, F=nd):
    """Elementwise max(X, 0)."""
    return F.maximum(X, 0)


def keep_scale(drop_prob):
    """The factor dropout multiplies survivors by: 1 / (1 - drop_prob), or 0 at drop_prob = 1."""
    # Inverted dropout: scaling the kept units now keeps every unit's expected value equal to
    # its input, so prediction time needs no rescaling. At drop_prob 1 nothing survives, and
    # scale 0 avoids the division by zero.
    return 1 / (1 - drop_prob) if drop_prob < 1 else 0.0


def dropout(X, drop_prob, F=nd):
    """Zero each entry with probability drop_prob and scale the survivors by 1 / (1 - drop_prob)."""
    check("drop_prob", drop_prob)  # a number in [0, 1], as everywhere in the app
    mask = F.random.uniform_like(X) < 1 - drop_prob
    return mask * X * keep_scale(drop_prob)


def softmax(y_linear, F=nd):
    """Turn each row of scores into probabilities that sum to 1."""
    # Subtracting each row's max leaves the result unchanged and keeps exp() from overflowing.
    shifted = F.broadcast_sub(y_linear, F.max(y_linear, axis=1, keepdims=True))
    exp = F.exp(shifted)
    return F.broadcast_div(exp, F.sum(exp, axis=1, keepdims=True))


def log_softmax(y_linear, F=nd):
    """Log of softmax, computed stably: shifted scores minus the log of their row sums."""
    shifted = F.broadcast_sub(y_linear, F.max(y_linear, axis=1, keepdims=True))
    return F.broadcast_sub(shifted, F.log(F.sum(F.exp(shifted), axis=1, keepdims=True)))


def softmax_cross_entropy(yhat_linear, y_one_hot, F=nd):
    """Per-example loss: minus the sum over classes of y * log softmax(yhat_linear)."""
    return -F.sum(y_one_hot * log_softmax(yhat_linear, F), axis=1)


def sgd_step(param, grad, lr):
    """A parameter's value after one plain gradient step: param - lr * grad (on arrays or symbols)."""
    return param - lr * grad


def sgd(params, lr):
    """One plain gradient step, in place: param <- param - lr * grad."""
    for param in params:
        param -= lr * param.grad  # in place: the same array, so every reference to it sees the step
