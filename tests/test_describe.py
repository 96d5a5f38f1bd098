"""Charts in words (core.views.describe): each chart's sentence states its latest numbers; its table holds them."""
import sys

import pandas as pd

from core.views import describe


def run_events(losses, accs):
    """Events as a training run yields them: batch points (fractional epochs) and per-epoch accuracy."""
    batches = [{"kind": "batch", "step": i, "epoch": (i + 1) / 2, "moving_loss": v} for i, v in enumerate(losses)]
    epochs = [{"kind": "epoch", "epoch": i, "moving_loss": losses[min(2 * i + 1, len(losses) - 1)],
               "train_acc": tr, "test_acc": te} for i, (tr, te) in enumerate(accs)]
    return [{"kind": "start"}] + batches + epochs


def test_the_loss_sentence_states_first_and_last_values_and_epochs():
    events = run_events([2.3026, 1.1, 0.5, 0.2113], [(0.9, 0.88), (0.989, 0.973)])
    text = describe.live_sentence("loss", [("#1 p=0.5", events)])
    assert text == "Moving loss while training: #1 p=0.5 fell from 2.30 to 0.21 over 2 epochs."


def test_the_accuracy_sentence_states_the_latest_epoch_of_every_run():
    a = run_events([2.3, 0.4], [(0.9, 0.88), (0.989, 0.973)])
    b = run_events([2.3], [(0.5, 0.45)])
    text = describe.live_sentence("accuracy", [("#1", a), ("#2", b)], title="Accuracy")
    assert text == "Accuracy: #1 after epoch 2, test 97.3%, train 98.9%; #2 after epoch 1, test 45.0%, train 50.0%."


def test_runs_without_points_yet_say_so():
    assert describe.live_sentence("loss", [("#1", [{"kind": "start"}])]) == \
        "Moving loss while training: #1 has no point yet."
    assert describe.live_sentence("accuracy", []) == "Accuracy after each epoch: no run yet."
    broken = describe.loss_words("x", run_events([0.5, float("nan")], []))
    assert broken == "x stayed from 0.50 to not a number over 1 epoch"  # a diverged run's NaN, in words
    barely = describe.loss_words(None, run_events([2.30261, 2.30012], []))
    assert barely == "fell from 2.3026 to 2.3001 over 1 epoch"  # a change below 0.01 still shows
    assert describe.ended_words(run_events([2.3, 0.4], [(0.5, 0.4)])) == {
        "loss": "fell from 2.30 to 0.40 over 1 epoch", "accuracy": "after epoch 1, test 40.0%, train 50.0%"}


def test_the_table_holds_every_measured_epoch_and_thins_long_runs():
    events = run_events([2.0] * 8, [(0.1 * i, 0.05 * i) for i in range(4)])
    table = describe.runs_table([("#1", events)])
    assert list(table.columns) == ["run", "epoch", "moving loss", "train acc", "test acc"]
    assert table.epoch.tolist() == [1, 2, 3, 4] and table["test acc"].tolist() == [0.0, 0.05, 0.1, 0.15000000000000002]
    long = run_events([1.0] * 600, [(0.5, 0.5)] * 300)
    thinned = describe.runs_table([("#1", long), ("#2", events)], most=25)
    first = thinned[thinned.run == "#1"].epoch.tolist()
    assert len(first) <= 25 and first[-1] == 300 and first == sorted(first)
    assert describe.runs_table([]).empty


def test_a_series_sentence_gives_each_series_ends_and_peak():
    df = pd.DataFrame({"value": [0, 0, 0.5, 0.9], "series": ["a", "a", "a", "a"], "test_acc": [0.9, 0.92, 0.95, 0.3]})
    text = describe.series_sentence("Final test accuracy", df, "value", "test_acc", "series", y_fmt=".1%")
    assert text == ("Final test accuracy: a: test_acc from 91.0% at value 0 to 30.0% at 0.9, highest 95.0% at 0.5.")
    one = describe.series_sentence("Votes", pd.DataFrame({"value": [0.5], "votes": [3]}), "value", "votes")
    assert one == "Votes: votes 3 at value 0.5."
    unnamed = pd.DataFrame({"p": [0.0, 0.5], "series": ["", ""], "test_acc": [0.9, 0.95]})
    assert describe.series_sentence("Mean", unnamed, "p", "test_acc", "series", y_fmt=".1%", y_name="test accuracy") \
        == "Mean: test accuracy from 90.0% at p 0 to 95.0% at 0.5, highest 95.0% at 0.5."
    assert describe.series_sentence("Empty", pd.DataFrame(), "x", "y") == "Empty: nothing to show yet."


def test_describe_never_imports_streamlit():
    import subprocess
    out = subprocess.run([sys.executable, "-c", "import sys, core.views.describe; print('streamlit' in sys.modules)"],
                         capture_output=True, text=True, timeout=60, cwd=describe.__file__.rsplit("/core/", 1)[0])
    assert out.stdout.strip() == "False", out.stderr


def test_matrices_masks_and_the_small_net_in_words():
    import numpy as np
    A = np.arange(6, dtype=float).reshape(2, 3)
    assert describe.matrix_sentence("Input A", A) == \
        "Input A: a 2 by 3 matrix, values from 0 to 5; each value is written in its cell."
    assert describe.mask_sentence("Mask", np.array([[1, 0, 1], [0, 0, 1]])) == \
        "Mask: 3 of 6 entries kept (1), 3 dropped (0); each cell says which."
    nodes = pd.DataFrame({"layer": ["input", "hidden 1", "hidden 1", "output"], "state": ["input", "kept", "dropped", "output"]})
    assert describe.network_sentence(nodes) == ("The small net drawn: 4 units in 3 layers; of its 2 hidden units 1 are "
                                                "kept and 1 dropped, with their connections.")
