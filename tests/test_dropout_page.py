"""The dropout page in AppTest: it renders, its numbers obey dropout's rules, bad links are fixed visibly."""
import os
import statistics
import time

import numpy as np
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = os.path.join(ROOT, "app_pages", "dropout.py")
TIMEOUT = 60  # the first run starts the runner


def open_page(**link):
    """The page run once, opened with these link (query) parameters."""
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.query_params.update({k: str(v) for k, v in link.items()})
    return at.run(timeout=TIMEOUT)


def ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def numbers(at):
    """(input, mask, output) as the page shows them in its tables: input and mask in the Numbers expander (drawn
    once it is opened), the output once its code is shown."""
    at.session_state["numbers"] = True  # what opening the expander does (its key holds its open state)
    at.toggle(key="show_code").set_value(True).run(timeout=TIMEOUT)
    A, kept, output = (t.value.to_numpy().astype(float) for t in ok(at).table)  # shown as %g text
    return A, kept, output


def metrics(at):
    return {m.label: m.value for m in at.metric}


def move(at, drop_prob):
    at.slider(key="drop_prob").set_value(drop_prob).run(timeout=TIMEOUT)
    return ok(at)


def test_page_renders_with_the_lesson_defaults():
    at = ok(open_page())
    assert at.title[0].value == "Dropout playground"
    assert at.slider(key="drop_prob").value == 0.5 and at.number_input(key="seed").value == 1
    assert len(at.get("vega_lite_chart")) == 5  # input, mask, output, convergence, net
    assert not at.code and not at.dataframe  # the source, the link and the editor are drawn on request
    assert not at.table  # and the Numbers expander's tables once it is opened
    A, kept, output = numbers(at)
    np.testing.assert_array_equal(A, np.arange(20).reshape(5, 4))
    assert set(np.unique(kept)) <= {0, 1}
    assert metrics(at)["Scale on survivors, 1/(1 − p)"] == "2"
    assert "def dropout(" in at.code[0].value
    assert not at.warning
    for index, M in enumerate([A, kept, output]):  # the heatmaps draw the same numbers as the tables
        cells = chart_frames(at, index)[0].sort_values(["row", "col"])
        np.testing.assert_allclose(cells.value.to_numpy().reshape(M.shape), M)


