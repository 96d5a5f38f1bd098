"""A page's link: widget values bound to its query parameters, bad link values fixed, hidden controls, sharing.

Widget keys are also the link's query parameters (bind="query-params"). Streamlit silently drops a bad link
value, so `fix_link` checks the raw values first against core.config, rewrites the URL with clamped values,
and returns notes that the page shows.
"""
from urllib.parse import urlencode

import streamlit as st

from core.config import PARAMS, parse_value


def _as_text(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def fix_link(page, names):
    """Clamp or drop this page's bad link values (once per session) and return the notes to show."""
    key = f"_link_notes_{page}"
    if key in st.session_state:
        return st.session_state[key]
    notes = []
    for name in names:
        raw = st.query_params.get(name)
        if raw is None:
            continue
        value, note = parse_value(name, raw)
        if value is None:
            del st.query_params[name]
        elif _as_text(value) != raw:
            st.query_params[name] = _as_text(value)
        if note:
            notes.append(note)
    st.session_state[key] = notes
    if notes:
        st.rerun()  # so the widgets read the corrected URL
    return notes


def show_link_notes(notes):
    for note in notes:
        st.warning(f"Link value fixed: {note}", icon=":material/link_off:")


def hidden():
    """Names a teacher hid through the link, e.g. ?hide=lr,batch_size."""
    return {name.strip() for name in st.query_params.get("hide", "").split(",") if name.strip()}


def hidden_value(name, default):
    """The value of a control that is hidden: its link value if valid, else the default."""
    raw = st.query_params.get(name)
    value = parse_value(name, raw)[0] if raw is not None else None
    return default if value is None else value


def param_widget(widget, name, label, default=None, **kwargs):
    """A widget for PARAMS[name], bound to the link, or its value when the teacher hid it."""
    p = PARAMS[name]
    default = p.default if default is None else default
    if name in hidden():
        return hidden_value(name, default)
    if getattr(widget, "__name__", "") in ("slider", "number_input"):  # also a column's col.slider
        kwargs.setdefault("step", p.step)
        return widget(label, *p.bounds(), p.kind(default), key=name, help=p.help,
                      bind="query-params", **kwargs)
    return widget(label, key=name, help=p.help, bind="query-params", **kwargs)


def share_link_ui(values, defaults):
    """A switch that shows a link reproducing this page's setup (and its hidden controls).

    A switch, not an expander: a plain expander's content is drawn even while closed, and the code box that
    gives the link its copy button loads a large browser module on every page load.
    """
    if not st.toggle("Share this setup", key="share_link"):
        return
    params = {k: _as_text(v) for k, v in values.items() if v != defaults.get(k)}
    if hidden():
        params["hide"] = ",".join(sorted(hidden()))
    url = (st.context.url or "") + ("?" + urlencode(params) if params else "")
    st.caption("Copy this link into the class chat; it opens the page with these settings. "
               "Add hide=name1,name2 to hide controls from students.")
    st.code(url, language=None)
