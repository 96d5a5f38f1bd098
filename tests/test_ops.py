"""The from-scratch ops against MXNet's built-ins and against the properties they must have."""
import numpy as np
import pytest

from core.nn.mx import autograd, gluon, mx, nd
from core.nn.ops import dropout, relu, sgd, softmax, softmax_cross_entropy

A = nd.arange(20).reshape((5, 4))


def test_relu_matches_builtin():
    X = nd.random.normal(shape=(7, 9))
    assert np.array_equal(relu(X).asnumpy(), nd.relu(X).asnumpy())


def test_dropout_zero_is_identity_and_one_is_zeros():
    assert np.array_equal(dropout(A, 0.0).asnumpy(), A.asnumpy())
    out = dropout(A, 1.0).asnumpy()
    assert np.array_equal(out, np.zeros((5, 4))) and not np.isnan(out).any()


def test_dropout_half_zeroes_or_doubles_each_entry():
    mx.random.seed(3)
    out, a = dropout(A, 0.5).asnumpy(), A.asnumpy()
    assert np.all((out == 0) | (out == 2 * a))
    assert 0 < np.count_nonzero(out[a != 0]) < 19


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_keeps_the_mean(p):
    mx.random.seed(0)
    out = dropout(nd.ones((1000, 1000)), p).asnumpy()
    assert abs(out.mean() - 1.0) < 0.01
    assert abs((out > 0).mean() - (1 - p)) < 0.005


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "0.5", None])
def test_dropout_rejects_bad_probabilities(bad):
    with pytest.raises(ValueError):
        dropout(A, bad)


def test_dropout_gradient_is_mask_over_keep_probability():
    X = nd.random.normal(shape=(50, 40))
    X.attach_grad()
    mx.random.seed(5)
    with autograd.record():
        out = dropout(X, 0.3)
    out.backward()
    mask = (out != 0).asnumpy()
    assert np.allclose(X.grad.asnumpy(), mask / 0.7, rtol=1e-6)


def test_softmax_matches_builtin_and_survives_large_logits():
    X = nd.random.normal(shape=(6, 10)) * 5
    assert np.allclose(softmax(X).asnumpy(), nd.softmax(X).asnumpy(), atol=1e-6)
    big = nd.array([[1e3, 0, -1e3], [1e3, 1e3, 1e3]])
    rows = softmax(big).asnumpy()
    assert np.allclose(rows.sum(axis=1), 1.0) and not np.isnan(rows).any()


def test_cross_entropy_matches_gluon_loss():
    logits = nd.random.normal(shape=(8, 10)) * 3
    y = nd.array([0, 1, 2, 3, 4, 5, 6, 9])
    ours = softmax_cross_entropy(logits, nd.one_hot(y, 10)).asnumpy()
    theirs = gluon.loss.SoftmaxCrossEntropyLoss()(logits, y).asnumpy()
    assert np.allclose(ours, theirs, atol=1e-5)


def test_sgd_steps_against_the_gradient_in_place():
    w = nd.array([1.0, -2.0, 3.0])
    w.attach_grad()
    with autograd.record():
        loss = (w * w).sum()
    loss.backward()
    view = w[0:3]  # shares w's memory: it sees the step only if the step is made in place
    sgd([w], 0.1)
    assert np.allclose(w.asnumpy(), [0.8, -1.6, 2.4])
    assert np.allclose(view.asnumpy(), [0.8, -1.6, 2.4])


def test_compiled_sgd_update_equals_sgd_in_place_bit_for_bit():
    """The trainer's SGDUpdate (ops.sgd_step compiled into one graph) against ops.sgd on copies."""
    from core.nn.model import SGDUpdate, init_params
    params = init_params(4, hidden=(16, 8), weight_scale=0.5)
    reference = [p.copy() for p in params]
    for p, q in zip(reference, params):
        p.attach_grad()
        p.grad[:] = nd.random.normal(shape=p.shape)
    grads = [p.grad.copy() for p in reference]
    same_arrays = list(params)
    mean_loss, loss = nd.zeros((1,)), nd.array([0.5, 1.5, 4.0])
    SGDUpdate(params, grads, 0.05)(loss, mean_loss)
    sgd(reference, 0.05)
    assert all(a is b for a, b in zip(params, same_arrays))  # in place: every reference sees the step
    assert all(np.array_equal(a.asnumpy(), b.asnumpy()) for a, b in zip(params, reference))
    assert mean_loss.asscalar() == 2.0
