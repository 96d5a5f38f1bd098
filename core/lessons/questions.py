"""Predict, then see, on the solo lessons: the question asked before a run, and the answer set beside the outcome.

Pure functions over numbers (no Streamlit): a page asks with the choices, keeps the answer in the session, and
after the run calls the verdict with what was measured.
"""
LEVELS = ("near chance (about 10%)", "about halfway (30% to 70%)", "near 100%")
TWIN = ("higher", "about the same (within half a point)", "lower")
SAME = 0.005  # test accuracies closer than half a point count as "about the same"


def level(acc):
    """Which of LEVELS an accuracy falls in."""
    return LEVELS[0] if acc < 0.3 else LEVELS[1] if acc < 0.7 else LEVELS[2]


def memorising_verdict(train_answer, test_answer, name, train_acc, test_acc):
    """The random-labels answer beside the run: one sentence, and how many of the two guesses were right."""
    right = (train_answer == level(train_acc)) + (test_answer == level(test_acc))
    said = {2: "both right", 1: "one of two right", 0: "neither right"}[right]
    return (f"You expected training accuracy {train_answer} and test accuracy {test_answer}; {name} ended at "
            f"{train_acc:.1%} and {test_acc:.1%}: {said}."), right


def twin_outcome(run_test, twin_test):
    """Which of TWIN the twin's test accuracy was, against the run's."""
    diff = twin_test - run_test
    return TWIN[1] if abs(diff) < SAME else TWIN[0] if diff > 0 else TWIN[2]


def twin_verdict(answer, twin_name, run_test, twin_test):
    """The twin answer beside the two runs: one sentence, and whether it was right."""
    outcome = twin_outcome(run_test, twin_test)
    points = (twin_test - run_test) * 100
    return (f"You expected the twin {twin_name} to score {answer}; it scored {twin_test:.2%} against {run_test:.2%} "
            f"({points:+.2f} points): {outcome}. " + ("Right." if answer == outcome else "Not this time."),
            answer == outcome)
