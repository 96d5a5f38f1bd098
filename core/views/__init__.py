"""Presentation without Streamlit: what a page or a web route shows, as chart specs, sentences and plain data.

    charts.py         the lessons' charts (Altair, or Vega-Lite dicts where a page redraws at every slider move)
    board_charts.py   the class board's charts, built once per setup without data
    predict_charts.py lesson 4's frames, charts and sentences from a prediction job's events
    status.py         where a job stands, in words
    live.py           what the live route answers about a job
    source.py         a function's source for "Show the code", read without importing its module
"""
