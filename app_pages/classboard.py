"""The class board (/class): a teacher starts a class experiment; every student's finished run lands here, live."""
import streamlit as st

from core.classboard import (SERVER, VARIES, BadCode, BoardUnavailable, ClassExists, Setup, clean_code,
                             parse_values, results)
from core.classboard.experiment import VARY_LABELS
from core.config import PARAMS
from core.views import board_charts, describe
from app_pages import class_ui, described, live, page, services


def create_ui():
    """The form that starts a class experiment; on success the page switches to its board."""
    st.subheader("Start a class experiment")
    vary = st.radio("The class varies", VARIES, format_func=VARY_LABELS.get, key="new_vary")
    d = Setup.for_vary(vary)
    with st.form("new_class"):
        values = st.text_input("Values to sweep (comma-separated)", ", ".join(f"{v:g}" for v in d.values),
                               key="new_values")
        left, mid, right = st.columns(3)
        epochs = left.number_input("Epochs", *PARAMS["epochs"].bounds(), d.epochs, key="new_epochs")
        lr = mid.number_input("Learning rate", *PARAMS["lr"].bounds(), d.lr, step=0.001, format="%.4f", key="new_lr")
        if vary == "drop_prob":
            fixed = {"train_size": right.number_input("Training images", *PARAMS["train_size"].bounds(),
                                                      d.train_size, 100, key="new_size")}
        else:
            fixed = {"drop_prob": right.slider("Drop probability 'with dropout'", 0.05, 0.95, d.drop_prob, 0.05,
                                               key="new_drop")}
        assign = st.toggle("Assign each student a value nobody has covered yet", True, key="new_assign")
        predict = st.toggle("Predict first: each student guesses before Train; results hidden until you reveal them",
                            True, key="new_predict")
        code = st.text_input("Class code (optional; 3-12 letters or digits)", key="new_code")
        pressed = st.form_submit_button("Start the class", key="new_start", type="primary",
                                        icon=":material/play_arrow:")
    st.caption("The default experiment, 6,000 images x 50 epochs at lr 0.005, overfits without dropout, so the sweep "
               "shows dropout's effect; accuracy is checked every 5th epoch and at the last, which gives the same final "
               "numbers for less work.")
    if pressed:
        try:
            setup = Setup(vary=vary, values=parse_values(values, vary), epochs=int(epochs), lr=float(lr),
                          assign=assign, predict_first=predict, **fixed)
            new = class_ui.database(class_ui.get_board().create_class, setup, code=code.strip() or None)
        except (BadCode, ClassExists, ValueError, BoardUnavailable) as err:
            st.error(f"The class was not started: {str(err)[:200]}", icon=":material/error:")
            return
        st.session_state.setdefault("classboard_created", set()).add(new)
        st.query_params["class"] = new
        st.rerun()


def header_ui(code, info):
    """The class code, the students' link and its QR code, to project."""
    link = class_ui.student_link(code)
    left, right = st.columns([3, 1])
    left.markdown(f"## Class {code}" + ("  (closed)" if info.closed else ""))
    left.markdown(info.setup.describe())
    left.markdown("Students open this link (or scan the code), press **Train**, and their run lands here:")
    left.code(link, language=None)
    if link.startswith("http"):  # a QR code of a relative link would help nobody
        right.image(class_ui.qr_png(link), caption=f"Join class {code}", width=230, output_format="PNG",
                    alt=f"QR code of the link that joins class {code}")


def counts_ui(code, view):
    points, (covered, cells) = view["points"], view["covered"]
    students = points.student[points.student != SERVER].nunique() if len(points) else 0
    cols = st.columns(6 if view["info"].setup.predict_first else 5)
    cols[0].metric("Students joined", view["joined"])
    if view["info"].setup.predict_first:
        cols[5].metric("Guesses", len(view["guesses"]), help="Each student guesses before pressing Train.")
    cols[1].metric("Students with a run", students)
    cols[2].metric("Runs finished", len(points))
    cols[3].metric("Running now", view["training"], help="Class runs registered and not recorded yet: training, "
                    "or waiting for a free worker.")
    cols[4].metric("Sweep covered", f"{covered} of {cells}")
    if view["closed_out"]:
        st.caption(f"{view['closed_out']} run{'s' if view['closed_out'] != 1 else ''} started before the class "
                   "closed did not count: they ended after it closed.")


