"""The prediction-time page under AppTest: defaults, bad links, a session's MNIST run asked for a digit. (MXNet stays off script threads: tests/test_app.py.)"""

import pytest

from tests import apptest
from tests.test_message_size import limit_bytes

TINY_RUN = dict(train_size=1000, epochs=10, lr=0.01)  # about 85% test accuracy in a couple of seconds


def open_page(**query):
    return apptest.open_page("app_pages/predict.py", **query)


def text(at):
    return " ".join(m.value for m in at.markdown)


def test_renders_with_the_class_pair_and_nothing_computed():
    at = open_page()
    assert not at.exception and not at.error and not at.warning
    assert at.title[0].value == "Dropout at prediction time"
    assert at.number_input(key="digit").value == 2
    assert at.radio(key="nets").options == ["The class's pair: dropout 0.5 and none (20,000 images, 5 epochs)"]
    assert "thinned net" in text(at) and "Press **Compute**" in at.info[0].value
    assert not at.get("vega_lite_chart") and not apptest.mounted(at)
    assert "def sample_probs" in at.code[-1].value  # "Show the code"


def test_bad_link_values_are_clamped_or_dropped_with_a_note():
    at = open_page(digit="12345")
    assert not at.exception and not at.error
    assert at.number_input(key="digit").value == 9999 and "digit" in at.warning[0].value
    at = open_page(digit="<b>one</b>")
    assert at.number_input(key="digit").value == 2 and "not a number" in at.warning[0].value
    assert "<b>" not in at.warning[0].value


@pytest.mark.slow
def test_a_finished_mnist_run_and_its_twin_answer_for_a_chosen_digit():
    at = apptest.open_page("app_pages/mnist.py", **TINY_RUN)
    at.button(key="train").click().run()
    apptest.run_until(at, lambda a: any("Finished" in s.value for s in a.success))
    at.switch_page("app_pages/predict.py").run()
    assert at.radio(key="nets").options[1].startswith("My latest MNIST run (drop 0.5/0.5, lr 0.01, batch 64, 1,000")
    at.radio(key="nets").set_value("mine")
    at.number_input(key="digit").set_value(5)
    at.button(key="compute").click().run()
    assert not at.exception
    (live,) = apptest.mounted(at)  # progress while the pair trains and samples, drawn by the browser
    assert [r["label"] for r in live["runs"]] == ["The net with dropout 0.5", "The net with no dropout"]
    assert all(r["status"] and r["live"] for r in live["runs"]) and not live["charts"]
    apptest.run_until(at, lambda a: len(a.header) == 4 and not apptest.mounted(a), timeout=180)
    assert not at.exception and not at.error and not at.warning
    assert [h.value for h in at.header] == ["1. Averaging thinned nets against the full net",
                                            "2. Uncertainty: the thinned nets' votes", "3. Inside the net",
                                            "4. Your own digit"]
    assert apptest.mounted(at, "dropout_pad") and "Draw a digit first" in at.info[-1].value
    words = text(at)
    assert "One thinned net per image scores" in words and "Its twin with no dropout scores" in words
    assert "With no dropout: all 100 passes are the full net" in words
    assert "Hidden layer 1: " in words and "of activations are zero with dropout 0.5" in words
    state = at.session_state["predict_request"]
    assert state["digit"] == 5 and len(state["base"]) == 2 and len(state["digit_jobs"]) == 2
    captions = [c for img in at.image for c in img.captions]
    assert "test image 5, a 1" in captions and "90°" in captions and sum(c.startswith("#") for c in captions) == 8
    # the least sure images' table, and under each of the six charts its numbers
    assert len(at.get("vega_lite_chart")) == 6 and len(at.dataframe) == 1 + 6
    assert apptest.largest_element_bytes(at) < limit_bytes() / 4  # the app's heaviest page, in messages
    change = [img.value for img in at.image][-2:]  # the two rows of first-layer units
    at.toggle(key="raw_weights").set_value(True).run()
    assert not at.exception and [img.value for img in at.image][-2:] != change


def test_stop_halts_the_class_pair():
    at = open_page(digit=3)
    at.button(key="compute").click().run()
    assert apptest.mounted(at) and at.button(key="stop")
    at.button(key="stop").click().run()
    apptest.run_until(at, lambda a: len(a.warning) == 2, timeout=30)
    assert all("stopped — Stopped on request. Press Compute to try again." in w.value for w in at.warning)
    assert not at.header and not apptest.mounted(at)
