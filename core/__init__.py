"""The dropout lesson's maths, data, training loop and run management.

Nothing in ``core`` imports Streamlit; the pages import ``core``, never the reverse.
"""