def charts_ui(info, view):
    setup = info.setup
    lo, hi = min(setup.values), max(setup.values)
    left, right = st.columns(2)
    left.markdown("**Final test accuracy**: one dot per run; line: mean per value, bar: spread (+-1 sd)")
    points, x = view["points"], setup.vary.replace("_", " ")
    described.vega_lite_ui(left, points, board_charts.spec("sweep", setup.vary, lo, hi), describe.series_sentence(
        f"Mean final test accuracy per {x}", points.assign(**{x: points.value}), x, "test_acc", "series", y_fmt=".1%",
        y_name="test accuracy"),
        width="stretch")
    right.markdown("**Train-test gap** (overfitting): mean per value")
    gap = board_charts.spec("sweep", setup.vary, lo, hi, "gap", "train - test accuracy")
    described.vega_lite_ui(right, points, gap, describe.series_sentence(
        f"Mean train-test gap per {x}", points.assign(**{x: points.value}), x, "gap", "series", y_fmt=".1%", y_name="gap"),
        width="stretch")
    checked = "per epoch" if setup.eval_every == 1 else f"every {setup.eval_every} epochs"
    st.markdown(f"**Test accuracy {checked}**: every run faint, the class mean bold")
    curves = view["curves"]
    described.vega_lite_ui(st, curves, board_charts.spec("curves", setup.vary, setup.epochs, lo, hi),
                           describe.series_sentence("Class mean test accuracy per epoch", curves, "epoch", "test_acc",
                                                    "series", y_fmt=".1%", y_name="test accuracy"), width="stretch")


def guesses_ui(info, view):
    """What the class expects, as the guesses come in (before and after the reveal)."""
    setup = info.setup
    lo, hi = min(setup.values), max(setup.values)
    left, right = st.columns(2)
    named = "best" if setup.vary == "drop_prob" else "where dropout helps most"
    left.markdown(f"**The class's expectation**: the value each student named {named}")
    votes = results.best_votes(setup, view["guesses"])
    described.vega_lite_ui(left, votes, board_charts.spec("votes", setup.vary), describe.series_sentence(
        f"Students who named each value {named}", votes, "value", "votes", y_fmt=".0f"), width="stretch")
    right.markdown("**Expected test accuracy** for each student's own run: one dot per guess")
    frame = results.guess_frame(setup, view["guesses"]).assign(seed=None).dropna(subset=["value"])
    described.vega_lite_ui(right, frame, board_charts.spec("sweep", setup.vary, lo, hi, "predicted_test_acc",
                                                           "expected test accuracy"), describe.series_sentence(
        "Mean expected test accuracy per value", frame, "value", "predicted_test_acc", "series", y_fmt=".1%",
        y_name="expected test accuracy"), width="stretch")


def versus_ui(info, view):
    setup = info.setup
    st.markdown("**Guess against outcome**: each run's guessed and measured test accuracy, and their means")
    versus = results.versus_frame(view["points"])
    described.vega_lite_ui(st, versus, board_charts.spec("versus", setup.vary, min(setup.values), max(setup.values)),
                           describe.series_sentence("Mean test accuracy per value, guessed and measured", versus,
                                                    "value", "acc", "kind", y_fmt=".1%", y_name="test accuracy"),
                           width="stretch")


