"""A drawn digit: the pad's payload checked, turned into MNIST's format as the dataset was made, and read by
the kept nets with the same votes for the same seed."""
import base64

import numpy as np
import pytest
from PIL import Image

from core.lessons import drawing
from core.config import TrainConfig
from core.nn.train import train
from core.lessons import prediction
from core import netcache


def pad_of(canvas):
    """A 280 x 280 canvas as the pad sends it: 2 x 2 pixels averaged to 140 x 140."""
    return canvas.reshape(drawing.PAD, 2, drawing.PAD, 2).mean(axis=(1, 3)).astype(np.uint8)


def payload(image):
    return base64.b64encode(image.astype(np.uint8).tobytes()).decode()


def test_a_payload_that_is_not_a_drawing_is_refused_with_one_sentence():
    good = np.zeros((drawing.PAD, drawing.PAD), np.uint8)
    assert drawing.decode(payload(good)).shape == (drawing.PAD, drawing.PAD)
    for bad, says in ((None, "did not arrive"), (12, "did not arrive"), ("@@@not base64@@@", "could not be read"),
                      (payload(good[:10]), "wrong size"), ("A" * (drawing.MAX_PAYLOAD + 4), "larger than the pad")):
        with pytest.raises(drawing.DrawingError, match=says):
            drawing.decode(bad)


def test_a_blank_pad_or_a_single_dot_is_nothing_drawn():
    blank = np.zeros((280, 280), np.uint8)
    assert drawing.to_mnist(pad_of(blank)) is None
    dot = blank.copy()
    rows, cols = np.indices(dot.shape)
    dot[(rows - 140) ** 2 + (cols - 100) ** 2 <= 11 ** 2] = 255  # one touch of the 22-pixel pen
    assert drawing.to_mnist(pad_of(dot)) is None


def test_a_test_digit_drawn_shifted_and_enlarged_comes_back_close_to_the_original(mnist):
    # MNIST itself is size-normalised to 20 x 20 and centred by its centre of mass, so normalising an enlarged,
    # shifted copy again must give the digit back, up to resampling blur and the whole-pixel rounding of the
    # centring (a centre near a half pixel can land one pixel off): at most one pixel apart, nearly the same image.
    corr = lambda a, b: np.corrcoef(a.ravel(), b.ravel())[0, 1]  # noqa: E731
    plain, best = [], []
    for i in range(50):
        original = mnist.test_X[i].reshape(28, 28)
        canvas = np.zeros((280, 280), np.uint8)
        top, left = 20 + (i * 7) % 60, 10 + (i * 13) % 70
        canvas[top:top + 196, left:left + 196] = np.asarray(Image.fromarray(original).resize((196, 196),
                                                                                           Image.BILINEAR))
        back = drawing.to_mnist(pad_of(canvas))
        assert back.shape == (28, 28) and 0.0 <= back.min() and back.max() <= 1.0
        plain.append(corr(original, back))
        best.append(max(corr(original, np.roll(np.roll(back, dy, 0), dx, 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)))
    assert np.median(plain) >= 0.95 and min(best) >= 0.85, (np.median(plain), min(best))


def test_the_longer_side_becomes_twenty_pixels_and_the_aspect_ratio_stays():
    canvas = np.zeros((280, 280), np.uint8)
    canvas[40:240, 130:150] = 255  # a "1": 200 tall, 20 wide
    digit = drawing.to_mnist(pad_of(canvas))
    top, bottom, left, right = drawing.bounding_box((digit * 255).astype(np.uint8))
    assert bottom - top == 20 and right - left <= 3
    rows, cols = np.indices(digit.shape)
    assert abs((rows * digit).sum() / digit.sum() - 14) <= 0.5 and abs((cols * digit).sum() / digit.sum() - 14) <= 0.5


def test_the_kept_nets_give_the_same_votes_for_the_same_seed(mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("DROPOUT_NET_CACHE", str(tmp_path))
    nets = (TrainConfig(epochs=2, train_size=2000, lr=0.01, seed=5), TrainConfig(epochs=2, train_size=2000, lr=0.01,
                                                                                  seed=5, drop_prob1=0, drop_prob2=0))
    for cfg in nets:
        params = []
        list(train(cfg, mnist, trained=params))
        netcache.keep_net(cfg, params)
    pixels = tuple(mnist.test_X[0].tolist())  # a 7
    first = prediction.drawing_answers(nets, pixels, digit=1, mnist=mnist, samples=50, sample_seed=3)
    again = prediction.drawing_answers(nets, pixels, digit=1, mnist=mnist, samples=50, sample_seed=3)
    assert first == again
    dropout, plain = first
    assert sum(dropout["drawn"]["votes"]) == 50 and max(plain["drawn"]["votes"]) == 50  # no dropout: one answer
    assert 0 <= dropout["drawn"]["mc_entropy"] <= np.log(10) + 1e-9
    other = prediction.drawing_answers(nets, pixels, digit=1, mnist=mnist, samples=50, sample_seed=4)
    assert other[1] == plain  # the net without dropout does not depend on the masks' seed
    assert prediction.drawing_answers((TrainConfig(seed=999),), pixels, 1, mnist=mnist) == [None]  # not kept
