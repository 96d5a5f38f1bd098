"""Lesson 4: dropout at prediction time: averaging thinned nets, their doubt, and what dropout changed inside."""
import importlib
from dataclasses import replace

import numpy as np
import streamlit as st

from core.config import UNITS_SHOWN, PredictConfig, twin_pair
from core.runner.jobs import SERVER
from core.lessons import drawing
from core.status import Status
from core.views import describe, predict_charts as pc, status
from core.views.source import source
from app_pages import described, links, live, page, pictures, services

BASE = PredictConfig()  # what the class shares for each net: the default request
DEFAULTS = {"digit": BASE.digit}
INTRO = """
While a net trains with dropout, every batch goes through a different **thinned net**: each hidden unit is
switched off at random. With n hidden units there are 2ⁿ of them. At prediction time the lesson keeps every unit
and lets this one **full net** stand in for the average of them all. This page checks that claim, reads the
disagreement between thinned nets as a measure of doubt, and looks at what dropout changed inside the net.
**Compute** trains two nets shared by the whole class (the lesson's net with dropout 0.5 and its twin without,
on 20,000 images for 5 epochs) or reuses them if someone already did, then samples thinned nets from them.
"""
WHY_AVERAGE = """
- **Inverted dropout** multiplies every surviving unit by 1/(1 − p) during training, so each unit's expected
  contribution equals its full value. The full net therefore needs no rescaling at prediction time (the 2014 paper
  kept units unscaled in training and multiplied the weights by 1 − p afterwards: the same net).
- **A linear layer averages exactly**: over all masks m, the mean of W(m ⊙ x)/(1 − p) is Wx. So when dropout acts
  only on the inputs of the output layer, the full net's scores are the mean of the thinned nets' scores.
- **Under the softmax** that mean of scores is a *normalised geometric mean* of the thinned nets' predicted
  distributions (multiply the probabilities, weighted by each mask's chance, then rescale to sum to 1). The chart
  averages the probabilities themselves (an arithmetic mean), which is close but not identical.
- **Deeper in**, a ReLU sits between the two dropout layers, and the average of relu(z) is not the relu of the
  average of z, so the full net only approximates the average. The chart measures how well.
"""
WHAT_SPREAD_MEANS = """
Gal and Ghahramani (2016) read a net trained with dropout as an approximate Bayesian model: keep dropout on at
prediction time, pass the image through T thinned nets (*Monte Carlo dropout*), and the spread of their answers
estimates the model's uncertainty. The **predictive entropy** of the averaged distribution is 0 when all
probability sits on one class and ln 10 ≈ 2.30 nats when it is spread evenly over the ten. Its limits:
- Entropy mixes two doubts: a digit that is genuinely ambiguous, and thinned nets that disagree. Only the second
  (the entropy of the average minus the average entropy of the single thinned nets) is the model's own doubt.
- The spread depends on the drop probability, chosen for training and never tuned to make the doubt honest, and
  on T: a few samples give a noisy estimate.
- It is an approximation. Thinned nets can agree and still be wrong, above all far from the training images.
- It costs T forward passes per image; the full net costs one. A net trained without dropout (the twin) has
  nothing to sample: it gives the same answer every time.
"""
INSIDE = """
Srivastava et al. (2014) saw dropout change what a net learns: a unit cannot count on particular partners, which
may be missing, so it must be useful on its own; their features came out cleaner and fewer units fired at once.
The images show what training wrote into 16 first-layer units (weights minus the random start; white positive,
black negative). Both nets started from the same random weights, so each unit sits above its twin. After five
epochs the two rows differ only subtly (the paper trained far longer); the activations show the clearer change.
The histograms count every hidden activation of the full net on the scored test images, exact zeros apart.
"""


