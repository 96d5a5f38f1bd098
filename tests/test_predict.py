"""Lesson 4's computations: the request, sampling thinned nets, entropy, activations, weights, rotation, kept nets."""
import json
import math
import os

import numpy as np
import pytest

from core.config import TrainConfig
from core.config import PredictConfig
from core.lessons import thinned
from core import netcache
from core.lessons import measures
from core import config

TINY = TrainConfig(epochs=1, train_size=500, eval_size=200, lr=0.005)


@pytest.fixture(autouse=True)
def fresh_caches(tmp_path, monkeypatch):
    """Every test starts with empty in-process caches and its own cache folder."""
    monkeypatch.setenv("DROPOUT_NET_CACHE", str(tmp_path / "nets"))
    netcache.forget_in_memory()


# ---- the request -------------------------------------------------------------------------------------------

def test_request_defaults_round_trip_through_json():
    task = PredictConfig(samples=(50, 1, 10, 10), angles=[0, 90])
    assert task.samples == (1, 10, 50) and task.angles == (0, 90) and task.num_samples == 50
    again = PredictConfig.from_dict(json.loads(json.dumps(task.to_dict())))
    assert again == task and hash(again) == hash(task)
    assert PredictConfig().train == config.DEFAULT_TRAIN and PredictConfig().samples == config.SAMPLES


@pytest.mark.parametrize("bad", [dict(samples=()), dict(samples=(0, 5)), dict(samples=(1.5,)), dict(repeats=0),
                                 dict(test_size=50), dict(digit=10_000), dict(sample_seed=-1),
                                 dict(angles=(400,)), dict(angles=(1.5,)), dict(train={"epochs": 1}),
                                 dict(samples=(1000,), repeats=20, test_size=10_000), dict(samples=None),
                                 dict(samples=("5", 1)), dict(samples=(True,)), dict(angles=7)])
def test_bad_requests_are_refused(bad):
    with pytest.raises(ValueError):
        PredictConfig(**bad)


def test_the_twin_of_a_net_flips_dropout():
    with_dropout, without = config.twin_pair(TINY)
    assert with_dropout == TINY and without.drop_probs == (0.0, 0.0)
    assert config.twin_pair(without) == (without.with_dropout(0.5), without)


# ---- sampling thinned nets -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    """A small random net (784-32-16-10) and 40 random images."""
    from core.nn.model import init_params
    from core.nn.mx import mx, nd
    params = init_params(3, hidden=(32, 16), weight_scale=0.1)
    mx.random.seed(0)
    return params, nd.random.uniform(shape=(40, 784))


def one_thinned_net(X, params, drop_probs, seed):
    """Softmax outputs of the lesson's net with dropout on, one forward pass, seeded."""
    from core.nn.model import net
    from core.nn.mx import mx
    from core.nn.ops import softmax
    mx.random.seed(seed)
    return softmax(net(X, params, drop_probs, train=True)).asnumpy()


def test_one_sample_is_one_thinned_net(small):
    from core.nn.mx import mx
    params, X = small
    mx.random.seed(7)
    one = thinned.sample_probs(X, params, (0.5, 0.3), 1).asnumpy()
    assert one.shape == (1, 40, 10)
    np.testing.assert_array_equal(one[0], one_thinned_net(X, params, (0.5, 0.3), 7))


def test_the_shared_first_layer_gives_the_same_thinned_nets(small):
    from core.nn.mx import mx
    params, X = small
    mx.random.seed(8)
    fast = thinned.thinned_probs(thinned.shared_first_layer(X, params), params, (0.5, 0.3)).asnumpy()
    np.testing.assert_array_equal(fast, one_thinned_net(X, params, (0.5, 0.3), 8))


def test_sampling_is_seeded_and_every_row_is_a_distribution(small):
    from core.nn.mx import mx
    params, X = small

    def draw(seed):
        mx.random.seed(seed)
        return thinned.sample_probs(X, params, (0.5, 0.5), 20).asnumpy()

    a, b, c = draw(1), draw(1), draw(2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_allclose(a.sum(axis=-1), 1, rtol=1e-5)
    assert np.std(a, axis=0).mean() > 0.01  # the thinned nets disagree


def test_without_dropout_every_sample_is_the_full_net(small):
    params, X = small
    samples = thinned.sample_probs(X, params, (0.0, 0.0), 5).asnumpy()
    full = thinned.full_probs(X, params).asnumpy()
    # equal but for float rounding, which differs with a row's place in a batch
    np.testing.assert_allclose(samples, np.broadcast_to(full, samples.shape), rtol=1e-5)
    assert samples.std(axis=0).max() < 1e-6


def test_the_average_of_many_thinned_nets_approaches_the_full_net(small):
    from core.nn.mx import mx
    params, X = small
    X = X[:10]  # 2,000 copies of 10 images: about 60 MB
    full = thinned.full_probs(X, params).asnumpy()
    mx.random.seed(5)
    samples = thinned.sample_probs(X, params, (0.5, 0.5), 2000).asnumpy()
    error = {t: np.abs(samples[:t].mean(axis=0) - full).mean() for t in (1, 10, 100, 2000)}
    assert error[1] > error[10] > error[100] > error[2000]
    assert error[2000] < error[1] / 3
    # ... but not all the way: the softmax and the ReLUs make the full net an approximation of the average
    assert error[2000] > 1e-4


def test_weight_scaling_is_exact_while_the_net_is_linear(small):
    """With every ReLU active, the scores are linear in each mask: their mean over draws is the full net's."""
    from core.nn.model import net
    from core.nn.mx import mx, nd
    params, X = small
    X = X[:10]
    linear = [p.abs() if i < 4 else p for i, p in enumerate(params)]  # inputs >= 0: every hidden unit stays on
    full = net(X, linear).asnumpy()
    mx.random.seed(4)
    scores = net(nd.tile(X, reps=(4000, 1)), linear, (0.5, 0.5), train=True).asnumpy().reshape(4000, 10, 10)
    spread = scores.std(axis=0)
    assert np.all(np.abs(scores.mean(axis=0) - full) < 4 * spread / math.sqrt(4000) + 1e-4)


def test_running_sums_add_one_thinned_net_at_a_time(small):
    from core.nn.mx import mx
    params, X = small
    h1 = thinned.shared_first_layer(X, params)
    mx.random.seed(3)
    sums = [(t, total.asnumpy()) for t, total in thinned.running_sums(h1, params, (0.5, 0.5), 4)]
    mx.random.seed(3)
    draws = [thinned.thinned_probs(h1, params, (0.5, 0.5)).asnumpy() for _ in range(4)]
    assert [t for t, _ in sums] == [1, 2, 3, 4]
    for t, total in sums:
        np.testing.assert_allclose(total, np.sum(draws[:t], axis=0), rtol=1e-5)


def test_accuracy_and_entropy():
    from core.nn.mx import nd
    probs = nd.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.4, 0.5, 0.1]])
    assert thinned.accuracy(probs, nd.array([0, 2, 0])) == pytest.approx(2 / 3)
    h = measures.entropy([[0.1] * 10, [1.0] + [0.0] * 9, [0.5, 0.5] + [0.0] * 8])
    np.testing.assert_allclose(h, [math.log(10), 0.0, math.log(2)], atol=1e-9)