def test_router_serves_the_page():
    at = AppTest.from_file(os.path.join(ROOT, "streamlit_app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("app_pages/dropout.py").run(timeout=TIMEOUT)
    assert ok(at).title[0].value == "Dropout playground"


def test_p0_output_equals_input():
    at = move(open_page(), 0.0)
    A, kept, output = numbers(at)
    np.testing.assert_array_equal(output, A)
    assert kept.all()
    assert metrics(at)["Kept this draw"] == "20 of 20 (100%)"
    assert any("output is the input" in i.value for i in at.info)
    assert any("exactly 0" in s.value for s in at.success)  # no log chart of zeros
    assert len(at.get("vega_lite_chart")) == 4


def test_p1_output_is_all_zeros_with_the_guarded_scale():
    at = move(open_page(), 1.0)
    A, kept, output = numbers(at)
    assert not kept.any() and np.isfinite(output).all() and not output.any()
    assert metrics(at)["Scale on survivors, 1/(1 − p)"] == "0 (guarded)"
    assert any("divide by zero" in i.value for i in at.info)
    assert any("never converges" in w.value for w in at.warning)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_p_half_zeroes_or_doubles(seed):
    at = ok(open_page(seed=seed))
    A, kept, output = numbers(at)
    np.testing.assert_array_equal(output, np.where(kept == 1, 2 * A, 0))
    assert np.all((output == 0) | (output == 2 * A))
    k = int(kept.sum())
    assert metrics(at)["Kept this draw"] == f"{k} of 20 ({k / 20:.0%})"


def test_output_is_mask_times_input_times_scale_at_any_p():
    at = move(open_page(), 0.3)
    A, kept, output = numbers(at)
    np.testing.assert_allclose(output, kept * A / 0.7, rtol=1e-5)
    shown = at.table[2].value.to_numpy()  # the output as students read it: %g, not 0.0000 or 1.4285714
    assert {f"{v:g}" for v in output.ravel()} == set(shown.ravel()) and "0" in shown
    assert metrics(at)["Scale on survivors, 1/(1 − p)"] == "1.429"


def test_same_seed_same_mask_and_resample_changes_it():
    first, again = open_page(seed=7), open_page(seed=7)
    np.testing.assert_array_equal(numbers(ok(first))[1], numbers(ok(again))[1])
    again.button(key="resample").click().run(timeout=TIMEOUT)
    assert ok(again).number_input(key="seed").value == 8
    np.testing.assert_array_equal(numbers(again)[1], numbers(ok(open_page(seed=8)))[1])  # the link reproduces it
    assert (numbers(again)[1] != numbers(first)[1]).any()


def test_resample_wraps_at_the_largest_seed():
    at = open_page(seed=999_999)
    at.button(key="resample").click().run(timeout=TIMEOUT)
    assert ok(at).number_input(key="seed").value == 0


def test_shape_follows_rows_and_cols():
    at = ok(open_page(rows=3, cols=2))
    A, kept, output = numbers(at)
    assert A.shape == kept.shape == output.shape == (3, 2)
    np.testing.assert_array_equal(A, np.arange(6).reshape(3, 2))
    at.number_input(key="rows").set_value(10).run(timeout=TIMEOUT)
    assert numbers(ok(at))[2].shape == (10, 2)


def test_the_value_editor_and_the_share_link_are_drawn_on_request():
    at = ok(open_page(rows=3, cols=2, drop_prob="0.25"))
    at.toggle(key="edit_values").set_value(True).run(timeout=TIMEOUT)
    editor = ok(at).dataframe
    assert len(editor) == 1
    np.testing.assert_array_equal(editor[0].value.to_numpy(), np.arange(6).reshape(3, 2))
    np.testing.assert_array_equal(numbers(at)[0], np.arange(6).reshape(3, 2))
    at.toggle(key="share_link").set_value(True).run(timeout=TIMEOUT)
    link = ok(at).code[-1].value
    assert "rows=3" in link and "cols=2" in link and "drop_prob=0.25" in link


@pytest.mark.parametrize("raw,value", [("abc", 0.5), ("-3", 0.0), ("7", 1.0), ("nan", 0.5)])
def test_bad_link_values_are_fixed_with_a_note(raw, value):
    at = ok(open_page(drop_prob=raw))
    assert at.slider(key="drop_prob").value == value
    notes = [w.value for w in at.warning]
    assert any("drop_prob" in n for n in notes), notes


def test_a_link_value_is_echoed_in_a_code_span_so_it_never_becomes_a_link_or_markup():
    at = ok(open_page(drop_prob="www.example-site.com", seed="__bold__", rows="2`x"))
    notes = [w.value for w in at.warning]
    assert any("`www.example-site.com`" in n for n in notes) and any("`__bold__`" in n for n in notes), notes
    assert any("`2?x`" in n for n in notes), notes  # a backtick in the value cannot close the span


def test_several_bad_link_values_at_once():
    at = ok(open_page(seed="x1", rows=50, cols=0, drop_prob="0.25"))
    assert at.number_input(key="seed").value == 1
    assert (at.number_input(key="rows").value, at.number_input(key="cols").value) == (10, 1)
    assert at.slider(key="drop_prob").value == 0.25
    notes = " ".join(w.value for w in at.warning)
    assert "seed" in notes and "rows" in notes and "cols" in notes and "drop_prob" not in notes
    assert numbers(at)[0].shape == (10, 1)


def chart_frames(at, index):
    """The data frames behind the page's index-th chart, decoded from the Arrow bytes it sends."""
    proto = at.get("vega_lite_chart")[index].proto
    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in proto.datasets]


def net_frames(at):
    frames = chart_frames(at, -1)
    return next(f for f in frames if "state" in f), next(f for f in frames if "active" in f)


def test_net_view_training_pass_then_prediction():
    at = ok(open_page())
    nodes, edges = net_frames(at)
    assert "dropped" in set(nodes.state) and not edges.active.all()
    at.segmented_control(key="net_view").set_value("Prediction").run(timeout=TIMEOUT)
    nodes, edges = net_frames(ok(at))
    assert "dropped" not in set(nodes.state) and edges.active.all()
    assert any("nothing is rescaled" in m.value for m in at.markdown)


def test_twelve_slider_moves_in_a_row_each_rerun_cleanly():
    """Twelve moves, each a clean rerun; their server time is printed (the figure itself is the load benchmark's)."""
    at = ok(open_page())
    seconds = []
    for i in range(12):
        start = time.perf_counter()
        ok(at.slider(key="drop_prob").set_value(round(0.11 + 0.07 * i, 2)).run(timeout=TIMEOUT))
        seconds.append(time.perf_counter() - start)
    assert at.slider(key="drop_prob").value == round(0.11 + 0.07 * 11, 2)
    print(f"slider move: median {statistics.median(seconds) * 1000:.0f} ms")
