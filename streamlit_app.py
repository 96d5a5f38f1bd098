"""The dropout dashboard: streamlit run streamlit_app.py (here and on Streamlit Community Cloud).

`streamlit run` finds the App below and serves it: Streamlit's pages plus the app's own web routes (the
live charts' progress, app_pages/routes.py). Each browser session then runs this file as its script, whose
__name__ is "__main__": that part is the router.
"""
import streamlit as st

from app_pages import logs, routes, tuning

logs.setup()
tuning.apply()
app = st.App(__file__, routes=routes.ROUTES)


def run():
    from app_pages import class_ui, site

    st.set_page_config(page_title="Dropout, hands on", page_icon="🎲", layout="wide")
    st.html(site.STYLE)  # phones, keyboards: the app's few CSS fixes (app_pages/a11y.css)
    path, title, icon = site.HOME
    pages = [st.Page(path, title=title, icon=icon, default=True)]
    pages += [st.Page(path, title=title, icon=icon, url_path=url) for path, title, icon, url in site.PAGES]
    page = st.navigation(pages)
    class_ui.resume_class_runs()  # once per server process: class runs a crash or restart left unrecorded
    try:
        page.run()
    finally:
        tuning.set_aside_long_lived()  # once per full run, not per fragment rerun: imports happen in page runs


if __name__ == "__main__":
    run()
