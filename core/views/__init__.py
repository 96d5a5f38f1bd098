"""Presentation without Streamlit: what a page or a web route shows of a job, as sentences and plain data."""
