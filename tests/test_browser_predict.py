"""The prediction-time page in headless Chromium: a short MNIST run, then its twin pair sampled, live to the end."""
import re

from playwright.sync_api import expect

from tests.app_server import TRAIN

COMPUTE = re.compile(r"^(\w+\s+)?Compute$")  # Streamlit 1.65 reads the icon's name into the button's name too


def draw(page, canvas, strokes):
    """Draw strokes (lists of (x, y) in the pad's 280-pixel coordinates) with the mouse."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    scale = box["width"] / 280
    for stroke in strokes:
        (x, y), rest = stroke[0], stroke[1:]
        page.mouse.move(box["x"] + x * scale, box["y"] + y * scale)
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=12)
        page.mouse.up()


def test_a_session_run_and_its_twin_are_sampled_live(page, app_url):
    page.goto(app_url + "/mnist?train_size=1000&epochs=10&lr=0.01&seed=3")
    page.get_by_role("button", name=TRAIN).click()
    expect(page.get_by_text(re.compile("Finished in"))).to_be_visible(timeout=90_000)
    page.get_by_role("link", name=re.compile("Dropout at prediction time")).click()  # same session: the run is known
    expect(page.get_by_role("heading", name="Dropout at prediction time")).to_be_visible(timeout=30_000)
    page.get_by_text(re.compile("^My latest MNIST run")).click()
    page.get_by_role("button", name=COMPUTE).click()
    progress = page.locator(".live .line")  # the live component's progress lines, fed by the runs route
    expect(progress.first).to_be_visible(timeout=30_000)
    expect(progress.first).to_contain_text(re.compile(r"The net with (dropout 0\.5|no dropout): "))
    expect(page.get_by_role("heading", name="3. Inside the net")).to_be_visible(timeout=120_000)
    # The live section hands over to one rerun at the end; once it is done each sentence is there once.
    expect(progress).to_have_count(0, timeout=60_000)
    expect(page.get_by_text(re.compile(r"One thinned net per image scores \d+\.\d%"))).to_have_count(1, timeout=15_000)
    expect(page.get_by_text(re.compile(r"Hidden layer 1: \d+% of activations are zero with dropout 0\.5"))).to_have_count(
        1, timeout=15_000)
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(6)  # two in a tab not shown yet; two layers
    pad = page.locator(".pad canvas")
    expect(page.get_by_text("Draw a digit first")).to_be_visible()
    draw(page, pad, [[(60, 60), (220, 60)], [(220, 60), (120, 240)]])  # a 7, as two strokes
    answer = page.get_by_text(re.compile(r"^Your digit\. With dropout 0\.5: (all \d+ thinned nets say \d|the thinned nets "
                                         r"split \d+ / \d+ between \d and \d)"))
    expect(answer).to_be_visible(timeout=30_000)
    expect(answer).to_contain_text(re.compile(r"predictive entropy \d\.\d\d nats"))
    expect(page.get_by_text("what the nets see (28 x 28)")).to_be_visible()
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(8)  # + the votes for each of both images
    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_text("Draw a digit first")).to_be_visible(timeout=15_000)
    page.get_by_role("tab", name="The digit turned").click()
    expect(page.get_by_text("a dot per thinned net, a line through their average")).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
