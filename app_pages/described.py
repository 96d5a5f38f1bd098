"""Static charts with their words: each gets a sentence of what it shows now (Vega-Lite's `description`, the
chart's accessible name in the browser; core.views.describe writes them) and, where the page derives its rows,
a table of them one click away. Streamlit's own chart menu also has *Show data* for the rows it was given."""
import streamlit as st


def altair_ui(container, chart, sentence, table=None, **kwargs):
    """container.altair_chart(chart) named by `sentence`, then `table` (a DataFrame) in a closed expander."""
    container.altair_chart(chart.properties(description=sentence), **kwargs)
    numbers_ui(container, table)


def vega_lite_ui(container, data, spec, sentence, **kwargs):
    """container.vega_lite_chart(data, spec) named by `sentence`."""
    container.vega_lite_chart(data, {**spec, "description": sentence}, **kwargs)


def numbers_ui(container, table):
    if table is None or not len(table):
        return
    with container.expander("The chart's numbers, as a table", icon=":material/table:"):
        st.dataframe(table, hide_index=True)
