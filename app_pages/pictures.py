"""Pictures a job produced (digits, weight images), encoded as PNG once for every session."""
import io

import streamlit as st
from PIL import Image


def show_pngs(container, key, pictures, **image_args):
    """container.image of pngs(key, pictures), sent as the PNGs they are.

    On output_format="auto" Streamlit re-encodes a PNG without an alpha channel as a JPEG at every rerun
    (~1 ms per picture, and blurred digits).
    """
    images = pngs(key, pictures)
    alt = image_args.pop("alt", image_args.get("caption"))  # by default a screen reader reads the caption
    if alt is not None:
        image_args["alt"] = [alt] * len(images) if isinstance(alt, str) else alt  # one text per picture
    container.image(images, output_format="PNG", **image_args)


@st.cache_data(max_entries=256, show_spinner=False)
def pngs(key, _pictures):
    """PNG bytes of a job's pictures (2-D uint8 arrays), encoded once per key for every session.

    key: what the pictures are, e.g. services.job_key(job, "digit"); _pictures(): makes them, on the first call only.
    """
    out = []
    for picture in _pictures():
        buffer = io.BytesIO()
        Image.fromarray(picture).save(buffer, format="PNG")
        out.append(buffer.getvalue())
    return out
