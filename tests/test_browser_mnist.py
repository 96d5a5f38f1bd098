"""The MNIST page in headless Chromium: a short run draws a growing loss chart and finishes; Stop stops."""
import re

from playwright.sync_api import expect

from tests.app_server import TRAIN


def test_train_draws_a_live_chart_and_finishes(page, app_url):
    page.goto(app_url + "/mnist?epochs=6&train_size=10000&lr=0.01&seed=7")
    page.get_by_role("button", name=TRAIN).click()
    expect(page.get_by_text(re.compile(r"Epoch \d of 6"))).to_be_visible(timeout=30_000)
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    expect(chart).to_be_visible()
    first = chart.screenshot()
    page.wait_for_timeout(1500)
    assert chart.screenshot() != first, "the loss chart did not change while training"
    expect(page.get_by_text(re.compile("Finished in"))).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile("mistakes, marked"))).to_be_visible()


def test_stop_halts_a_long_run(page, app_url):
    page.goto(app_url + "/mnist?epochs=30&train_size=30000&seed=8")
    page.get_by_role("button", name=TRAIN).click()
    expect(page.get_by_text(re.compile(r"Epoch \d+ of 30"))).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Stopped on request.")).to_be_visible(timeout=10_000)
