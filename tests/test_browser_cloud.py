"""The app behind a Community Cloud stand-in (tests/cloud_proxy.py): an outer page whose iframe loads the app at
/~/+/PATH, the prefix stripped by the proxy. Every page renders in the frame, the live chart and the board's
watch are fed through the prefixed routes, the links a teacher copies are the outer address, the pad works,
and a trailing slash or an unknown path still gives a page."""
import os
import re
import time

import pytest
from playwright.sync_api import expect

from core.classboard import Board, Setup
from tests.app_server import TRAIN
from tests.cloud_proxy import PREFIX, cloud_proxy

TINY = Setup(values=(0.0, 0.5), epochs=2, lr=0.01, train_size=500, predict_first=False)
TITLES = {"": "Dropout, hands on", "dropout": "Dropout playground", "mnist": "Training on MNIST",
          "random-labels": "Memorising random labels", "predict": "Dropout at prediction time", "class": "Class board"}


@pytest.fixture(scope="module")
def cloud(app_url):
    """The outer address of the stand-in, in front of the session's app."""
    with cloud_proxy(app_url) as url:
        yield url


def app_frame(page, timeout=30):
    """The innermost frame that holds the app (under the prefix), once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = [f for f in page.frames if PREFIX + "/" in f.url]
        if frames:
            return frames[-1]
        page.wait_for_timeout(100)
    raise AssertionError(f"no frame under {PREFIX}/; frames: {[f.url for f in page.frames]}")


def no_error(frame):
    expect(frame.locator("[data-testid='stException']")).to_have_count(0)
    expect(frame.get_by_text("Something went wrong")).to_have_count(0)


def test_every_page_renders_in_the_frame(page, cloud):
    for path, title in TITLES.items():
        page.goto(f"{cloud}/{path}")
        assert page.title() == "Community Cloud stand-in"  # the outer page, not the app
        frame = app_frame(page)
        expect(frame.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=30_000)
        assert frame.url.startswith(f"{cloud}{PREFIX}/{path}")
        no_error(frame)


def test_a_run_trains_live_through_the_prefix_and_the_pad_works_after_it(page, cloud):
    answers = []
    page.on("response", lambda r: "/api/runs/" in r.url and answers.append((r.url, r.status)))
    page.goto(f"{cloud}/mnist?epochs=3&train_size=1000&lr=0.01&seed=11")
    frame = app_frame(page)
    frame.get_by_role("button", name=TRAIN).click()
    charts = frame.locator(".live .chart")
    expect(charts.first).to_have_attribute("data-rows", re.compile(r"^[1-9]\d*$"), timeout=60_000)
    expect(frame.get_by_text(re.compile("Finished in"))).to_have_count(1, timeout=60_000)
    expect(charts.nth(1)).to_have_attribute("data-rows", "6", timeout=15_000)  # 3 epochs of train and test accuracy
    assert answers and all(url.startswith(f"{cloud}{PREFIX}/api/runs/") and status == 200 for url, status in answers)
    frame.get_by_role("link", name=re.compile("Dropout at prediction time")).click()  # the same session
    expect(frame.get_by_role("heading", name="Dropout at prediction time")).to_be_visible(timeout=30_000)
    frame.get_by_text(re.compile("^My latest MNIST run")).click()
    frame.get_by_role("button", name=re.compile(r"^(\w+\s+)?Compute$")).click()
    expect(frame.get_by_text("Draw a digit first")).to_be_visible(timeout=120_000)
    pad = frame.locator(".pad canvas")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    scale = box["width"] / 280
    page.mouse.move(box["x"] + 60 * scale, box["y"] + 60 * scale)
    page.mouse.down()
    for x, y in ((220, 60), (120, 240)):  # a 7
        page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=12)
    page.mouse.up()
    expect(frame.get_by_text(re.compile(r"^Your digit\. With dropout 0\.5: "))).to_be_visible(timeout=30_000)
    no_error(frame)


def test_the_board_updates_in_the_frame_and_its_student_link_is_the_outer_address(browser, page, cloud):
    code = Board(os.environ["CLASSBOARD_URL"]).create_class(TINY)
    lost, sent = {"polls": 0, "asked": 0}, {"frames": 0}

    def first_polls_lost(route):  # the watch's first answers are Streamlit's catch-all (index.html, 200)
        lost["asked"] += 1
        if lost["polls"] >= 3:
            return route.continue_()
        lost["polls"] += 1
        return route.continue_(url=route.request.url.replace("/api/classes/", "/api-lost/classes/"))

    page.route(re.compile(r"/api/classes/"), first_polls_lost)
    page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.__setitem__("frames", sent["frames"] + 1)))
    page.goto(f"{cloud}/class?class={code}")
    board = app_frame(page)
    expect(board.get_by_role("heading", name="Class board", level=1)).to_be_visible(timeout=30_000)
    expect(board.locator("[data-testid='stApp'][data-test-script-state='notRunning']")).to_have_count(1, timeout=30_000)
    before = sent["frames"]
    deadline = time.monotonic() + 30
    while lost["asked"] < 4:  # three HTML answers read, and the watch asked again after the third
        assert time.monotonic() < deadline, f"the watch polled {lost['asked']} times in 30 s"
        page.wait_for_timeout(200)
    assert sent["frames"] == before, "an HTML answer was taken for a new version: the board reran"
    expect(board.get_by_text(f"{cloud}/mnist?class={code}", exact=True)).to_be_visible(timeout=15_000)
    runs = board.get_by_test_id("stMetric").filter(has_text="Runs finished")
    expect(runs).to_contain_text("0", timeout=15_000)
    context = browser.new_context()
    student = context.new_page()
    student.goto(f"{cloud}/mnist?class={code}&student=Ada")  # the link the board shows, as a student opens it
    frame = app_frame(student)
    expect(frame.get_by_text(f"You are in class {code}.")).to_be_visible(timeout=30_000)
    frame.get_by_role("button", name=TRAIN).click()
    expect(frame.get_by_text(re.compile(f"(will be|it is) recorded for class {code}"))).to_be_visible(timeout=30_000)
    context.close()
    expect(runs).to_contain_text("1", timeout=60_000)  # the board's watch, polling through the prefix, saw it land
    assert lost["polls"] == 3  # the HTML answers were taken for errors, not for a new version
    no_error(board)


@pytest.mark.parametrize("path, title", [("mnist/", "Training on MNIST"), ("no-such-page", "Dropout, hands on")])
def test_a_trailing_slash_or_an_unknown_path_still_gives_a_page(page, cloud, path, title):
    page.goto(f"{cloud}/{path}")
    frame = app_frame(page)
    expect(frame.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=30_000)
    no_error(frame)


def test_an_html_answer_to_a_poll_is_an_error_not_data_and_not_a_lost_run(page, cloud):
    """A proxy's HTML 404, then Streamlit's catch-all (index.html, status 200), then the real answers."""
    served = {"html": 0}

    def lost_prefix(route):
        if served["html"] >= 4:
            return route.continue_()
        served["html"] += 1
        if served["html"] <= 2:
            return route.fulfill(status=404, content_type="text/html", body="<html><body>Not Found</body></html>")
        return route.continue_(url=route.request.url.replace("/api/runs/", "/api-lost/runs/"))  # the catch-all

    page.goto(f"{cloud}/mnist?epochs=2&train_size=500&lr=0.01&seed=12")
    frame = app_frame(page)
    page.route(re.compile(r"/api/runs/"), lost_prefix)
    frame.get_by_role("button", name=TRAIN).click()
    expect(frame.get_by_text("The server is not answering; the chart will continue when it is back.")).to_be_visible(
        timeout=30_000)
    assert frame.locator(".live .chart").first.get_attribute("data-rows") is None  # no row came from the HTML
    expect(frame.get_by_text(re.compile("Finished in"))).to_have_count(1, timeout=60_000)
    expect(frame.locator(".live .chart").nth(1)).to_have_attribute("data-rows", "4", timeout=15_000)
    expect(frame.get_by_text(re.compile("no longer kept on the server"))).to_have_count(0)
    assert served["html"] == 4
    no_error(frame)
