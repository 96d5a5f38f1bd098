"""Lesson 2: the lesson's MLP trained on MNIST, its moving loss live, runs compared side by side."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from core.config import TrainConfig, from_values
from core.lessons import questions
from core.status import Status
from core.views import charts
from app_pages import class_seat, links, live, page, pictures, services

NAMES = ["epochs", "batch_size", "lr", "drop_prob1", "drop_prob2", "seed", "train_size"]
KEPT = 10  # runs the page keeps (table, charts), the newest: a tab that presses Train 50 times draws 10, not 50
DEFAULTS = {name: getattr(TrainConfig(), name) for name in NAMES}


def controls_ui(can_train=True):
    """The hyperparameter form; returns (values, pressed Train). can_train=False: Train waits (for a guess)."""
    with st.form("setup", border=True):
        left, right = st.columns(2)
        with left:
            values = {"epochs": links.param_widget(st.number_input, "epochs", "Epochs"),
                      "batch_size": links.param_widget(st.number_input, "batch_size", "Batch size"),
                      "lr": links.param_widget(st.number_input, "lr", "Learning rate", format="%.5f"),
                      "seed": links.param_widget(st.number_input, "seed", "Seed")}
        with right:
            values |= {"drop_prob1": links.param_widget(st.slider, "drop_prob1", "Drop probability, hidden layer 1"),
                       "drop_prob2": links.param_widget(st.slider, "drop_prob2", "Drop probability, hidden layer 2"),
                       "train_size": links.param_widget(st.number_input, "train_size", "Training images")}
        pressed = st.form_submit_button("Train", key="train", type="primary", icon=":material/play_arrow:",
                                        disabled=not can_train)
        if not can_train:
            st.caption("Save your guess above first: Train is offered once you have predicted.")
    return values, pressed


def submit(cfg):
    """Start (or join) the run for cfg and make it this session's current run.

    A student keeps at most two runs going (the runner's fair share): a third releases the oldest, said once.
    """
    runner = services.get_runner()
    job = runner.submit(cfg, viewer=services.viewer_id())
    runs = st.session_state.setdefault("mnist_runs", [])
    numbers = st.session_state.setdefault("mnist_numbers", {})  # run id -> its number in this session (#1, #2, ...)
    if job.id in runs:  # a setup trained before (e.g. the twin of a twin): the run is the newest again
        runs.remove(job.id)
    else:
        numbers[job.id] = st.session_state["mnist_count"] = st.session_state.get("mnist_count", 0) + 1
    runs.append(job.id)
    for old in runs[:-1]:  # beyond KEPT, the oldest runs leave the page, but not one still going for this student
        if len(runs) <= KEPT:
            break
        gone = runner.get(old)
        if gone is None or gone.finished or services.viewer_id() not in gone.owners:
            runs.remove(old)
            numbers.pop(old, None)
    st.session_state.mnist_current = job.id
    released = [j for j in runner.released(services.viewer_id()) if j.id in runs]
    if released:
        st.session_state["_released"] = [j.id for j in released]
    return job


def released_ui(jobs):
    """One sentence on the runs a new one released (a student keeps at most two going), once."""
    ids = st.session_state.pop("_released", [])
    gone = [j for j in jobs if j.id in ids]
    if gone:
        names = ", ".join(number(j) for j in gone)
        kept = all(j.owners or j.viewers or j.pinned for j in gone)  # someone else still holds it
        st.info(f"Run {names} {'goes on for the classmates who share it, without you' if kept else 'was stopped'}: "
                "each student keeps at most two runs going, so that everyone's runs get their turn.",
                icon=":material/pan_tool:")


def session_jobs():
    return [j for j in services.jobs(st.session_state.get("mnist_runs", [])) if j is not None]


def number(job):
    """The run's number in this session ("#3"): kept when older runs leave the page."""
    return f"#{st.session_state.get('mnist_numbers', {}).get(job.id, '?')}"


def label(job):
    return f"{number(job)} {job.config.label()}"


def status_ui(job):
    """How the current run ended (while it runs, the live chart shows its progress). One slot whatever it says, so
    the live chart below keeps its place when a queued run starts (a chart that moves is mounted anew)."""
    slot = st.empty()
    if job.status == Status.FINISHED:
        final = job.of_kind("epoch")[-1]
        slot.success(f"Finished in {job.elapsed:.1f} s: train accuracy {final['train_acc']:.2%}, "
                     f"test accuracy {final['test_acc']:.2%}.", icon=":material/check_circle:")
    elif job.finished:
        hint = " Lower the learning rate and train again." if job.status == Status.DIVERGED else ""
        slot.warning(f"{job.message}{hint}", icon=":material/warning:")
    elif job.status == Status.QUEUED:
        slot.caption("Identical setups share one run, so the defaults cost the class a single run.")


def charts_ui(current, jobs):
    """The moving loss and accuracy of this session's runs, drawn and kept up to date in the browser."""
    max_epoch = max(j.config.epochs for j in jobs)
    live.runs_ui([(label(j), j, j is current and not j.finished) for j in jobs], each=True, charts=[
        ("loss", charts.browser_spec("loss", max_epoch, "Moving loss|while training, with dropout")),
        ("accuracy", charts.browser_spec("accuracy", max_epoch, None, "accuracy", None,
                                         "Accuracy after each epoch|no dropout: solid train, dashed test"))])


def meanwhile_ui(seat, current):
    """While a class run waits: a classmate's run of the same setting live, or the class's results if shown."""
    mine, ours = current.config, class_seat.get_recorder().job_ids(seat["code"])  # this class's runs only
    peer = next((j for j in services.get_runner().running() if j.id in ours and isinstance(j.config, TrainConfig)
                 and replace(j.config, seed=mine.seed) == mine), None) if class_seat.results_shown(seat) else None
    if peer is not None:
        st.caption("While yours waits: a classmate's run of the same setting is training now (with its own seed).")
        live.runs_ui([("a classmate's run", peer, True)], key=f"peer-{peer.token}", charts=[
            ("loss", charts.browser_spec("loss", mine.epochs, "A classmate's run of your setting|moving loss"))])
        return
    class_seat.results_so_far_ui(seat)


def runs_table_ui(jobs):
    rows = []
    for j in jobs:
        last = (j.of_kind("epoch") or [{}])[-1]
        rows.append({"run": number(j), **{k: getattr(j.config, k) for k in NAMES},
                     "status": j.status, "train acc": last.get("train_acc"), "test acc": last.get("test_acc"),
                     "gap": (last["train_acc"] - last["test_acc"]) if last else None, "seconds": round(j.elapsed, 1)})
    # An Arrow table, not a DataFrame: this is drawn by every full rerun (a class's Train burst) and pandas'
    # conversion made it the dearest element of the page.
    st.dataframe(pa.Table.from_pylist(rows), hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="percent")
                                for c in ("train acc", "test acc", "gap")})
    if st.session_state.get("mnist_count", 0) > KEPT:
        st.caption(f"The page keeps your latest {KEPT} runs; older ones have left it.")


