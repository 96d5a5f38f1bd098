"""Every student can use it: axe-core (Deque's engine, via axe-playwright-python) finds no serious or critical
violation on any page at desktop width and on a phone (390 x 844, touch), before and after a run and on a class
board with runs; no page is wider than the phone; a keyboard alone trains a run; a finger and a keyboard draw
on the pad and get the nets' answer; the live charts' accessible names state their final numbers."""
import os
import re

import pytest
from playwright.sync_api import expect

from core.classboard import Board, Setup
from tests.app_server import TRAIN

Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe

PAGES = ["/", "/dropout", "/mnist", "/random-labels", "/predict", "/class"]
DESKTOP = {"viewport": {"width": 1300, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}  # an iPhone 13
TINY_RUN = "/mnist?epochs=2&train_size=500&lr=0.01&seed=21"


def blocking(page):
    """axe's serious and critical violations on the page as it is now: [(rule, nodes)]."""
    found = Axe().run(page).response["violations"]
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in found if v["impact"] in ("serious", "critical")]


def idle(page):
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")).to_have_count(1,
                                                                                                   timeout=30_000)


def width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture(params=["desktop", "phone"])
def sized(browser, request):
    context = browser.new_context(**(PHONE if request.param == "phone" else DESKTOP))
    yield request.param, context.new_page()
    context.close()


def test_every_page_passes_axe_and_a_phone_never_scrolls_sideways(sized, app_url):
    size, page = sized
    for path in PAGES:
        page.goto(app_url + path)
        expect(page.locator("h1").first).to_be_visible(timeout=30_000)
        idle(page)
        assert blocking(page) == [], path
        if size == "phone":
            assert width(page) <= 390, f"{path} is {width(page)} px wide on a 390 px phone"
            covered = page.locator("h1").first.evaluate(  # the sidebar, collapsed, does not cover the lesson
                "h => { const r = h.getBoundingClientRect(); const top = document.elementFromPoint(r.left + 5, "
                "r.top + r.height / 2); return !h.contains(top) && !top.contains(h); }")
            assert not covered, f"something covers the title of {path} on a phone"


def test_a_keyboard_alone_trains_a_run_and_reads_its_result(page, app_url):
    page.goto(app_url + "/mnist")
    expect(page.get_by_role("button", name=TRAIN)).to_be_visible(timeout=30_000)  # the form is drawn...
    expect(page.get_by_role("spinbutton", name="Epochs")).to_be_visible(timeout=30_000)
    idle(page)  # ...and the script has finished (before it starts, the app also reads as not running)
    typed = {"Epochs": "2", "Training images": "500", "Learning rate": "0.01"}
    for _ in range(60):  # Tab through the page until Train; type into the fields on the way
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.getAttribute('aria-label') || document.activeElement.innerText")
        if label in typed:
            page.keyboard.press("ControlOrMeta+a")
            page.keyboard.type(typed.pop(label))
        elif label and TRAIN.match(label.strip()):
            break
    else:
        pytest.fail("Tab never reached Train")
    assert typed == {}, f"Tab never reached {list(typed)}"
    train = page.get_by_role("button", name=TRAIN)
    expect(train).to_be_focused()
    assert train.evaluate("e => getComputedStyle(e).outlineStyle") != "none"  # focus is visible
    page.keyboard.press("Enter")
    result = page.get_by_text(re.compile(r"Finished in [\d.]+ s: train accuracy \d+\.\d\d%, test accuracy"))
    expect(result).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile(r"#1 drop 0\.5/0\.5, lr 0\.01, batch 64, 500 imgs"))).not_to_have_count(0)


def test_after_a_run_on_a_phone_the_charts_fit_state_their_numbers_and_pass_axe(browser, app_url):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(app_url + TINY_RUN)
        train = page.get_by_role("button", name=TRAIN)
        expect(train).to_be_visible(timeout=30_000)
        assert train.bounding_box()["y"] + train.bounding_box()["height"] <= 844  # on the first screen
        train.tap()
        expect(page.get_by_text(re.compile("Finished in"))).to_be_visible(timeout=60_000)
        charts = page.locator(".live .chart")
        expect(charts.nth(0)).to_have_attribute(
            "aria-label", re.compile(r"^Moving loss: #1 .* (fell|rose) from \d\.\d+ to \d\.\d+ over 2 epochs\.$"),
            timeout=15_000)
        expect(charts.nth(1)).to_have_attribute(
            "aria-label", re.compile(r"^Accuracy after each epoch: #1 .* after epoch 2, test \d+\.\d%, train \d+\.\d%\.$"))
        for k in range(2):
            box = charts.nth(k).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.get_by_text("The charts' numbers, as a table").tap()
        table = page.locator("table").filter(has_text="moving loss")
        expect(table).to_contain_text("test acc")
        expect(table.locator("tbody tr")).to_have_count(2)  # two epochs
        idle(page)
        assert blocking(page) == []
        assert width(page) <= 390
    finally:
        context.close()


