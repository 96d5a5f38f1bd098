"""Lesson 1: dropout on a small matrix, why the survivors are scaled, and what a mask does to a net."""
import importlib

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from core.config import PARAMS
from core.views import charts, describe
from app_pages import described, links, page, services

NAMES = ["drop_prob", "seed", "rows", "cols"]
DEFAULTS = {name: PARAMS[name].default for name in NAMES}
NET_SIZES = (4, 6, 6, 3)


def _playground(name, *args):
    # Runs on the runner's MXNet thread, so core.playground (and MXNet with it) is imported there only.
    return getattr(importlib.import_module("core.lessons.playground"), name)(*args)


@st.cache_data(max_entries=500, show_spinner=False)
def compute(name, *args):
    """core.playground.<name>(*args) on the runner's MXNet thread; results are shared by every session."""
    return services.get_runner().call(_playground, name, *args)


def next_seed():
    """Resample: the next seed (wrapping at the largest), so the link still reproduces the draw."""
    seed = PARAMS["seed"]
    st.session_state["seed"] = (st.session_state.get("seed", seed.default) + 1) % (seed.hi + 1)


def controls_ui():
    """The drop probability, seed, Resample and matrix shape; returns their values."""
    left, mid, right = st.columns([3, 2, 2], vertical_alignment="bottom")
    with left:  # param_widget needs st.slider itself, not a column's bound method
        values = {"drop_prob": links.param_widget(st.slider, "drop_prob", "Drop probability p")}
    with mid:
        values["seed"] = links.param_widget(st.number_input, "seed", "Seed")
    if "seed" not in links.hidden():
        right.button("Resample", key="resample", on_click=next_seed, icon=":material/casino:",
                     help="A new draw: adds 1 to the seed.")
    with st.expander("Change the input matrix", icon=":material/edit:"):
        for col, name, label in zip(st.columns(4), NAMES[2:], ["Rows", "Columns"]):
            with col:
                values[name] = links.param_widget(st.number_input, name, label)
        rows, cols = values["rows"], values["cols"]
        A = pd.DataFrame(np.arange(rows * cols, dtype=float).reshape(rows, cols)).rename(columns=str)
        if st.toggle("Type my own values", key="edit_values"):  # drawn on request: see light_table
            number = st.column_config.NumberColumn(min_value=-999, max_value=999, required=True)
            A = st.data_editor(A, key=f"values_{rows}x{cols}", column_config=dict.fromkeys(A, number)).fillna(0)
            st.caption("Edited values are not part of the shareable link; the shape, p and seed are.")
    return values, A.to_numpy(dtype=np.float32)


def light_table(container, M):
    """A small matrix as a plain table, numbers as %g.

    Interactive tables (and the code highlighter) load and start large browser modules: on this page they
    cost about a third of every page load in a class's browser, so the page shows plain tables and draws the
    editor and the source only when asked.
    """
    # Strings in an Arrow table: a pandas Styler for the %g would cost more than the rest of a slider move.
    container.table(pa.table({str(j): [f"{v:g}" for v in M[:, j]] for j in range(M.shape[1])}))