def actions_ui(current, seat=None):
    """Stop, the no-dropout (or dropout) twin, and the CSV export of the current run."""
    cols = st.columns(3)
    if cols[0].button("Stop", key="stop", icon=":material/stop:", disabled=current is None or current.finished):
        class_seat.stop_ui(seat, current)  # a class's or the server's run is not halted by a student who joined it
    if current is not None:
        twin = current.config.twin()
        name = "with dropout 0.5" if any(twin.drop_probs) else "without dropout"
        ask = asking() and current.status == Status.FINISHED
        if ask:
            st.radio(f"Before you train the twin {name} (optional): its final test accuracy, against this run's",
                     questions.TWIN, index=None, horizontal=True, key="twin_guess")
        if cols[1].button(f"Train the twin {name}", key="twin", icon=":material/compare_arrows:"):
            answer = st.session_state.get("twin_guess") if ask else None
            st.session_state["twin_answer"] = (
                {"run": current.id, "answer": answer, "name": name} if answer else None)
            st.session_state["twin_answer_for"] = submit(twin).id
            page.rerun_part()  # redraw Stop and the twin button for the new current run
        cols[2].download_button("Curves as CSV", lambda: curves_csv(current), f"mnist-run-{current.id}.csv", "text/csv",
                                key="download", icon=":material/download:", on_click="ignore")


def asking():
    """Whether the page asks before the twin (a teacher turns it off with ask=0 in the link)."""
    return links.hidden_value("ask", 1) == 1