def test_a_class_board_with_runs_passes_axe(browser, app_url):
    code = Board(os.environ["CLASSBOARD_URL"]).create_class(
        Setup(values=(0.0, 0.5), epochs=1, lr=0.01, train_size=300, predict_first=False))
    student = browser.new_context(**PHONE)
    page = student.new_page()
    page.goto(f"{app_url}/mnist?class={code}&student=Ada")
    expect(page.get_by_text(f"You are in class {code}.")).to_be_visible(timeout=30_000)
    idle(page)
    assert blocking(page) == [] and width(page) <= 390
    page.get_by_role("button", name=TRAIN).tap()
    expect(page.get_by_text(re.compile(f"(will be|it is) recorded for class {code}"))).to_be_visible(timeout=15_000)
    student.close()
    for size in (DESKTOP, PHONE):
        context = browser.new_context(**size)
        board = context.new_page()
        board.goto(f"{app_url}/class?class={code}")
        expect(board.get_by_test_id("stMetric").filter(has_text="Runs finished")).to_contain_text("1", timeout=60_000)
        expect(board.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=30_000)
        idle(board)
        assert blocking(board) == []
        assert size is DESKTOP or width(board) <= 390
        context.close()


def touch_stroke(page, canvas, points):
    """One stroke drawn by a finger: real touch input (Chrome's DevTools protocol), points in the pad's 280 px."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    at = [{"x": box["x"] + x * box["width"] / 280, "y": box["y"] + y * box["height"] / 280} for x, y in points]
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [at[0]]})
    for a, b in zip(at, at[1:]):
        for k in range(1, 9):
            point = {"x": a["x"] + (b["x"] - a["x"]) * k / 8, "y": a["y"] + (b["y"] - a["y"]) * k / 8}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_a_finger_and_a_keyboard_draw_on_the_pad_and_get_an_answer(browser, app_url):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(app_url + TINY_RUN)
        page.get_by_role("button", name=TRAIN).tap()
        expect(page.get_by_text(re.compile("Finished in"))).to_be_visible(timeout=60_000)
        page.get_by_test_id("stExpandSidebarButton").tap()  # the sidebar, collapsed on a phone, opens on request
        page.get_by_role("link", name=re.compile("Dropout at prediction time")).tap()  # same session: the run is known
        expect(page.get_by_role("heading", name="Dropout at prediction time")).to_be_visible(timeout=30_000)
        page.get_by_test_id("stSidebarCollapseButton").locator("button").tap()  # Streamlit leaves it open
        page.get_by_text(re.compile("^My latest MNIST run")).tap()
        page.get_by_role("button", name=re.compile(r"^(\w+\s+)?Compute$")).tap()
        pad = page.locator(".pad canvas")
        expect(pad).to_be_visible(timeout=180_000)
        expect(page.get_by_text("Draw a digit first")).to_be_visible()
        answer = page.get_by_text(re.compile(r"^Your digit\. With dropout 0\.5: "))
        touch_stroke(page, pad, [(140, 40), (140, 240)])  # a 1, by finger
        expect(answer).to_be_visible(timeout=30_000)
        assert width(page) <= 390
        idle(page)
        assert blocking(page) == []
        page.get_by_role("button", name="Clear").tap()
        expect(page.get_by_text("Draw a digit first")).to_be_visible(timeout=15_000)
        pad.focus()  # Tab reaches it too (tabindex 0); then only keys
        page.keyboard.press("Space")
        for _ in range(8):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        page.keyboard.press("Enter")
        expect(answer).to_be_visible(timeout=30_000)
        expect(page.get_by_text("what the nets see (28 x 28)")).to_be_visible()
    finally:
        context.close()
