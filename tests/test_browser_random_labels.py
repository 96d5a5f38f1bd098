"""The random-labels page in headless Chromium: one press of Train runs the four-run contrast to the end."""
import re

from playwright.sync_api import expect

from tests.app_server import TRAIN


def test_the_page_asks_then_trains_the_contrast_and_sets_the_answer_beside_it(page, app_url):
    page.goto(app_url + "/random-labels?train_size=200&epochs=5")
    expect(page.get_by_role("heading", name="Memorising random labels")).to_be_visible(timeout=30_000)
    page.get_by_role("radiogroup", name="Its training accuracy").get_by_text("near 100%").click()
    page.get_by_role("radiogroup", name="Its test accuracy").get_by_text("near chance (about 10%)").click()
    page.get_by_role("button", name=TRAIN).click()
    expect(page.locator(".live .chart canvas").first).to_be_visible(timeout=30_000)  # drawn from the runs route
    for name in ("True labels, no dropout", "True labels, dropout 0.5", "Random labels, no dropout",
                 "Random labels, dropout 0.5"):
        expect(page.get_by_text(re.compile(rf"{name}: train \d+\.\d%, test \d+\.\d%"))).to_be_visible(timeout=60_000)
    expect(page.locator(".live .line")).to_have_count(0)
    answer = page.get_by_text(re.compile(r"^You expected training accuracy near 100% and test accuracy near chance"))
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text(re.compile(r"random labels, no dropout ended at \d+\.\d% and \d+\.\d%"))
    assert int(page.locator(".live .chart").first.get_attribute("data-rows")) == 4 * 5 * 2  # runs x epochs x splits
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