def controls_ui():
    """The request form; returns (TrainConfig of the net to ask, checked digit, pressed)."""
    done = [j for j in services.jobs(st.session_state.get("mnist_runs", [])) if j is not None and j.status == Status.FINISHED]
    names = {"class": "The class's pair: dropout 0.5 and none (20,000 images, 5 epochs)"}
    if done:  # this session's latest finished run on the MNIST page
        names["mine"] = f"My latest MNIST run ({done[-1].config.label()}) and its twin"
    with st.form("predict"):
        left, right = st.columns(2)
        source = left.radio("Nets", list(names), format_func=names.get, key="nets")
        digit = links.param_widget(right.number_input, "digit", "Test image to inspect (0 to 9,999)")
        pressed = st.form_submit_button("Compute", key="compute", type="primary", icon=":material/play_arrow:")
    return (done[-1].config if source == "mine" else BASE.train), digit, pressed  # digit: in range (the widget)


def start(train_cfg, digit):
    """Ask for the default request on both nets; the chosen digit follows once they are done.

    The class's pair is pinned: it runs to the end for everyone even if the student who started it leaves.
    """
    shared = train_cfg == BASE.train  # the class's pair: the server's own runs in the queue's turns
    base = services.get_runner().submit_all([replace(BASE, train=cfg) for cfg in twin_pair(train_cfg)],
                                            viewer=services.viewer_id(), owner=SERVER if shared else None, pin=shared)
    st.session_state.predict_request = {"base": [j.id for j in base], "digit": digit, "digit_jobs": None}


def current_jobs():
    """This session's two jobs (net, twin): the shared requests, then the chosen digit's once the nets are kept."""
    state = st.session_state.get("predict_request")
    base = services.jobs(state["base"]) if state else []
    if None in base:  # forgotten by the runner (it keeps the latest jobs only): Compute asks again
        return []
    if not state or state["digit"] == BASE.digit or any(j.status != Status.FINISHED for j in base):
        return base
    mine = services.jobs(state["digit_jobs"] or [])
    if not mine or None in mine:  # the nets are kept now: another digit costs a fraction of a second
        mine = services.get_runner().submit_all([replace(j.config, digit=state["digit"]) for j in base],
                                                viewer=services.viewer_id())
        state["digit_jobs"] = [j.id for j in mine]
    return mine


def results_ui(jobs):
    """Progress while computing, then the three sections."""
    if not jobs:
        return st.info("Press **Compute** to train (or reuse) the two nets and sample thinned nets from them.",
                       icon=":material/info:")
    names = [pc.net_name(j.config.train) for j in jobs]
    if services.any_running(jobs):  # progress drawn in the browser; the results follow at the runs' end
        live.runs_ui([(f"The net with {name}", job, True) for name, job in zip(names, jobs)])
    for name, job in zip(names, jobs):
        if job.finished and job.status != Status.FINISHED:
            st.warning(status.named(f"The net with {name}", job) + " Press Compute to try again.",
                       icon=":material/warning:")
    if all(j.status == Status.FINISHED for j in jobs):
        named = list(zip(names, [j.events for j in jobs]))
        averaging_ui(named)
        uncertainty_ui(named, jobs[0])
        inside_ui(named, jobs)
        drawing_ui(names, jobs)


def averaging_ui(named):
    st.header("1. Averaging thinned nets against the full net")
    (name, events), (twin, twin_events) = named
    draws, full = pc.averaging_frame(events), pc.full_frame(named)
    sentence = pc.averaging_sentence(events, twin, twin_events)
    table = draws.groupby("samples", as_index=False).accuracy.agg(["mean", "min", "max"])
    described.altair_ui(st, pc.averaging_chart(draws, full), sentence, table, width="stretch")
    st.markdown(sentence)
    with st.expander("Why can one net stand in for the average?", icon=":material/help:"):
        st.markdown(WHY_AVERAGE)


def image_ui(names, per_net, job):
    """One image through both nets: the picture, the sampled distributions, the numbers."""
    left, right = st.columns([1, 4])
    pictures.show_pngs(left, services.job_key(job, "digit"), lambda: [pc.picture(per_net[0])],
                 caption=[f"test image {per_net[0]['index']}, a {per_net[0]['label']}"], width=112)
    samples, summary = pc.class_frames(list(zip(names, per_net)))
    described.altair_ui(right, pc.distribution_chart(samples, summary, names),
                        " ".join(pc.image_sentence(n, e) for n, e in zip(names, per_net)), summary, width="stretch")
    right.caption("Bars: the average of the T thinned nets; thin lines: each thinned net; diamonds: the full net.")
    st.markdown("\n".join(f"- {pc.image_sentence(n, e)}" for n, e in zip(names, per_net)))