def live_ui(code, header_shown):
    """The part of the board that changes as runs land: counts, charts, findings, who has run.

    A fragment with a watch on the class's route: it reruns when the class's version changes (a run landed,
    someone joined, a run started or ended), not on a timer.
    """
    url = class_ui.board_url()
    view = class_ui.class_view(url, code)
    live.watch_ui(f"api/classes/{code}", class_ui.version(url, code, view), key=f"watch-{code}")
    if "info" not in view:
        st.warning(view.get("problem") or view.get("unknown"), icon=":material/cloud_off:")
        return
    if not header_shown:
        st.rerun(scope="app")  # the database is back: draw the whole page
    note = class_ui.db_note(view)
    if note:
        st.warning(note, icon=":material/cloud_off:")
    counts_ui(code, view)
    info = view["info"]
    if info.setup.predict_first:
        guesses_ui(info, view)
    if info.revealed:
        charts_ui(info, view)
        if info.setup.predict_first:
            versus_ui(info, view)
        found = (view["guess_findings"] if info.setup.predict_first else []) + view["findings"]
        st.markdown("**What the class found**\n\n" + "\n".join(f"- {s}" for s in found))
    else:
        st.markdown("**What the class expects**\n\n" + "\n".join(f"- {s}" for s in view["guess_findings"]))
        st.info("The results stay hidden until the teacher presses **Reveal**: first the class's expectation, "
                "then the outcome.", icon=":material/visibility_off:")
    names = view["points"].groupby("student", sort=False).size()  # in order of each first run
    st.text("Runs by: " + ", ".join(f"{n} ({k})" for n, k in names.items()) if len(names) else "")  # plain text


def change(write):
    """Apply a teacher's change to the class and show it now (or say in one sentence why it failed)."""
    try:
        write()
    except BoardUnavailable as err:
        st.error(str(err), icon=":material/cloud_off:")
        return
    class_ui.class_view.clear()  # show the change now, not after the cache's second
    st.rerun()


def teacher_ui(code, info, view):
    st.markdown("**Teacher**")
    if info.setup.predict_first:
        label = "Hide the results again" if info.revealed else "Reveal the results"
        if st.button(label, key="reveal", type="primary" if not info.revealed else "secondary",
                     icon=":material/visibility:" if not info.revealed else ":material/visibility_off:"):
            change(lambda: class_ui.database(class_ui.get_board().reveal, code, revealed=not info.revealed))
    cols = st.columns(4)
    if cols[0].button("Fill the gaps", key="fill", icon=":material/auto_fix_high:", disabled=info.closed,
                      help="Run the values nobody has tried yet on the server, queued behind the students' runs."):
        tried = zip(view["points"].value, view["points"].series)
        todo = class_ui.get_recorder(attach=True).fill_gaps(services.get_runner(), code, info.setup, list(tried))
        st.toast(f"{len(todo)} server runs queued." if todo else "Every value already has a run (or one training).")
    if cols[1].button("Close the class", key="close_class", icon=":material/lock:", disabled=info.closed):
        change(lambda: class_ui.database(class_ui.get_board().close_class, code))
    confirm = cols[2].checkbox("Yes, delete all runs", key="confirm_clear")
    if cols[2].button("Clear the runs", key="clear_class", icon=":material/delete:", disabled=not confirm):
        change(lambda: class_ui.database(class_ui.get_board().clear_class, code))
    if cols[3].button("Start a new class", key="new_class_button", icon=":material/add:"):
        del st.query_params["class"]
        st.rerun()


def main():
    st.title("Class board")
    class_ui.teacher_key_ui()
    raw = st.query_params.get("class")
    if raw is None:
        st.caption("A class experiment turns every student's finished run into one shared sweep, "
                   "like Srivastava et al.'s figures 9 and 10, live on the projector.")
        create_ui()
        return
    try:
        code = clean_code(raw)
    except BadCode as err:
        st.error(str(err), icon=":material/error:")
        return
    view = class_ui.class_view(class_ui.board_url(), code)
    if "unknown" in view:
        st.error(view["unknown"], icon=":material/error:")
        return
    if "info" in view:
        header_ui(code, view["info"])
    page.fragment(lambda: live_ui(code, "info" in view))  # while the database is away: its one sentence
    if "info" not in view:
        return
    st.download_button("Download the runs as CSV", lambda: class_ui.export_csv(code), f"class-{code}.csv",
                       "text/csv", key="board_csv", icon=":material/download:", on_click="ignore")
    if class_ui.is_teacher(code):
        teacher_ui(code, view["info"], view)
    else:
        st.caption("Only the teacher (the session that created this class, or whoever enters the teacher key) "
                   "can fill the gaps, clear or close it (teacher sign-in: in the sidebar).")


page.guarded(main)
