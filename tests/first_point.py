"""Time from pressing Train to the first moving-loss point on the page: python -m tests.first_point

Starts the real app, opens /mnist in headless Chromium and, six times with new seeds, clicks Train from
inside the page and waits (a MutationObserver) for the page to show the run's first loss point (its ETA
appears with it). Timed in the page, so the browser driver's own delays are not counted.
"""
import statistics

from playwright.sync_api import sync_playwright

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, TRAIN, running_app

CLICK_AND_WAIT = """() => new Promise(resolve => {
  const train = [...document.querySelectorAll('button')].find(b => b.innerText.trim().endsWith('Train'));
  const t0 = performance.now();
  const seen = new MutationObserver(() => {
    if (/s left/.test(document.body.innerText)) { seen.disconnect(); resolve(performance.now() - t0); }
  });
  seen.observe(document.body, {subtree: true, childList: true, characterData: true});
  train.click();
})"""


def main():
    with running_app() as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{url}/mnist")
        page.get_by_role("button", name=TRAIN).wait_for(timeout=60_000)
        page.wait_for_timeout(3000)  # the workers finish starting
        times = []
        for seed in range(800, 806):
            page.get_by_role("spinbutton", name="Seed").fill(str(seed))
            page.wait_for_timeout(300)
            times.append(page.evaluate(CLICK_AND_WAIT) / 1000)
            page.get_by_role("button", name="Stop").click()
            page.wait_for_timeout(1500)
        print(f"Train -> first loss point: median {statistics.median(times):.2f} s "
              f"({', '.join(f'{t:.2f}' for t in times)})")
        browser.close()


if __name__ == "__main__":
    main()
