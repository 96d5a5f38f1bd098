"""Lesson 4's maths on MXNet arrays: thinned nets sampled from a trained net, and the full net.

Every thinned net shares the full net's weights; a fresh dropout mask per row picks which units it keeps.
"""
from core.nn.model import dense, net
from core.nn.mx import nd
from core.nn.ops import dropout, relu, softmax


def shared_first_layer(X, params):
    """Hidden layer 1 before its dropout: every thinned net computes exactly this, so it is computed once."""
    return relu(dense(X, params[0], params[1], params[1].shape[0]))


def thinned_probs(h1, params, drop_probs):
    """Softmax outputs of freshly sampled thinned nets (one per row of h1), from the shared first layer h1.

    These are the steps of core.model.net(X, params, drop_probs, train=True) after its first layer, in the
    same order, so under one seed both draw the same masks (a test checks it).
    """
    _, _, W2, b2, W3, b3 = params
    if drop_probs[0] > 0:
        h1 = dropout(h1, drop_probs[0])
    h2 = relu(dense(h1, W2, b2, b2.shape[0]))
    if drop_probs[1] > 0:
        h2 = dropout(h2, drop_probs[1])
    return softmax(dense(h2, W3, b3, b3.shape[0]))


def sample_probs(X, params, drop_probs, num_samples):
    """Softmax outputs of num_samples sampled thinned nets for each image in X: shape (num_samples, len(X), 10).

    One call of the lesson's net with dropout on, on X repeated num_samples times: dropout draws a fresh
    mask for every row, so every copy of every image goes through a thinned net of its own.
    """
    y_hat = net(nd.tile(X, reps=(num_samples, 1)), params, drop_probs, train=True)
    return softmax(y_hat).reshape((num_samples, X.shape[0], -1))


def full_probs(X, params):
    """Softmax outputs of the full net: every unit kept (inverted dropout needs no rescaling here)."""
    return softmax(net(X, params, train=False))


def running_sums(h1, params, drop_probs, num_samples):
    """For t = 1..num_samples: draw a fresh thinned net for every row of h1, yield (t, sum of the t outputs so far)."""
    total = nd.zeros((h1.shape[0], params[5].shape[0]))
    for t in range(1, num_samples + 1):
        total = total + thinned_probs(h1, params, drop_probs)
        yield t, total


def accuracy(probs, y):
    """Fraction of rows whose largest entry sits at the true class y (averaging or summing: same argmax)."""
    return float((nd.argmax(probs, axis=1) == y).sum().asscalar()) / len(y)  # counted, so 0.8655 stays 0.8655


def hidden_activations(h1, params):
    """Both hidden layers' outputs of the full net, from its first layer h1 (shared_first_layer), as numpy
    arrays (images x units)."""
    h2 = relu(dense(h1, params[2], params[3], params[3].shape[0]))
    return h1.asnumpy(), h2.asnumpy()
