"""The MNIST page under AppTest: defaults, a short run, a second run compared, link values clamped."""
from tests import apptest
from tests.jobs import wait


def open_page(**query):
    return apptest.open_page("app_pages/mnist.py", **query)


def run_until(at, done, timeout=60):
    return apptest.run_until(at, done, timeout)


def test_renders_with_the_lessons_defaults():
    at = open_page()
    assert not at.exception and not at.error
    values = {w.key: w.value for w in list(at.number_input) + list(at.slider)}
    assert values == {"epochs": 10, "batch_size": 64, "lr": 0.001, "seed": 1, "train_size": 60000,
                      "drop_prob1": 0.5, "drop_prob2": 0.5}


def test_train_mounts_a_live_chart_that_polls_the_run_and_the_end_unmounts_its_polling():
    at = open_page(epochs=20, train_size=20000, lr=0.01, seed=104)
    at.button(key="train").click().run()
    assert not at.exception
    (live,) = apptest.mounted(at)
    job = ui_runner().get(at.session_state["mnist_current"])
    assert live["runs"] == [{"token": job.token, "label": f"#1 {job.config.label()}", "status": True, "live": True}]
    assert live["interval"] == 1.0 and live["each"] and live["viewer"] in job.viewers  # polls keep it watched
    assert [c["rows"] for c in live["charts"]] == ["loss", "accuracy"]
    assert all(c["spec"]["data"] == {"name": "rows"} and c["spec"]["width"] == "container" for c in live["charts"])
    assert not at.get("vega_lite_chart") and not at.get("progress")  # drawn by the browser, not by reruns
    at.button(key="stop").click().run()
    run_until(at, lambda a: any("Stopped" in w.value for w in a.warning))
    (live,) = apptest.mounted(at)
    assert live["runs"][0]["live"] is False and live["runs"][0]["status"] is False


def ui_runner():
    from app_pages import services
    return services.get_runner()


def test_a_short_run_finishes_and_a_twin_is_compared():
    at = open_page(epochs=1, train_size=1000, lr=0.01, seed=101)
    at.button(key="train").click().run()
    run_until(at, lambda a: any("Finished" in s.value for s in a.success))
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 1 and 0 <= table["test acc"][0] <= 1
    at.button(key="twin").click().run()
    # Both ended, as the table says and as the chart was mounted (the chart is drawn first: a run may end between)
    run_until(at, lambda a: len(a.dataframe[0].value) == 2 and all(a.dataframe[0].value["status"] == "finished")
              and not any(r["live"] for m in apptest.mounted(a) for r in m["runs"]))
    table = at.dataframe[0].value
    assert list(table["drop_prob1"]) == [0.5, 0.0]
    (live,) = apptest.mounted(at)  # one chart component compares both runs
    assert [r["label"][:2] for r in live["runs"]] == ["#1", "#2"]


def test_a_third_train_stops_the_oldest_run_and_says_so_once():
    at = open_page(epochs=30, train_size=20000, lr=0.01, seed=106)
    for seed in (106, 107, 108):  # three distinct runs, pressed while the first still trains
        at.number_input(key="seed").set_value(seed)
        at.button(key="train").click().run()
    assert not at.exception
    first = ui_runner().get(at.session_state["mnist_runs"][0])
    (said,) = [i.value for i in at.info if "at most two runs" in i.value]
    assert said.startswith("Run #1 was stopped")
    assert wait(first, 30).status == "stopped"
    at.button(key="stop").click().run()  # the current run (#3)
    assert not any("at most two runs" in i.value for i in at.info)  # said once
    ui_runner().stop(at.session_state["mnist_runs"][1], at.session_state["_viewer"])


def test_a_tab_that_presses_train_twelve_times_keeps_its_latest_ten_runs_numbered_on():
    from app_pages.mnist import KEPT
    at = open_page(epochs=30, train_size=20000, lr=0.01)
    for seed in range(201, 213):  # twelve distinct runs, each press releasing the oldest that still trains
        at.number_input(key="seed").set_value(seed)
        at.button(key="train").click().run()
    assert not at.exception and KEPT == 10
    assert len(at.session_state["mnist_runs"]) == KEPT
    assert list(at.dataframe[0].value["run"]) == [f"#{k}" for k in range(3, 13)]  # numbers do not shift
    assert list(at.dataframe[0].value["seed"]) == list(range(203, 213))
    (live,) = apptest.mounted(at)
    assert [r["label"].split(" ")[0] for r in live["runs"]] == [f"#{k}" for k in range(3, 13)]
    assert any("latest 10 runs" in c.value for c in at.caption)
    at.number_input(key="seed").set_value(211)  # #11 still goes on (a student keeps two): it becomes the newest
    at.button(key="train").click().run()
    assert list(at.dataframe[0].value["run"]) == [f"#{k}" for k in range(3, 11)] + ["#12", "#11"]
    for job_id in at.session_state["mnist_runs"]:
        ui_runner().stop(job_id, at.session_state["_viewer"])


def test_bad_link_values_are_clamped_or_dropped_with_a_note():
    at = open_page(epochs="1e99", lr="nan", drop_prob1="7", seed="<script>", batch_size="-5")
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    for name in ("epochs", "lr", "drop_prob1", "seed", "batch_size"):
        assert name in notes
    assert "<script>" not in notes
    values = {w.key: w.value for w in list(at.number_input) + list(at.slider)}
    assert values["epochs"] == 500 and values["drop_prob1"] == 1.0 and values["lr"] == 0.001
    assert values["seed"] == 1 and values["batch_size"] == 1


def test_before_the_twin_the_page_asks_and_after_it_compares():
    at = open_page(epochs=2, train_size=2000, lr=0.01, seed=105)
    at.button(key="train").click().run()
    run_until(at, lambda a: any("Finished" in s.value for s in a.success))
    at.radio(key="twin_guess").set_value("lower")
    at.button(key="twin").click().run()
    run_until(at, lambda a: any(x.value.startswith("You expected the twin") for x in list(a.success) + list(a.info)))
    said = next(x.value for x in list(at.success) + list(at.info) if x.value.startswith("You expected the twin"))
    assert "without dropout to score lower; it scored" in said and "points)" in said
    assert not open_page(ask=0).radio


def test_a_diverging_learning_rate_ends_with_one_warning_that_says_what_to_do():
    at = open_page(epochs=5, train_size=1000, lr=1.0, seed=70)
    at.button(key="train").click().run()
    run_until(at, lambda a: a.warning)
    assert not at.exception and not at.error
    (warning,) = at.warning
    assert "learning rate" in warning.value and warning.value.endswith("Lower the learning rate and train again.")
    job = ui_runner().get(at.session_state["mnist_current"])
    assert job.status == "diverged" and warning.value.startswith(job.message)
    assert not at.success  # no "Finished" for a run that blew up
