"""The app's loggers (one per package: app_pages, core) on the server's stderr, at Streamlit's log level."""
import logging

import streamlit as st

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup():
    """Give the app's package loggers a handler once per process (Streamlit configures only its own)."""
    try:
        level = str(st.get_option("logger.level") or "info").upper()
    except Exception:  # noqa: BLE001 - an odd config value must not stop the app from logging
        level = "INFO"
    for name in ("app_pages", "core"):
        logger = logging.getLogger(name)
        if not any(getattr(h, "_dropout_app", False) for h in logger.handlers):
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter(FORMAT))
            handler._dropout_app = True
            logger.addHandler(handler)
            logger.propagate = False
        logger.setLevel(getattr(logging, level, logging.INFO))
