"""Chart builders: the fixed live specs take the page's rows, fixed layers keep their own data, and live
rows are built once per new events however many sessions watch."""
import types

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


def job(job_id, events):
    return types.SimpleNamespace(id=job_id, events=events)


def test_rows_from_events():
    events = [{"kind": "batch", "epoch": 0.5, "moving_loss": 2.0}, {"kind": "epoch", "epoch": 0, "moving_loss": 1.9,
                                                                       "train_acc": 0.8, "test_acc": 0.7}]
    loss, acc = (t.to_pandas() for t in charts.LiveRows().tables([("run", job(1, events))]))
    assert loss.astype({"run": str}).to_dict("records") == [{"run": "run", "epoch": 0.5, "moving_loss": 2.0}]
    assert sorted(acc.split) == ["test", "train"] and set(acc.epoch) == {1} and set(acc.accuracy) == {0.8, 0.7}


def test_two_sessions_watching_one_job_cost_one_build():
    rows, run = charts.LiveRows(), job(7, [{"kind": "batch", "epoch": 0.1, "moving_loss": 2.3}])
    first = rows.tables([("#1 defaults", run)])
    assert rows.tables([("#1 defaults", run)]) is first and rows.builds == 1  # a second student: no work
    run.events.append({"kind": "batch", "epoch": 0.2, "moving_loss": 2.2})
    grown = rows.tables([("#1 defaults", run)])
    assert rows.builds == 2 and grown[0].num_rows == 2


def test_long_loss_curves_are_thinned_and_keep_their_ends():
    events = [{"kind": "batch", "epoch": i / 100, "moving_loss": 1.0} for i in range(5000)]
    loss = charts.LiveRows().tables([("long", job(1, events))])[0].to_pandas()
    assert len(loss) <= charts.MAX_LOSS_POINTS + 1
    assert loss.epoch.iloc[0] == 0 and loss.epoch.iloc[-1] == 49.99
    kept_before = {e["epoch"] for e in charts.thin(events[:4000])}
    kept_after = {e["epoch"] for e in charts.thin(events) if e["epoch"] < 39.99}
    assert kept_after <= kept_before  # as a run grows, points are only dropped, never shifted


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
