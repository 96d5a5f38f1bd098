"""Predict, then see, in headless Chromium: a teacher starts a predict-first class, two students guess and
train, the board shows the guesses with the results hidden, and the teacher's Reveal shows guess against outcome."""
import re

from playwright.sync_api import expect

from tests.app_server import TRAIN


def start_class(page, app_url):
    page.goto(f"{app_url}/class")
    page.get_by_label("Values to sweep (comma-separated)").fill("0, 0.5")
    page.get_by_role("spinbutton", name="Epochs").fill("1")
    page.get_by_role("spinbutton", name="Training images").fill("300")
    page.get_by_role("button", name=re.compile("Start the class")).click()
    expect(page).to_have_url(re.compile(r"class=[A-Z0-9]+"), timeout=20_000)
    return re.search(r"class=([A-Z0-9]+)", page.url).group(1)


def student(browser, app_url, code, name, acc, best):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.goto(f"{app_url}/mnist?class={code}&student={name}")
    expect(page.get_by_text("Predict first.")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name=TRAIN)).to_be_disabled()
    page.get_by_label(re.compile("^Test accuracy you expect")).fill(str(acc))
    page.get_by_label(re.compile("^The value you expect")).click()
    page.get_by_role("option", name=best, exact=True).click()
    page.get_by_role("button", name=re.compile("Save my guess")).click()
    expect(page.get_by_text(re.compile("Guess saved"))).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name=TRAIN)).to_be_enabled()
    page.get_by_role("button", name=TRAIN).click()
    expect(page.get_by_text(re.compile(f"(will be|it is) recorded for class {code}"))).to_be_visible(timeout=15_000)
    context.close()


def test_guesses_then_train_then_the_reveal(browser, page, app_url):
    code = start_class(page, app_url)
    student(browser, app_url, code, "Ada", 96, "p = 0.5")
    student(browser, app_url, code, "Bo", 90, "p = 0")
    metric = page.get_by_test_id("stMetric")
    expect(metric.filter(has_text="Guesses")).to_contain_text("2", timeout=30_000)  # the board's watch picks it up
    expect(metric.filter(has_text="Runs finished")).to_contain_text("2", timeout=60_000)
    expect(page.get_by_text(re.compile("results stay hidden until the teacher presses"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^2 students have guessed\. The class expects p = "))).to_be_visible()
    page.get_by_role("button", name=re.compile("Reveal the results")).click()
    expect(page.get_by_text(re.compile(r"^The class expected p = "))).to_be_visible(timeout=20_000)
    expect(page.get_by_text(re.compile("Guess against outcome"))).to_be_visible()
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(6, timeout=30_000)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