def uncertainty_ui(named, job):
    """The thinned nets' votes; `job`: the first net's, whose pictures are shown (encoded once per job)."""
    st.header("2. Uncertainty: the thinned nets' votes")
    names = [name for name, _ in named]
    images = [pc.of_kind(events, "image") for _, events in named]
    turned = [[e for e in ims if e["role"] == "rotated"] for ims in images]
    digit, rotated, unsure = st.tabs(["The chosen digit", "The digit turned", "The least sure test images"])
    with digit:
        image_ui(names, [next(e for e in ims if e["role"] == "digit") for ims in images], job)
    with rotated:
        pictures.show_pngs(st, services.job_key(job, "turned"), lambda: [pc.picture(e) for e in turned[0]],
                     caption=[f"{e['angle']}°" for e in turned[0]], width=56)
        samples, means = pc.rotation_frames(turned[0], pc.rotation_classes(turned[0]))
        sentence = describe.series_sentence(f"With {names[0]}, the average softmax output of each class as the "
                                            "digit turns", means, "angle", "probability", "class", y_fmt=".2f")
        described.altair_ui(st, pc.rotation_chart(samples, means), sentence, means, width="stretch")
        st.caption(f"With {names[0]}: a dot per thinned net, a line through their average.")
        entropy = pc.entropy_frame(list(zip(names, turned)))
        sentence = describe.series_sentence("Predictive entropy in nats as the digit turns",
                                            entropy.assign(line=entropy.net + ", " + entropy.way), "angle", "entropy",
                                            "line", y_fmt=".2f")
        described.altair_ui(st, pc.entropy_chart(entropy, names), sentence, entropy, width="stretch")
    with unsure:
        least = [e for e in images[0] if e["role"] == "ambiguous"]
        pictures.show_pngs(st, services.job_key(job, "least"), lambda: [pc.picture(e) for e in least],
                     caption=[f"#{e['index']}" for e in least], width=64)
        st.dataframe(pc.least_sure_frame(named[0][1], *named[1]), hide_index=True)
        st.markdown(f"- {pc.outcome_sentence(*named[0])}\n- {pc.outcome_sentence(*named[1], key='full')}")
    with st.expander("What the spread does and does not tell", icon=":material/help:"):
        st.markdown(WHAT_SPREAD_MEANS)


def inside_ui(named, jobs):
    st.header("3. Inside the net")
    st.markdown(INSIDE)
    raw = st.toggle("Show the weights themselves (random start included)", key="raw_weights",
                    help="The speckle is the random start: pixels near the border are blank in every MNIST image, "
                    "so their weights never receive a gradient.")
    for (name, events), job in zip(named, jobs):
        st.caption(f"First-layer units 0..{UNITS_SHOWN - 1}, {name}")
        pictures.show_pngs(st, services.job_key(job, "weights", raw), lambda: pc.weight_pictures(events, raw), width=56,
                           alt="a first-layer unit's weights as a 28 x 28 picture")
    activations, nets = pc.activation_frame(named), [name for name, _ in named]
    for col, (layer, rows) in zip(st.columns(2), activations.groupby("layer", sort=True)):
        sentence = describe.series_sentence(f"{layer.capitalize()}: share of all activations per activation value",
                                            rows, "activation", "fraction", "net", x_fmt=".1f", y_fmt=".1%")
        described.altair_ui(col, pc.activation_chart(rows, nets, layer.capitalize()), sentence, rows, width="stretch")
    st.markdown(pc.activation_sentence(named))


