"""core.lessons.playground: one dropout draw with its mask, averages of many draws, a thinned net."""
import subprocess
import sys

import numpy as np
import pytest

from core.lessons import playground
from core.lessons.playground import convergence, dropout_sample, keep_scale, thinned_net_masks
from tests.conftest import ROOT

A = np.arange(20, dtype=np.float32).reshape(5, 4)
NONZERO = A + 1  # no zeros, so a kept entry can never look dropped


def test_p0_is_the_identity():
    kept, output, scale = dropout_sample(A, 0.0, seed=1)
    assert kept.all() and scale == 1
    np.testing.assert_array_equal(output, A)


def test_p1_gives_zeros_without_nan():
    kept, output, scale = dropout_sample(A, 1.0, seed=1)
    assert not kept.any() and scale == 0
    assert np.isfinite(output).all()
    np.testing.assert_array_equal(output, np.zeros_like(A))


@pytest.mark.parametrize("seed", [1, 2, 3, 42])
def test_p_half_zeroes_or_doubles_each_entry(seed):
    kept, output, scale = dropout_sample(NONZERO, 0.5, seed)
    assert scale == 2
    assert np.all((output == 0) | (output == 2 * NONZERO))
    np.testing.assert_array_equal(output != 0, kept)
    assert 0 < kept.sum() < kept.size


@pytest.mark.parametrize("drop_prob", [0.0, 0.1, 0.37, 0.5, 0.9, 0.99, 1.0])
@pytest.mark.parametrize("seed", [0, 7])
def test_output_is_mask_times_input_times_scale(drop_prob, seed):
    kept, output, scale = dropout_sample(A, drop_prob, seed)
    assert kept.dtype == bool and kept.shape == A.shape
    np.testing.assert_allclose(output, kept * A * np.float32(scale), rtol=1e-6, atol=0)


def test_mask_does_not_depend_on_the_values():
    """The mask comes from a matrix of ones, so zeros in A cannot hide a kept entry."""
    kept_zeros, output_zeros, _ = dropout_sample(np.zeros((5, 4), np.float32), 0.5, seed=5)
    kept_a, _, _ = dropout_sample(A, 0.5, seed=5)
    np.testing.assert_array_equal(kept_zeros, kept_a)
    assert kept_zeros.any() and not output_zeros.any()


def test_same_seed_same_mask_different_seeds_differ():
    masks = [dropout_sample(A, 0.5, seed)[0] for seed in (11, 11, 12)]
    np.testing.assert_array_equal(masks[0], masks[1])
    assert (masks[0] != masks[2]).any()


@pytest.mark.parametrize("drop_prob", [0.01, 0.3, 0.5, 0.8])
def test_keep_scale_matches_the_op(drop_prob):
    kept, output, scale = dropout_sample(np.ones((10, 10), np.float32), drop_prob, seed=3)
    assert scale == pytest.approx(keep_scale(drop_prob)) == pytest.approx(1 / (1 - drop_prob))
    np.testing.assert_allclose(output[kept], scale, rtol=1e-6)


def test_k_grid_is_a_log_grid_from_1_to_4096():
    ks = np.array(playground.K_GRID)
    assert ks[0] == 1 and ks[-1] == 4096 and np.all(np.diff(ks) > 0)
    assert np.all(ks[1:] / ks[:-1] <= 2.01)


@pytest.mark.parametrize("drop_prob,seed", [(0.5, 1), (0.2, 2), (0.8, 3), (0.5, 4)])
def test_convergence_error_falls_like_one_over_sqrt_k(drop_prob, seed):
    df = convergence(A, drop_prob, seed)
    avg = df[df.series == "average of K draws"]
    guide = df[df.series == "c / sqrt(K)"]
    assert list(avg.K) == list(playground.K_GRID) == list(guide.K)
    np.testing.assert_allclose(guide.mae, avg.mae.iloc[0] / np.sqrt(guide.K))
    assert avg.mae.iloc[0] > 0 and np.isfinite(avg.mae).all()
    slope = np.polyfit(np.log(avg.K), np.log(avg.mae), 1)[0]
    assert -0.65 < slope < -0.35  # 1/sqrt(K) is a slope of -1/2 on log-log axes
    ratio = avg.mae.iloc[-1] / guide.mae.iloc[-1]  # at K = 4096, against c / 64
    assert 0.4 < ratio < 2.5
    early, late = avg.mae[avg.K <= 4].mean(), avg.mae[avg.K >= 1024].mean()
    assert late < early / 10


def test_convergence_first_draw_is_the_shown_sample():
    """K = 1 averages one draw from the same seed: the output the page shows."""
    _, output, _ = dropout_sample(A, 0.5, seed=9)
    df = convergence(A, 0.5, seed=9)
    assert df.mae.iloc[0] == pytest.approx(np.abs(output - A).mean())


def test_convergence_edge_cases():
    assert (convergence(A, 0.0, 1).mae == 0).all()  # every draw is A
    at_one = convergence(A, 1.0, 1)
    np.testing.assert_allclose(at_one[at_one.series == "average of K draws"].mae, np.abs(A).mean())


def test_thinned_net_shapes_and_states():
    nodes, edges = thinned_net_masks(0.5, seed=1)
    assert list(nodes.groupby("x").size()) == [4, 6, 6, 3]
    assert len(edges) == 4 * 6 + 6 * 6 + 6 * 3
    assert set(nodes.state[nodes.x == 0]) == {"input"} and set(nodes.state[nodes.x == 3]) == {"output"}
    assert set(nodes.state[nodes.x.isin([1, 2])]) == {"kept", "dropped"}
    assert {"x", "y", "state", "layer", "unit"} <= set(nodes) and {"x", "y", "x2", "y2", "active"} <= set(edges)
    dropped = set(zip(nodes.x[nodes.state == "dropped"], nodes.y[nodes.state == "dropped"]))
    for e in edges.itertuples():
        assert e.active == ((e.x, e.y) not in dropped and (e.x2, e.y2) not in dropped)


def test_thinned_net_extremes_and_seed():
    nodes, edges = thinned_net_masks(0.0, seed=1)
    assert "dropped" not in set(nodes.state) and edges.active.all()
    nodes, edges = thinned_net_masks(1.0, seed=1)
    assert set(nodes.state[nodes.x.isin([1, 2])]) == {"dropped"} and not edges.active.any()
    a, b, c = (thinned_net_masks(0.5, s)[0].state.tolist() for s in (5, 5, 6))
    assert a == b and a != c


def test_playground_does_not_import_streamlit():
    code = "import sys, core.lessons.playground; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)
