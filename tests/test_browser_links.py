"""Lesson links in headless Chromium: hidden controls, and hostile values that change nothing else."""
import re
from urllib.parse import quote

from playwright.sync_api import expect


def test_a_teacher_link_hides_controls(page, app_url):
    page.goto(app_url + "/mnist?drop_prob1=0&hide=lr,batch_size")
    expect(page.get_by_text("Epochs", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Learning rate", exact=True)).to_have_count(0)
    expect(page.get_by_text("Batch size", exact=True)).to_have_count(0)
    page.get_by_text("Share this setup").click()
    expect(page.get_by_text(re.compile(r"hide=batch_size%2Clr"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"drop_prob1=0"))).to_be_visible()


def test_a_hostile_link_gets_notes_not_errors(page, app_url):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = {"epochs": "1e99", "lr": "nan", "drop_prob1": "-1", "seed": "<script>alert(1)</script>",
               "batch_size": "9" * 3000, "train_size": "inf"}
    page.goto(app_url + "/mnist?" + "&".join(f"{k}={quote(v)}" for k, v in hostile.items()))
    expect(page.get_by_text(re.compile("Link value fixed: epochs"))).to_be_visible(timeout=30_000)
    for name in ("lr", "drop_prob1", "seed", "batch_size", "train_size"):
        expect(page.get_by_text(re.compile(f"Link value fixed: {name}"))).to_be_visible()
    expect(page.get_by_text("Something went wrong")).to_have_count(0)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    assert not dialogs
    expect(page.get_by_role("spinbutton", name="Epochs")).to_have_value("500")
