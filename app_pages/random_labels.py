"""Lesson 3: the net memorises labels that carry no signal, and dropout slows the memorising."""
import inspect

import streamlit as st

from core.config import INPUT_KINDS, INPUT_LABELS, PARAMS, from_values
from core.lessons import memorize, questions
from core.nn.data import noisy_labels
from core.status import Status
from core.views import describe, status
from core.views.charts import browser_spec, sweep_chart
from app_pages import described, links, live, page, services

DEFAULTS = {"label_noise": 1.0, "drop_prob": 0.5, "train_size": 1000, "epochs": 300, "seed": 1, "inputs": "pixels"}
INTRO = """
Give 1,000 MNIST images **random** labels and there is nothing left to learn: a label says nothing about its
picture. Yet the lesson's net has about 235,000 parameters, plenty to store 1,000 arbitrary answers. **Training
accuracy** measures how much of its training set a net reproduces; **test accuracy**, on images it has never
seen, what it actually learned. **Train** runs four nets: true against random labels, without and with dropout.
"""
CONTRAST_TEXT = """
**Memorising is not learning.** With true labels the net fits its 1,000 images in about a hundred epochs and
scores about 84% on new images. With random labels, training accuracy idles near 10% for a hundred epochs,
then passes 99% around epoch 270, while test accuracy stays at 10%, the score of guessing: the net stored a
lookup table, not digits. Zhang et al. (2017) found the same at full size (an MLP on CIFAR-10: 100% train /
50.5% test with true labels, 99.3% / 10.6% with random ones): if a net can fit any labelling, being able to fit
the training set cannot be what makes it generalise.

**Dropout slows memorising.** With each hidden unit off half the time, an answer stored in a few particular
units is often missing, while a pattern shared by many images is carried by many units. So at p = 0.5 the
true-label run still fits (and tests a little better) but the random-label run falls behind (with the defaults,
94% train accuracy at epoch 300 against 99.8%). Arpit et al. (2017): nets learn real patterns before noise, and
of the regularisers they tried, dropout held back memorising most while keeping accuracy on real data.
"""
SWEEP_TEXT = """
**The corruption sweep** replaces 0%, 20%, ..., 100% of the labels (on real images) and asks each run how many
epochs it needs to fit 99% of its training set and what it then scores on test images. As Zhang et al. found,
fitting takes longer as the noise rises (with the defaults, from about 100 epochs to about 270) but happens,
while test accuracy falls towards chance: clean labels are learned, noisy ones memorised. Dropout delays every
fit and keeps test accuracy a few points higher where signal is left. A replaced label is a random digit, so a
tenth of them are right by accident. Identical runs are shared by the whole class.
"""


def inputs_ui():
    """What the nets see. Linked by hand as ?inputs=<kind>: a bound selectbox would put its label in the link."""
    kind = links.hidden_value("inputs", DEFAULTS["inputs"])
    if "inputs" not in links.hidden():
        kind = st.selectbox("Inputs", INPUT_KINDS, INPUT_KINDS.index(kind), INPUT_LABELS.get, key="inputs",
                            help=PARAMS["inputs"].help)
        if kind != DEFAULTS["inputs"]:
            st.query_params["inputs"] = kind
        elif "inputs" in st.query_params:
            del st.query_params["inputs"]
    return kind


def controls_ui():
    """The settings form; returns (checked values, 'train', 'sweep' or None)."""
    with st.form("random_labels"):
        left, mid, right = st.columns(3)
        with left:
            noise = links.param_widget(st.slider, "label_noise", "Labels replaced by random ones", default=1.0, step=0.1)
            inputs = inputs_ui()
        with mid:
            drop_prob = links.param_widget(st.slider, "drop_prob", "Drop probability of the dropout runs", default=0.5)
            seed = links.param_widget(st.number_input, "seed", "Seed")
        with right:
            train_size = links.param_widget(st.number_input, "train_size", "Training images", default=1000)
            epochs = links.param_widget(st.number_input, "epochs", "Epochs", default=300)
        if asking():
            question_ui()
        train = st.form_submit_button("Train", key="train", type="primary", icon=":material/play_arrow:")
        sweep = st.form_submit_button("Run the corruption sweep", key="sweep", icon=":material/tune:")
    values, notes = from_values(dict(label_noise=noise, drop_prob=drop_prob, train_size=train_size, epochs=epochs,
                                     seed=seed, inputs=inputs), DEFAULTS, price=memorize.price)
    for note in notes:  # a run's cost capped (core.cost)
        st.warning(note, icon=":material/timer:")
    return values, "train" if train else "sweep" if sweep else None


def asking():
    """Whether the page asks before Train (a teacher turns it off with ask=0 in the link)."""
    return links.hidden_value("ask", 1) == 1


def question_ui():
    """Predict first (optional): where the run on the chosen labels, without dropout, will end."""
    st.markdown("**Before you train** (optional): the run on the labels you chose, without dropout, trains for the "
                "epochs you set. Where will it end?")
    left, right = st.columns(2)
    left.radio("Its training accuracy", questions.LEVELS, index=None, key="rl_guess_train")
    right.radio("Its test accuracy", questions.LEVELS, index=None, key="rl_guess_test")


