"""The MNIST page in headless Chromium: the live chart grows from the progress route while the page's script
stays idle, the finished state is drawn once, a hidden tab stops polling, a 404 is one sentence, Stop stops."""
import re
import time

from playwright.sync_api import expect

from tests.app_server import TRAIN

SENT = "framesent"


def watch(page):
    """Counters of what the browser sends: websocket messages (script reruns) and polls of the runs route."""
    seen = {"ws": 0, "polls": 0}
    page.on("websocket", lambda ws: ws.on(SENT, lambda _: seen.__setitem__("ws", seen["ws"] + 1)))
    page.on("request", lambda r: "/api/runs/" in r.url and seen.__setitem__("polls", seen["polls"] + 1))
    return seen


def landed(page):
    """A counter of the runs route's polls that have finished or failed (none still on its way when equal)."""
    done = {"polls": 0}
    count = lambda r: "/api/runs/" in r.url and done.__setitem__("polls", done["polls"] + 1)  # noqa: E731
    page.on("requestfinished", count)
    page.on("requestfailed", count)
    return done


def rows(page, which=0):
    """Rows the live component's chart holds (its data-rows attribute, inside the component's shadow root)."""
    value = page.locator(".live .chart").nth(which).get_attribute("data-rows", timeout=10_000)
    return int(value or 0)


def wait_until(page, check, timeout=30):
    """True once check() holds, False after `timeout` s; the page's events are handled meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        page.wait_for_timeout(200)
    return False


def test_the_chart_grows_without_reruns_and_the_finished_state_is_drawn_once(page, app_url):
    seen, done = watch(page), landed(page)
    page.goto(app_url + "/mnist?epochs=12&train_size=10000&lr=0.01&seed=7")
    page.get_by_role("button", name=TRAIN).click()
    expect(page.get_by_text(re.compile(r"epoch \d+ of 12"))).to_be_visible(timeout=30_000)
    assert wait_until(page, lambda: rows(page) > 0)
    idle = page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    expect(idle).to_have_count(1, timeout=10_000)
    first = rows(page)
    assert wait_until(page, lambda: rows(page) > first, 10), "the loss chart did not grow while training"
    expect(page.get_by_text(re.compile("Finished in"))).to_have_count(1, timeout=60_000)
    expect(page.get_by_text(re.compile("mistakes, marked"))).to_be_visible()
    expect(idle).to_have_count(1, timeout=10_000)
    final = rows(page)
    assert final >= first and rows(page, 1) == 24  # 12 epochs of train and test accuracy
    # An ended run is not polled again: polls on their way have landed, then nothing for longer than the
    # slowest poll interval (a queued run's, 3 s).
    assert wait_until(page, lambda: done["polls"] == seen["polls"], 10)
    polls = seen["polls"]
    page.wait_for_timeout(4500)
    assert seen["polls"] == polls and rows(page) == final
    expect(page.get_by_text(re.compile("Finished in"))).to_have_count(1)


def test_a_hidden_tab_stops_polling_and_picks_up_when_shown(page, app_url):
    seen, done = watch(page), landed(page)
    page.goto(app_url + "/mnist?epochs=30&train_size=30000&seed=9")
    page.get_by_role("button", name=TRAIN).click()
    assert wait_until(page, lambda: rows(page) > 0)
    idle = page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    expect(idle).to_have_count(1, timeout=10_000)
    # A long run, still training: its chart grows from polls alone, with no message to the server (no rerun).
    sent, first = seen["ws"], rows(page)
    assert wait_until(page, lambda: rows(page) > first, 20), "the loss chart did not grow while training"
    assert seen["ws"] == sent and seen["polls"] > 0
    page.evaluate("""() => { Object.defineProperty(document, 'hidden', {value: true, configurable: true});
                             document.dispatchEvent(new Event('visibilitychange')); }""")
    assert wait_until(page, lambda: done["polls"] == seen["polls"], 5)  # a poll on its way when hidden lands
    hidden = seen["polls"]
    page.wait_for_timeout(3000)
    assert seen["polls"] == hidden, "polled while the tab was hidden"
    page.evaluate("""() => { Object.defineProperty(document, 'hidden', {value: false, configurable: true});
                             document.dispatchEvent(new Event('visibilitychange')); }""")
    assert wait_until(page, lambda: seen["polls"] > hidden, 5), "did not poll again once shown"
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Stopped on request.")).to_be_visible(timeout=15_000)


def test_a_run_the_server_no_longer_has_is_one_sentence(page, app_url):
    gone = '{"error": "There is no such run on this server (it may have been forgotten); press Train to run it again."}'
    page.route("**/api/runs/**", lambda route: route.fulfill(status=404, body=gone, content_type="application/json"))
    page.goto(app_url + "/mnist?epochs=30&train_size=30000&seed=10")
    page.get_by_role("button", name=TRAIN).click()
    expect(page.get_by_text("This run is no longer kept on the server. Press Train to run it again.")).to_have_count(
        1, timeout=20_000)
    page.unroute("**/api/runs/**")
    page.get_by_role("button", name="Stop").click()


def test_stop_halts_a_long_run(page, app_url):
    page.goto(app_url + "/mnist?epochs=30&train_size=30000&seed=8")
    page.get_by_role("button", name=TRAIN).click()
    expect(page.get_by_text(re.compile(r"epoch \d+ of 30"))).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Stopped on request.")).to_be_visible(timeout=10_000)
