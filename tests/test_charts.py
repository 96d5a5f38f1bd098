"""Chart builders: the fixed live specs take their rows from outside, fixed layers keep their own data, and the
dropout page's specs are valid Vega-Lite."""
from core.views import charts


def test_live_loss_spec_has_no_data_of_its_own():
    spec = charts.live_spec("loss", 10)
    assert "data" not in spec and "datasets" not in spec
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 10]


def test_live_accuracy_spec_keeps_the_chance_line_inline():
    spec = charts.live_spec("accuracy", 300, 0.1, "accuracy", ["a", "b"])
    assert "data" not in spec and "datasets" not in spec
    lines, *fixed = spec["layer"]
    assert "data" not in lines  # it shows the rows the page passes
    assert fixed and all(layer["data"]["values"][0]["accuracy"] == 0.1 for layer in fixed)


def test_a_spec_the_browser_fills_names_its_rows_and_takes_the_pages_width_and_look():
    spec = charts.browser_spec("accuracy", 300, 0.1, "accuracy", ["a", "b"])
    assert spec["data"] == {"name": "rows"} and spec["width"] == "container"
    assert spec["config"]["axis"]["ticks"] is False and spec["config"]["mark"]["aria"] is False  # both kept
    import altair as alt
    alt.LayerChart.from_dict({**spec, "datasets": {"rows": []}}, validate=True)  # valid Vega-Lite


def test_live_titles_are_drawn_by_the_chart():
    spec = charts.live_spec("loss", 10, "Moving loss|while training")
    assert spec["title"]["text"] == "Moving loss" and spec["title"]["subtitle"] == "while training"
    assert "title" not in charts.live_spec("loss", 10)


def _validated(spec):
    """The spec as Vega-Lite's schema (through Altair) reads it, its Arrow datasets as rows."""
    import altair as alt
    plain = {**spec, "datasets": {name: table.to_pylist() for name, table in spec["datasets"].items()}}
    return (alt.LayerChart if "layer" in plain else alt.Chart).from_dict(plain, validate=True).to_dict()


def test_the_dropout_pages_specs_are_valid_vega_lite():
    import numpy as np
    import pandas as pd

    A = np.arange(6, dtype=np.float32).reshape(2, 3)
    heat = charts.heatmap(A, "Input A", (0.0, 5.0), cell=40)
    assert heat["width"] == 120 and heat["height"] == 80
    cells = heat["datasets"]["cells"].to_pydict()
    assert cells["value"] == [0, 1, 2, 3, 4, 5] and cells["ink"] == ["black"] * 4 + ["white"] * 2
    mask = charts.mask_heatmap(A > 2, "Mask")
    assert mask["datasets"]["cells"].to_pydict()["state"] == ["dropped"] * 3 + ["kept"] * 3
    errors = pd.DataFrame({"K": [1, 4, 16] * 2, "mae": [1, .5, .25, 1, .5, .25], "series": ["a"] * 3 + ["b"] * 3})
    convergence = charts.convergence_chart(errors)
    assert convergence["encoding"]["x"]["axis"]["values"] == [1, 4, 16]
    nodes = pd.DataFrame({"layer": ["in", "hidden 1"], "unit": [0, 0], "x": [0, 1], "y": [0.0, 0.0],
                          "state": ["input", "dropped"]})
    edges = pd.DataFrame({"x": [0], "y": [0.0], "x2": [1], "y2": [0.0], "active": [False]})
    net = charts.network_chart(nodes, edges)
    assert net["datasets"]["edges"].to_pydict()["opacity"] == [0.06]
    for spec in (heat, mask, convergence, net):
        assert _validated(spec)["datasets"]  # an invalid spec raises here
