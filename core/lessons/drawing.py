"""A digit drawn in the browser, turned into MNIST's format the way the dataset itself was made.

    image = decode(payload)          # the pad's grey levels, or DrawingError with one sentence
    digit = to_mnist(image)          # 28 x 28 grey levels 0..1, or None when there is (almost) nothing drawn

MNIST's digits were size-normalised to fit a 20 x 20 box, keeping their aspect ratio (anti-aliased, so grey
levels appear), then centred in a 28 x 28 image by their centre of mass. The pad sends its canvas as grey
levels (PAD x PAD bytes, base64), ink bright on black, as MNIST stores its digits.
"""
import base64
import binascii

import numpy as np
from PIL import Image

PAD = 140  # the pad's canvas is sent at this size (its 280-pixel drawing area, averaged over 2 x 2)
BOX = 20  # MNIST's digits fit a 20 x 20 box...
SIZE = 28  # ...centred by their centre of mass in 28 x 28
INK = 32  # grey levels from this one up count as ink when finding the drawing's bounding box
MIN_EXTENT = PAD // 10  # a drawing narrower and shorter than this (a dot, a speck) is "nothing drawn"
MAX_PAYLOAD = 4 * (PAD * PAD // 3 + 1) + 8  # base64 of PAD x PAD bytes, and a little slack


class DrawingError(ValueError):
    """A pad payload that is not a drawing: one sentence for the page."""


def decode(payload):
    """The pad's PAD x PAD grey levels (uint8) from its base64 payload; DrawingError if malformed or huge."""
    if not isinstance(payload, str):
        raise DrawingError("The drawing did not arrive as the pad sends it; clear the pad and draw again.")
    if len(payload) > MAX_PAYLOAD:
        raise DrawingError("The drawing is larger than the pad can send; clear the pad and draw again.")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise DrawingError("The drawing could not be read; clear the pad and draw again.") from None
    if len(raw) != PAD * PAD:
        raise DrawingError("The drawing has the wrong size; clear the pad and draw again.")
    return np.frombuffer(raw, dtype=np.uint8).reshape(PAD, PAD)


def bounding_box(image, ink=INK):
    """(top, bottom, left, right) of the ink, half-open, or None when nothing reaches the ink level."""
    rows, cols = np.nonzero(image >= ink)
    if not len(rows):
        return None
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


def to_mnist(image):
    """The drawing as MNIST would have it: 28 x 28 float grey levels 0..1; None if (almost) nothing is drawn."""
    box = bounding_box(image)
    if box is None:
        return None
    top, bottom, left, right = box
    if bottom - top < MIN_EXTENT and right - left < MIN_EXTENT:
        return None
    crop = image[top:bottom, left:right]
    scale = BOX / max(crop.shape)  # the longer side becomes 20, the other keeps the aspect ratio
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))  # PIL: (width, height)
    small = np.asarray(Image.fromarray(crop).resize(size, Image.LANCZOS), dtype=np.float64).clip(0, 255) / 255
    return centred(small)


def centred(small):
    """small (at most 20 x 20) placed in 28 x 28 so that its centre of mass sits at the centre (whole pixels)."""
    out = np.zeros((SIZE, SIZE))
    rows, cols = np.indices(small.shape)
    mass = small.sum()
    com = (np.array([(rows * small).sum(), (cols * small).sum()]) / mass if mass else
           np.array(small.shape) / 2)
    top, left = np.round(SIZE / 2 - com).astype(int)  # MNIST's digits have their centre of mass at index 14
    top = int(np.clip(top, 0, SIZE - small.shape[0]))
    left = int(np.clip(left, 0, SIZE - small.shape[1]))
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    return out


def as_pixels(digit):
    """28 x 28 grey levels 0..1 as MNIST's uint8 pixels 0..255 (flattened to 784, what the nets read)."""
    return np.round(np.asarray(digit) * 255).astype(np.uint8).reshape(-1)