def answer_ui(runs):
    """After the contrast: the student's answer beside what the run on the chosen labels, without dropout, did."""
    answer = st.session_state.get("rl_answer")
    name, job = next(((n, j) for n, j in runs if answer and j.id == answer["run"]), (None, None))
    if job is None or job.status != Status.FINISHED:
        return
    final = job.of_kind("epoch")[-1]
    sentence, right = questions.memorising_verdict(answer["train"], answer["test"], name, final["train_acc"],
                                                   final["test_acc"])
    (st.success if right == 2 else st.info)(sentence, icon=":material/psychology:")


def start(runner, key, configs):
    """Submit configs under `key`, stopping this session's previous runs there that nothing here still shows."""
    ids = [job.id for job in runner.submit_all(configs, viewer=services.viewer_id())]  # one request (fair share)
    other = "rl_sweep" if key == "rl_contrast" else "rl_contrast"
    shown = set(ids) | set(st.session_state.get(other, []))
    for old in set(st.session_state.get(key, [])) - shown:
        runner.stop(old, viewer=services.viewer_id())
    st.session_state[key] = ids


def jobs_of(key):
    jobs = services.jobs(st.session_state.get(key, []))
    return None if None in jobs else jobs


def contrast_ui(jobs):
    """The four runs' accuracy, drawn live in the browser; their final numbers in words once all have ended."""
    runs = [(memorize.run_name(j.config), j) for j in jobs]
    done = all(j.finished for j in jobs)
    spec = browser_spec("accuracy", jobs[0].config.epochs, memorize.CHANCE, "accuracy", [name for name, _ in runs])
    live.runs_ui([(name, job, not done) for name, job in runs], charts=[("accuracy", spec)])
    cfg = jobs[0].config
    st.caption(f"Accuracy is checked {'every epoch' if cfg.eval_every == 1 else f'every {cfg.eval_every} epochs'} "
               f"on the {min(cfg.train_size, cfg.eval_size):,} training images and a fixed set of "
               f"{cfg.eval_size:,} test images, without dropout.")
    if done:
        st.markdown("\n".join("- " + status.final_line(name, job) for name, job in runs))
        answer_ui(runs)


def sweep_ui(jobs):
    """The sweep's progress (live, redrawn at each run's end) and the chart and table of its finished runs."""
    if services.any_running(jobs):
        live.runs_ui([(memorize.run_name(j.config), j, False) for j in jobs], each=True, summary="Sweep")
    df = memorize.sweep_frame([memorize.summary(j.config, j.events) for j in jobs if j.status == Status.FINISHED])
    if len(df):
        sentence = " ".join([
            describe.series_sentence("Epochs to 99% train accuracy against the fraction of labels replaced", df,
                                     "label_noise", "epochs_to_fit", "dropout", x_fmt=".0%", y_fmt=".0f"),
            describe.series_sentence("Final test accuracy", df, "label_noise", "test_acc", "dropout", x_fmt=".0%",
                                     y_fmt=".1%")])
        described.altair_ui(st, sweep_chart(df), sentence, key="sweep_chart")  # its table follows
        st.dataframe(memorize.sweep_table(df), hide_index=True, height="content")


def section_ui(key, draw):
    """Draw this session's jobs under `key`, or say that the server forgot them."""
    jobs = jobs_of(key)
    if jobs is None:
        st.info("These runs are no longer kept on the server; press the button again.")
    else:
        draw(jobs)


def work_ui():
    """The form, Stop and both sections: Train, Sweep, Stop and a run's end rerun this fragment only."""
    values, pressed = controls_ui()
    runner = services.get_runner()
    if pressed == "train":
        start(runner, "rl_contrast", memorize.contrast_configs(values).values())
        guesses = st.session_state.get("rl_guess_train"), st.session_state.get("rl_guess_test")
        chosen = runner.submit(memorize.base_config(values), viewer=services.viewer_id()).id  # the same job again
        st.session_state["rl_answer"] = ({"train": guesses[0], "test": guesses[1], "run": chosen}
                                         if asking() and all(guesses) else None)
    elif pressed == "sweep":
        configs, st.session_state["rl_sweep_note"] = memorize.sweep_configs(values)
        start(runner, "rl_sweep", configs)
    mine = st.session_state.get("rl_contrast", []) + st.session_state.get("rl_sweep", [])
    if any(j and not j.finished for j in map(runner.get, mine)) and st.button("Stop", key="stop"):
        for job_id in mine:
            runner.stop(job_id, viewer=services.viewer_id())
    if st.session_state.get("rl_contrast"):
        section_ui("rl_contrast", contrast_ui)
        st.markdown(CONTRAST_TEXT)
    if st.session_state.get("rl_sweep"):
        st.subheader("Corruption sweep")
        if note := st.session_state.get("rl_sweep_note"):
            st.info(note, icon=":material/timer:")
        section_ui("rl_sweep", sweep_ui)
    links.share_link_ui(values, DEFAULTS)


def main():
    links.show_link_notes(links.fix_link("random-labels", list(DEFAULTS) + ["ask"]))
    st.title("Memorising random labels")
    st.markdown(INTRO)
    if not services.training_ready():
        return
    page.fragment(work_ui)
    st.markdown(SWEEP_TEXT)
    with st.expander("Show the code", icon=":material/code:"):
        st.code(inspect.getsource(noisy_labels) + "\n\n" + inspect.getsource(memorize.epochs_to_fit))


page.guarded(main)