def result_ui(A, kept, output, scale, drop_prob):
    """Input, mask and output side by side, with the scale and the kept fraction in numbers."""
    lo, hi = min(A.min(), output.min()), max(A.max(), output.max())
    domain, cell = (float(lo), float(hi) if hi > lo else float(lo) + 1), min(44, 330 // A.shape[1])
    words = [describe.matrix_sentence("Input A", A), describe.mask_sentence("Mask", kept),
             describe.matrix_sentence("Output, the kept values scaled", output)]
    for col, chart, sentence in zip(st.columns(3), [charts.heatmap(A, "Input A", domain, cell=cell),
                                                    charts.mask_heatmap(kept, "Mask: 1 kept, 0 dropped", cell=cell),
                                                    charts.heatmap(output, "Output", domain, cell=cell)], words):
        described.vega_lite_ui(col, None, chart, sentence, width="content")
    n, k = kept.size, int(kept.sum())
    a, b, c = st.columns(3)
    a.metric("Scale on survivors, 1/(1 − p)", f"{scale:.4g}" if drop_prob < 1 else "0 (guarded)")
    b.metric("Kept this draw", f"{k} of {n} ({k / n:.0%})")
    c.metric("Expected kept fraction, 1 − p", f"{1 - drop_prob:.0%}")
    if drop_prob == 0:
        st.info("p = 0: every entry is kept and the scale is 1, so the output is the input, unchanged.",
                icon=":material/check:")
    elif drop_prob == 1:
        st.info("p = 1: every entry is dropped. 1/(1 − p) would divide by zero, so the code uses "
                "scale 0 instead: the output is all zeros, with no NaN or infinity.", icon=":material/block:")


def scale_ui(A, drop_prob, seed):
    """Why divide by 1 − p: the average of many draws returns to A, with error falling like 1/sqrt(K)."""
    st.header("Why the scale")
    st.markdown("Dividing each kept entry by the keep probability makes every entry's expected value its input:")
    st.latex(r"\mathbb{E}[h'_i] = (1-p)\cdot\frac{h_i}{1-p} + p\cdot 0 = h_i")
    st.markdown("Without the division the next layer would see, on average, only $(1-p)\\,h_i$ while training "
                "and the full $h_i$ at prediction. One draw is still noisy (each entry is $0$ or $h_i/(1-p)$, a "
                "standard deviation of $|h_i|\\sqrt{p/(1-p)}$), but the average of $K$ independent draws closes "
                "in on $A$, and its error shrinks like $1/\\sqrt{K}$: a straight line of slope $-1/2$ on log-log axes.")
    if drop_prob == 0 or not A.any():
        st.success("Here every draw is A itself (p = 0, or A is all zeros), so the error is exactly 0 for every "
                   "K: there is no noise to average away, and nothing to draw on a log scale.", icon=":material/check:")
        return
    if drop_prob == 1:
        st.warning(f"At p = 1 every draw is all zeros, so the average of any number of draws is all zeros too. "
                   f"Its error stays at the mean of |A| ({np.abs(A).mean():.3g}) for every K: it never "
                   "converges, because nothing of A survives to be averaged.", icon=":material/block:")
        return
    df = compute("convergence", A, drop_prob, seed)
    sentence = describe.series_sentence("Mean error of the average of K draws against K", df[df.mae > 0], "K", "mae",
                                        "series", x_fmt=",.0f", y_fmt=".3g", y_name="mean error")
    described.vega_lite_ui(st, None, charts.convergence_chart(df[df.mae > 0]), sentence, width="stretch")  # log: no 0
    first, last = df.iloc[0], df[df.series == df.series[0]].iloc[-1]
    st.caption(f"One draw is off by {first.mae:.3g} on average; {last.K:,} draws by {last.mae:.3g}, where "
               f"1/sqrt(K) predicts {first.mae / np.sqrt(last.K):.3g}. The averages are nested (K = 8 reuses "
               "the draws of K = 4), so the curve wanders around the guide rather than on it.")


def network_ui(drop_prob, seed):
    """One thinned net from this p and seed, or the full net used at prediction."""
    st.header("Train vs predict")
    n = sum(NET_SIZES[1:-1])
    nodes, edges = compute("thinned_net_masks", drop_prob, seed, NET_SIZES)
    on = nodes.state[nodes.layer.str.startswith("hidden")].eq("kept").to_numpy()
    view = st.segmented_control("Draw the net", ["Training pass", "Prediction"], default="Training pass",
                                required=True, key="net_view")
    if view == "Training pass":
        st.markdown(f"This p and seed keep {on.sum()} of the {n} hidden units: thinned net number "
                    f"{int(np.dot(on, 2 ** np.arange(n))):,} of $2^{{{n}}}$ = {2 ** n:,}.")
    else:
        st.markdown("At prediction every unit is on, and nothing is rescaled.")
        nodes, edges = nodes.replace({"state": {"dropped": "kept"}}), edges.assign(active=True)
    described.vega_lite_ui(st, None, charts.network_chart(nodes, edges), describe.network_sentence(nodes),
                           width="stretch")
    st.markdown(f"""
Dropping a unit removes it with all its connections, so each mask picks one of $2^{{{n}}}$ thinned nets (one per
on/off pattern of the {n} hidden units), all sharing the same weights; every training pass draws a new one.

At prediction no unit is dropped. Inverted dropout, the code on this page, already divided the kept units by
$1-p$ while training, so each unit's expected value is the same in both phases and prediction uses the plain
net: nothing is rescaled. The original form of dropout does the reverse with the same expectation: train with
the mask alone (no division), then at prediction multiply each unit's outgoing weights by the keep probability
$1-p$. Either way the full net stands in for averaging all the thinned nets, each weighted by how likely its
mask is. That is exact for the scores of a linear layer fed by dropout (and, with a softmax on those scores,
it gives exactly the normalised geometric mean of the thinned nets' predictions); once further nonlinearities
follow it is an approximation, a good one in practice.
""")


def code_ui(output, drop_prob, seed):
    """The op's source beside its result on the current matrix (on request: see light_table)."""
    st.header("Show the code")
    if not st.toggle("Show `dropout` and its result on this matrix", key="show_code"):
        return
    code, result = st.columns([3, 2])
    code.code(compute("dropout_source"), language="python", wrap_lines=True)
    result.markdown(f"`dropout(A, {drop_prob:g})` after `mx.random.seed({seed})`:")
    light_table(result, output)


def main():
    st.title("Dropout playground")
    links.show_link_notes(links.fix_link("dropout", NAMES))
    st.markdown("While a net trains, dropout switches off each unit of a layer independently with probability "
                "$p$ (a fresh random mask $m$ on every pass) and divides the survivors by the keep probability "
                "$1-p$. Here the layer's values are a small matrix $A$: move $p$ or the seed and see what survives.")
    st.latex(r"\begin{gathered} h'_i = \frac{m_i\, h_i}{1-p}, \\ m_i = 1 \text{ (keep) with probability } 1-p, "
             r"\text{ else } 0 \end{gathered}")  # two lines: fits a phone's width
    values, A = controls_ui()
    p, seed = values["drop_prob"], values["seed"]
    kept, output, scale = compute("dropout_sample", A, p, seed)
    result_ui(A, kept, output, scale, p)
    numbers = st.expander("Numbers: input and mask", icon=":material/table:", key="numbers", on_change="rerun")
    if numbers.open:  # drawn when opened: a closed expander's content is otherwise sent and laid out at every load
        for col, M in zip(numbers.columns(2), [A, kept.astype(int)]):
            light_table(col, M)
    scale_ui(A, p, seed)
    network_ui(p, seed)
    code_ui(output, p, seed)
    links.share_link_ui(values, DEFAULTS)


page.guarded(main)
