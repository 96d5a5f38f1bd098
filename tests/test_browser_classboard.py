"""The class board in headless Chromium: students of one class train from the class link; the board shows them."""
import os
import re
import urllib.parse

from playwright.sync_api import expect

from core.classboard import Board, Setup
from tests.app_server import TRAIN

TINY = Setup(values=(0.0, 0.5), epochs=1, lr=0.01, train_size=300, predict_first=False)


def student_trains(browser, app_url, code, nickname):
    """A student opens the class link in a fresh browser, presses Train, sees the run registered, closes the tab."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.goto(f"{app_url}/mnist?class={code}")
    expect(page.get_by_text(f"You are in class {code}.")).to_be_visible(timeout=30_000)
    name = page.get_by_role("textbox", name="Your nickname on the class board")
    expect(name).to_have_value(re.compile(r"^\w+ \w+ \d\d$"))  # a random friendly default
    name.fill(nickname)
    name.press("Enter")
    typed = re.escape(urllib.parse.quote_plus(nickname[:12]))
    expect(page).to_have_url(re.compile(f"student={typed}"), timeout=20_000)  # the nickname is in (bound to) the link
    page.get_by_role("button", name=TRAIN).click()
    expect(page.get_by_text(re.compile(f"(will be|it is) recorded for class {code}"))).to_be_visible(timeout=15_000)
    context.close()  # the tab closes; the pinned run still finishes and is recorded


def test_students_of_one_class_train_and_the_board_shows_their_runs(browser, page, app_url):
    code = Board(os.environ["CLASSBOARD_URL"]).create_class(TINY)
    student_trains(browser, app_url, code, "Ada")
    student_trains(browser, app_url, code, "<b>Bo</b> [x](http://e.vil)")
    page.goto(f"{app_url}/class?class={code}")
    runs = page.get_by_test_id("stMetric").filter(has_text="Runs finished")
    expect(runs).to_contain_text("2", timeout=60_000)
    expect(page.get_by_test_id("stMetric").filter(has_text="Sweep covered")).to_contain_text("2 of 2")
    roster = page.get_by_text(re.compile("^Runs by: "))
    expect(roster).to_contain_text("<b>Bo</b> [x](http://e.vil) (1)")  # shown as typed: no bold, no link
    expect(roster).to_contain_text("Ada (1)")
    assert page.locator("a[href='http://e.vil']").count() == 0
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(3, timeout=30_000)  # drawn after the counts
    expect(page.get_by_text(re.compile(r"^The class's best mean test accuracy is \d+\.\d% at p = "))).to_be_visible()


def test_the_teacher_link_opened_in_another_browser_manages_the_class_and_a_student_cannot(browser, app_url):
    creator = browser.new_context(viewport={"width": 1300, "height": 900})
    page = creator.new_page()
    page.goto(f"{app_url}/class")
    page.get_by_role("textbox", name=re.compile("^Class code")).fill("PWTCH7")
    page.get_by_role("button", name=re.compile("Start the class")).click()
    expect(page.get_by_text("Your teacher link")).to_be_visible(timeout=30_000)
    page.get_by_text("Your teacher link").click()  # folded away, so it is not on the projected board
    expect(page.locator("code").filter(has_text="&teacher=").first).to_be_visible(timeout=10_000)
    link = page.locator("code").filter(has_text="&teacher=").first.inner_text().strip()
    assert link.startswith(f"{app_url}/class?class=PWTCH7&teacher=")
    creator.close()

    student = browser.new_context(viewport={"width": 1300, "height": 900})
    spage = student.new_page()
    spage.goto(f"{app_url}/class?class=PWTCH7")
    expect(spage.get_by_text(re.compile("^Only the class's teacher"))).to_be_visible(timeout=30_000)
    for name in ("Close the class", "Fill the gaps", "Reveal the results", "Download the runs as CSV"):
        expect(spage.get_by_role("button", name=re.compile(name))).to_have_count(0)
    spage.goto(link[:-3] + ("abc" if not link.endswith("abc") else "xyz"))  # a guessed token
    expect(spage.get_by_text("That teacher link is not this class's.")).to_be_visible(timeout=30_000)
    expect(spage.get_by_role("button", name=re.compile("Close the class"))).to_have_count(0)

    teacher = browser.new_context(viewport={"width": 1300, "height": 900})  # another device, or after a reload
    tpage = teacher.new_page()
    tpage.goto(link)
    expect(tpage.get_by_text("You are this class's teacher in this browser session.")).to_be_visible(timeout=30_000)
    expect(tpage).not_to_have_url(re.compile("teacher="), timeout=10_000)  # the token leaves the address bar
    expect(tpage.get_by_role("button", name=re.compile("Download the runs as CSV"))).to_be_visible()
    tpage.get_by_role("button", name=re.compile("Close the class")).click()
    expect(tpage.get_by_text("Class PWTCH7  (closed)")).to_be_visible(timeout=30_000)
    assert Board(os.environ["CLASSBOARD_URL"]).get_class("PWTCH7").closed
    spage.goto(f"{app_url}/class?class=PWTCH7")  # the student sees it closed, still without the controls
    expect(spage.get_by_text(re.compile(r"Class PWTCH7\s+\(closed\)"))).to_be_visible(timeout=30_000)
    expect(spage.get_by_role("button", name=re.compile("Reveal the results"))).to_have_count(0)
    teacher.close()
    student.close()
