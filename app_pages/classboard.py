"""The class board (/class): a teacher starts a class experiment; every student's finished run lands here, live."""
import streamlit as st

from core.classboard import SERVER, BadCode, clean_code, results
from core.views import board_charts, describe
from app_pages import class_teacher, class_ui, described, live, page


def header_ui(code, info):
    """The class code, the students' link and its QR code, to project."""
    link = class_teacher.student_link(code)
    left, right = st.columns([3, 1])
    left.markdown(f"## Class {code}" + ("  (closed)" if info.closed else ""))
    left.markdown(info.setup.describe())
    left.markdown("Students open this link (or scan the code), press **Train**, and their run lands here:")
    left.code(link, language=None, wrap_lines=True)  # never a sideways-scrolling box on a phone
    class_teacher.teacher_link_once_ui(code, left)  # beside the students' QR code, in the creating session only
    if link.startswith("http"):  # a QR code of a relative link would help nobody
        right.image(class_teacher.qr_png(link), caption=f"Join class {code}", width=230, output_format="PNG",
                    alt=f"QR code of the link that joins class {code}")


def counts_ui(code, view):
    points, (covered, cells), stopped = view["points"], view["covered"], view["stopped"]
    students = len((set(points.student) | set(stopped.student)) - {SERVER})
    cols = st.columns(6 if view["info"].setup.predict_first else 5)
    cols[0].metric("Students joined", view["joined"])
    if view["info"].setup.predict_first:
        cols[5].metric("Guesses", len(view["guesses"]), help="Each student guesses before pressing Train.")
    cols[1].metric("Students with a run", students)
    cols[2].metric("Runs finished", len(points))
    cols[3].metric("Running now", view["training"], help="Class runs registered and not recorded yet: training, "
                    "or waiting for a free worker.")
    cols[4].metric("Sweep covered", f"{covered} of {cells}")
    if len(stopped):
        st.caption(f"{len(stopped)} run{'s' if len(stopped) != 1 else ''} stopped by {'their' if len(stopped) != 1 else 'its'} "
                   f"student{'s' if len(stopped) != 1 else ''}: each counts as that student's run of its value, "
                   "and has no result to show.")
    if view["closed_out"]:
        st.caption(f"{view['closed_out']} run{'s' if view['closed_out'] != 1 else ''} started before the class "
                   "closed did not count: they ended after it closed, or were cancelled before they started.")


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
    live.watch_ui(class_ui.watch_url(code), class_ui.version(url, code, view), key=f"watch-{code}")
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
    st.text(results.roster(view["points"], view["stopped"]))  # plain text: nicknames are never Markdown



def main():
    st.title("Class board")
    class_teacher.teacher_key_ui()
    raw = st.query_params.get("class")
    if raw is None:
        st.caption("A class experiment turns every student's finished run into one shared sweep, "
                   "like Srivastava et al.'s figures 9 and 10, live on the projector.")
        class_teacher.create_ui()
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
    class_teacher.teacher_link_ui(code)
    if "info" in view:
        header_ui(code, view["info"])
    page.fragment(lambda: live_ui(code, "info" in view))  # while the database is away: its one sentence
    if "info" not in view:
        return
    teacher = class_teacher.is_teacher(code)
    if teacher or view["info"].revealed:  # before the reveal, every result is the teacher's alone
        st.download_button("Download the runs as CSV", lambda: class_ui.export_csv(code), f"class-{code}.csv",
                           "text/csv", key="board_csv", icon=":material/download:", on_click="ignore")
    if teacher:
        class_teacher.teacher_ui(code, view["info"], view)
    else:
        st.caption("Only the class's teacher (whoever opens its teacher link, or signs in with the school's teacher "
                   "key in the sidebar) can reveal the results, fill the gaps, clear or close it.")


page.guarded(main)
