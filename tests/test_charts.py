"""Chart builders: the fixed live specs take the page's rows, and fixed layers keep their own data."""
from core import charts


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


def test_frames_from_events():
    events = [{"kind": "batch", "epoch": 0.5, "moving_loss": 2.0}, {"kind": "epoch", "epoch": 0, "moving_loss": 1.9,
                                                                       "train_acc": 0.8, "test_acc": 0.7}]
    loss, acc = charts.loss_frame([("run", events)]), charts.accuracy_frame([("run", events)])
    assert loss.to_dict("records") == [{"run": "run", "epoch": 0.5, "moving_loss": 2.0}]
    assert sorted(acc.split) == ["test", "train"] and set(acc.epoch) == {1}
