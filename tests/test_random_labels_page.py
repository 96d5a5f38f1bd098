"""The random-labels page under AppTest: defaults, a short contrast run, the sweep, bad link values."""
import re

from tests import apptest

KEYS = ("label_noise", "drop_prob", "train_size", "epochs", "seed", "inputs")


def open_page(**query):
    return apptest.open_page("app_pages/random_labels.py", **query)


def values(at):
    return {k: at.session_state[k] for k in KEYS}


def run_until(at, done, timeout=90):
    return apptest.run_until(at, done, timeout)


def bullets(at):
    return [line for m in at.markdown for line in m.value.splitlines() if line.startswith("- ")]


def test_renders_with_the_pages_defaults():
    at = open_page()
    assert not at.exception and not at.error and not at.warning
    assert at.title[0].value == "Memorising random labels"
    assert values(at) == {"label_noise": 1.0, "drop_prob": 0.5, "train_size": 1000, "epochs": 300, "seed": 1,
                          "inputs": "pixels"}
    assert at.selectbox(key="inputs").options == ["real images", "shuffled pixels (one fixed permutation)",
                                                  "random pixels (a new permutation per image)", "Gaussian noise"]
    assert "Zhang" in " ".join(m.value for m in at.markdown)
    assert not apptest.mounted(at)  # nothing trains before Train


def test_a_short_contrast_shows_four_runs_and_their_numbers():
    at = open_page(train_size=200, epochs=3, seed=11)
    at.button(key="train").click().run()
    assert not at.exception
    run_until(at, lambda a: len(bullets(a)) == 4 and not a.get("progress"))
    lines = bullets(at)
    for name in ("True labels, no dropout", "True labels, dropout 0.5", "Random labels, no dropout",
                 "Random labels, dropout 0.5"):
        assert any(line.startswith(f"- {name}: train ") and "test " in line for line in lines), name
    (live,) = apptest.mounted(at)
    spec = str(live["charts"][0]["spec"])
    assert "'rule'" in spec and "strokeDash" in spec  # train and test on one chart, a chance line
    assert len(at.session_state["rl_contrast"]) == 4 == len(live["runs"])
    assert not any(r["live"] or r["status"] for r in live["runs"])  # all ended: no progress lines left


def test_stop_halts_the_contrast():
    at = open_page(seed=13)  # the full 300-epoch contrast
    at.button(key="train").click().run()
    at.button(key="stop").click().run()
    run_until(at, lambda a: len(bullets(a)) == 4)
    assert all("stopped" in line for line in bullets(at))


def test_the_link_chooses_the_inputs():
    at = open_page(inputs="shuffled", label_noise=0, train_size=200, epochs=2)
    assert values(at)["inputs"] == "shuffled" and not at.warning
    at.button(key="train").click().run()
    run_until(at, lambda a: len(bullets(a)) == 4)
    assert any("Shuffled pixels, true labels" in line for line in bullets(at))


def test_the_sweep_runs_every_noise_level():
    at = open_page(train_size=100, epochs=2, seed=12)
    at.button(key="sweep").click().run()
    (live,) = apptest.mounted(at)
    assert live["summary"] == "Sweep" and live["each"] and len(live["runs"]) == 12 and not live["charts"]
    run_until(at, lambda a: not apptest.mounted(a) and len(a.dataframe) == 1)
    table = at.dataframe[0].value
    assert len(table) == 12 and sorted(set(table["labels replaced"])) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert set(table["dropout"]) == {"no dropout", "dropout 0.5"}
    assert len(at.get("vega_lite_chart")) == 1


def test_bad_link_values_are_clamped_or_dropped_with_a_note():
    at = open_page(label_noise="abc", epochs=-1, train_size="1e99", inputs="<b>", drop_prob="7")
    assert not at.exception and not at.error
    notes = " ".join(w.value for w in at.warning)
    for name in ("label_noise", "epochs", "train_size", "inputs", "drop_prob"):
        assert name in notes
    assert "<b>" not in notes
    assert values(at) == {"label_noise": 1.0, "drop_prob": 1.0, "train_size": 60000, "epochs": 1, "seed": 1,
                          "inputs": "pixels"}


def test_too_much_work_is_capped_with_a_note():
    at = open_page(train_size=60000, epochs=500)
    assert not at.exception
    (note,) = [w.value for w in at.warning if w.value.startswith("epochs:")]
    assert "one run may take" in note and "Fewer training images" in note


def test_the_page_asks_before_train_and_sets_the_answer_beside_the_run():
    at = open_page(train_size=200, epochs=3, seed=14)
    assert [r.label for r in at.radio] == ["Its training accuracy", "Its test accuracy"]
    assert all(r.value is None for r in at.radio)  # nothing chosen for the student: skipping is allowed
    at.radio(key="rl_guess_train").set_value("near 100%")
    at.radio(key="rl_guess_test").set_value("near chance (about 10%)")
    at.button(key="train").click().run()
    run_until(at, lambda a: len(bullets(a)) == 4)
    said = [x.value for x in list(at.success) + list(at.info) if x.value.startswith("You expected")]
    assert len(said) == 1 and "random labels, no dropout ended at" in said[0]
    final = next(line for line in bullets(at) if line.startswith("- Random labels, no dropout"))
    train = re.search(r"train (\d+\.\d)%", final).group(1)
    assert f"ended at {train}%" in said[0]  # the answer sits beside the run's own numbers
    assert re.search(r": (both right|one of two right|neither right)\.$", said[0])


def test_a_skipped_question_or_ask_0_shows_no_answer():
    at = open_page(train_size=200, epochs=2, seed=15)
    at.button(key="train").click().run()  # nothing answered: skipped
    run_until(at, lambda a: len(bullets(a)) == 4)
    assert not [x for x in list(at.success) + list(at.info) if x.value.startswith("You expected")]
    at = open_page(ask=0)
    assert not at.radio and not at.warning
    at = open_page(ask="<b>")
    assert any("ask:" in w.value and "<b>" not in w.value for w in at.warning)
