"""The dropout page in headless Chromium: the slider moves by keyboard and the stated numbers follow."""
import re

import pytest

expect = pytest.importorskip("playwright.sync_api").expect


def link_with(**params):
    """A URL pattern for the dropout page whose query holds these params, in any order."""
    return re.compile(r"/dropout\?" + "".join(rf"(?=(.*&)?{k}={re.escape(str(v))}(&|$))" for k, v in params.items()))


def metric(page, label):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def test_slider_and_resample_change_the_output_and_the_link(page, app_url):
    page.goto(app_url + "/dropout?seed=41")
    scale, kept = metric(page, "Scale on survivors"), metric(page, "Kept this draw")
    expect(scale).to_have_text("2", timeout=30_000)  # p = 0.5 by default; the first load starts the runner
    kept_at_half = kept.inner_text()

    slider = page.get_by_role("slider", name="Drop probability p")
    slider.focus()
    page.keyboard.press("ArrowRight")  # one step of 0.01
    expect(scale).to_have_text("2.041")
    expect(page).to_have_url(link_with(seed=41, drop_prob=0.51))

    page.keyboard.press("End")  # p = 1: everything dropped, guarded scale
    expect(scale).to_have_text("0 (guarded)")
    expect(kept).to_have_text("0 of 20 (0%)")

    page.keyboard.press("Home")  # p = 0: the input, unchanged
    expect(scale).to_have_text("1")
    expect(kept).to_have_text("20 of 20 (100%)")
    assert kept_at_half not in ("0 of 20 (0%)", "20 of 20 (100%)")

    seed = page.get_by_test_id("stNumberInput").filter(has_text="Seed").locator("input")
    expect(seed).to_have_value("41")
    page.get_by_role("button", name="Resample").click()
    expect(seed).to_have_value("42")
    expect(page).to_have_url(link_with(seed=42, drop_prob=0))


def test_the_numbers_expander_draws_its_tables_when_opened(page, app_url):
    page.goto(app_url + "/dropout")
    expect(metric(page, "Scale on survivors")).to_have_text("2", timeout=30_000)
    tables = page.get_by_test_id("stTable")
    expect(tables).to_have_count(0)  # closed: nothing drawn (a closed expander's content costs every load)
    page.get_by_text("Numbers: input and mask").click()
    expect(tables).to_have_count(2)
    expect(tables.first).to_contain_text("19")  # the default input, 0..19