# ---- inside the net --------------------------------------------------------------------------------------------

def test_activation_stats_count_zeros_apart():
    h = np.array([[0.0, 0.0, 0.05, 1.0], [0.0, 2.0, 9.0, 0.15]])
    stats = measures.activation_stats(h, edges=(0, 0.1, 0.2, 1.0, 3.0))
    assert stats["zero_fraction"] == pytest.approx(3 / 8)
    assert stats["mean_activation"] == pytest.approx(12.2 / 8)
    assert stats["counts"] == [1, 1, 0, 3]  # 9.0 lies past the last edge and lands in the last bin
    assert sum(stats["counts"]) + 3 == stats["size"] == 8


def test_weight_images_map_zero_to_grey_and_each_units_extremes_to_black_and_white():
    W = np.zeros((3, 784))
    W[1, 0], W[1, 1] = 2.0, -1.0
    images = measures.weight_images(W, [1, 2])
    assert images.shape == (2, 28, 28) and images.dtype == np.uint8
    assert images[0, 0, 0] == 255 and images[0, 0, 1] == 64 and images[0, 5, 5] == 128
    assert np.all(images[1] == 128)  # an all-zero unit is plain grey


def test_rotation_turns_anticlockwise_about_the_centre():
    rng = np.random.RandomState(0)
    image = rng.randint(0, 256, size=(28, 28)).astype(np.uint8)
    np.testing.assert_array_equal(measures.rotate(image, 0), image)
    np.testing.assert_array_equal(measures.rotate(image, 90), np.rot90(image))
    np.testing.assert_array_equal(measures.rotate(image, 180), np.rot90(image, 2))
    np.testing.assert_array_equal(measures.rotate(image, -90), np.rot90(image, -1))
    blob = np.zeros((28, 28), np.uint8)
    blob[10:18, 10:18] = 200  # a centred square keeps its ink under any turn, give or take its corners
    assert abs(int(measures.rotate(blob, 30).sum()) - int(blob.sum())) < 0.1 * blob.sum()


# ---- kept nets ---------------------------------------------------------------------------------------------------

def test_a_kept_net_survives_the_process_in_the_cache_folder(tmp_path):
    from core.nn.model import init_params
    params = init_params(1, hidden=(8, 8))
    assert netcache.kept_net(TINY) is None
    netcache.keep_net(TINY, params)
    netcache.forget_in_memory()  # as a fresh worker would start
    loaded = netcache.kept_net(TINY)
    assert len(loaded) == 6 and all(np.array_equal(a.asnumpy(), b.asnumpy()) for a, b in zip(loaded, params))
    assert os.path.dirname(netcache.cache_path(TINY)) == str(tmp_path / "nets")
    assert netcache.cache_path(TINY) != netcache.cache_path(TINY.with_dropout(0.0))


def test_a_damaged_or_unwritable_cache_costs_only_a_retraining(tmp_path, monkeypatch):
    from core.nn.model import init_params
    os.makedirs(netcache.cache_dir())
    with open(netcache.cache_path(TINY), "wb") as f:
        f.write(b"not a net")
    assert netcache.kept_net(TINY) is None
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DROPOUT_NET_CACHE", str(blocker / "nets"))  # a folder that cannot be made
    netcache.keep_net(TINY, init_params(1, hidden=(8, 8)))  # no error: kept in this process only
    assert netcache.kept_net(TINY) is not None


def test_figures_are_kept_in_the_cache_folder_and_a_damaged_file_is_ignored():
    task = PredictConfig(train=TINY)
    figures = ([{"kind": "averaging", "samples": 1}], [4, 8])
    assert netcache.kept_figures(task) is None
    netcache.keep_figures(task, figures)
    netcache.forget_in_memory()
    assert netcache.kept_figures(task) == ([{"kind": "averaging", "samples": 1}], [4, 8])
    assert netcache.kept_figures(PredictConfig(train=TINY, repeats=2)) is None  # another sampling request
    assert netcache.kept_figures(PredictConfig(train=TINY, digit=7)) is not None  # the digit is not a figure's key
    netcache.forget_in_memory()
    with open(netcache.figures_path(task), "w") as f:
        f.write("{not json")
    assert netcache.kept_figures(task) is None
