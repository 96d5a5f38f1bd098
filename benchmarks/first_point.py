"""Time from pressing Train to the first moving-loss point on the page: python -m benchmarks.first_point

Starts the real app, opens /mnist in headless Chromium and, six times with new seeds, clicks Train from
inside the page and waits for the live chart (inside its component's shadow root) to hold the run's first loss
point. Timed in the page, so the browser driver's own delays are not counted.
"""
import statistics

from playwright.sync_api import sync_playwright

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, TRAIN, running_app

CLICK_AND_WAIT = """() => new Promise(resolve => {
  const train = [...document.querySelectorAll('button')].find(b => b.innerText.trim().endsWith('Train'));
  const loss = () => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)
    .map(e => e.shadowRoot.querySelector('.live .chart')).find(c => c && Number(c.dataset.rows) > 0);
  const old = loss();  // the previous run's chart, replaced by the new run's
  const t0 = performance.now();
  const timer = setInterval(() => {
    const chart = loss();
    if (chart && chart !== old) { clearInterval(timer); resolve(performance.now() - t0); }
    else if (performance.now() - t0 > 30000) { clearInterval(timer); resolve(-1000); }
  }, 10);
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