def work_ui():
    """The request form, Stop and the results: Compute, Stop and the runs' end rerun this fragment only."""
    train_cfg, digit, pressed = controls_ui()
    if pressed:
        start(train_cfg, digit)
    jobs = current_jobs()
    if services.any_running(jobs) and st.button("Stop", key="stop", icon=":material/stop:"):
        for job in jobs:
            services.get_runner().stop(job.id, services.viewer_id())
    results_ui(current_jobs())
    links.share_link_ui({"digit": digit}, DEFAULTS)


OWN_DIGIT = """
Draw a digit (with the mouse, a finger or a pen) and both nets read it: the full net once, and 100 thinned nets
each with its own dropout mask. With a keyboard: Tab to the pad, move the pen with the arrow keys, press Space to
put it down and again to lift it, Enter to send, Delete to clear. Your drawing is turned into MNIST's format the way the dataset was made (its
outline scaled to fit 20 x 20 pixels, centred by its centre of mass in 28 x 28). Try a sloppy 7, a 1 with a flag,
or a scribble that is no digit at all, and compare with the test image chosen above.
"""


@st.cache_data(max_entries=256, show_spinner=False)
def drawing_answers(nets, pixels, digit):
    """The kept nets' answers for a drawing, on the runner's MXNet thread; shared by every session."""
    return services.get_runner().call(_drawing_answers, nets, pixels, digit, timeout=60)


def _drawing_answers(*args):
    # On the runner's MXNet thread, so core.lessons.prediction (and MXNet with it) is imported there only.
    return importlib.import_module("core.lessons.prediction").drawing_answers(*args)


def drawing_ui(names, jobs):
    """4. Your own digit: a pad, the 28 x 28 the nets see, and what the full and thinned nets say."""
    st.header("4. Your own digit")
    st.markdown(OWN_DIGIT)
    pad, seen, said = st.columns([2, 1, 4])
    with pad:
        result = live.pad_ui(key="pad")
    if result.cleared:
        st.session_state.pop("drawn", None)
    if result.drawing:
        try:
            digit = drawing.to_mnist(drawing.decode(result.drawing))
            st.session_state["drawn"] = None if digit is None else tuple(drawing.as_pixels(digit).tolist())
        except drawing.DrawingError as err:
            st.session_state["drawn"] = None
            said.warning(str(err), icon=":material/draw:")
            return
    pixels = st.session_state.get("drawn")
    if pixels is None:
        said.info("Draw a digit first: the nets read it once you lift the pen.", icon=":material/draw:")
        return
    seen.image(np.array(pixels, dtype=np.uint8).reshape(28, 28), caption="what the nets see (28 x 28)", width=112,
               alt="your drawing as the nets see it, 28 x 28 pixels",
               clamp=True, output_format="PNG")
    digit = jobs[0].config.digit
    answers = drawing_answers(tuple(j.config.train for j in jobs), pixels, digit)
    if None in answers:
        said.warning("The nets are not kept on this server any more: press Compute to train them again.",
                     icon=":material/warning:")
        return
    images = [("drawn", "your digit"), ("test", f"test image {digit}")]
    votes = pc.drawn_frame(names, answers, images)
    for col, (key, title) in zip(said.columns(2), images):
        sentence = f"{title.capitalize()}: " + " ".join(pc.doubt_sentence(n, a[key]) for n, a in zip(names, answers))
        rows = votes[votes.image == title]
        described.altair_ui(col, pc.drawn_chart(rows, names, title.capitalize()), sentence, rows, width="stretch")
    said.markdown("\n".join(f"- **{title.capitalize()}.** " + " ".join(pc.doubt_sentence(n, a[key])
                                                                        for n, a in zip(names, answers))
                            for key, title in images))


def main():
    links.show_link_notes(links.fix_link("predict", list(DEFAULTS)))
    st.title("Dropout at prediction time")
    st.markdown(INTRO)
    if not services.training_ready():
        return
    page.fragment(work_ui)
    with st.expander("Show the code", icon=":material/code:"):
        st.code(source("core/lessons/thinned.py", "sample_probs", "running_sums", "thinned_probs"))


page.guarded(main)