def twin_answer_ui(current):
    """After the twin: the student's answer beside the two runs' test accuracies."""
    answer = st.session_state.get("twin_answer")
    if not answer or current is None or st.session_state.get("twin_answer_for") != current.id:
        return
    first = services.get_runner().get(answer["run"])
    if first is None or first.status != Status.FINISHED or current.status != Status.FINISHED:
        return
    sentence, right = questions.twin_verdict(answer["answer"], answer["name"], first.of_kind("epoch")[-1]["test_acc"],
                                             current.of_kind("epoch")[-1]["test_acc"])
    (st.success if right else st.info)(sentence, icon=":material/psychology:")


def curves_csv(job):
    loss = pd.DataFrame(job.of_kind("batch"))
    acc = pd.DataFrame(job.of_kind("epoch"))
    return pd.concat([loss.assign(kind="batch"), acc.assign(kind="epoch")]).to_csv(index=False)


def predictions_ui(job):
    done = (job.of_kind("done") or [{}])[-1].get("predictions")
    if not done:
        return
    st.header("What the trained net predicts")  # h2 under the page's h1 (axe: heading-order)
    wrong = sum(p != t for p, t in zip(done["predicted"], done["labels"]))
    st.caption(f"The first {len(done['labels'])} test images; {wrong} mistakes, marked with ✗.")
    captions = [f"{p} ✓" if p == t else f"{p} ✗ (true {t})" for p, t in zip(done["predicted"], done["labels"])]

    def digits():  # dark ink on white
        return [255 - np.array(img, dtype=np.uint8).reshape(28, 28) for img in done["images"]]

    pictures.show_pngs(st, services.job_key(job), digits, caption=captions, width=64)


def explain_ui():
    with st.expander("What am I looking at?", expanded=False, icon=":material/help:"):
        st.markdown("""
**Moving loss.** Each batch's mean cross-entropy is noisy, so the chart shows a running average that
keeps 99% of the previous value and adds 1% of the newest batch. It is measured *while training*,
with dropout switched on.

**Accuracy** is measured after each epoch on the whole training set and on the 10,000 test images,
with every unit kept: dropout is a training-time noise, and at prediction time the full net stands in
for the average of all the thinned nets. The gap between the solid (train) and dashed (test) lines
is overfitting.

**Learning rate.** As in the lesson, the gradient is of the loss *summed* over the batch, so 0.001
here equals 0.064 on the batch mean. Too large a rate makes the loss blow up; the run then stops.

**Try:** train the defaults, then press *Train the twin without dropout*. On full MNIST the two stay
close for 10 epochs; with 1,000-2,000 training images and 50+ epochs the net without dropout
overfits visibly more.
""")


def work_ui(seat):
    """What Train, Stop, the twin and a run's end change: a fragment, so they rerun this part only."""
    values, pressed = controls_ui(can_train=not seat or seat.get("guessed", True))
    if pressed:
        fixed, notes = from_values(values, DEFAULTS)
        for note in notes:
            st.warning(note, icon=":material/tune:")
        class_seat.record_ui(seat, submit(TrainConfig(**fixed, **class_seat.schedule(seat))))
    current = services.get_runner().get(st.session_state.get("mnist_current"), services.viewer_id())
    actions_ui(current, seat)  # Stop first: a queued run it stops has ended before the note below is drawn
    class_seat.run_note_ui(seat, current)
    jobs = session_jobs()
    released_ui(jobs)
    if not jobs:
        st.info("Press **Train** to start. The lesson's setup takes about a minute on full MNIST; "
                "try 2,000 training images and 40 epochs for a run of about ten seconds.", icon=":material/info:")
    else:
        if current is not None:
            status_ui(current)
            twin_answer_ui(current)
        charts_ui(current, jobs)
        if seat and current is not None and current.status == Status.QUEUED:
            meanwhile_ui(seat, current)
        runs_table_ui(jobs)
    if current is not None and current.status == Status.FINISHED:
        predictions_ui(current)
    links.share_link_ui(values, DEFAULTS)


def main():
    st.title("Training on MNIST")
    st.caption("The lesson's 784-256-128-10 network, dropout after each hidden layer, plain SGD.")
    links.show_link_notes(links.fix_link("mnist", NAMES + ["ask"]))
    if not services.training_ready():
        return
    seat = class_seat.banner_ui()  # the class this link joins (/mnist?class=CODE), if any
    page.fragment(lambda: work_ui(seat))
    explain_ui()


page.guarded(main)
