"""The dropout dashboard's router: python -m streamlit run streamlit_app.py"""
import streamlit as st

from app_pages import site, ui


def run():
    st.set_page_config(page_title="Dropout, hands on", page_icon=":material/grain:", layout="wide")
    path, title, icon = site.HOME
    pages = [st.Page(path, title=title, icon=icon, default=True)]
    pages += [st.Page(path, title=title, icon=icon, url_path=url) for path, title, icon, url in site.PAGES]
    page = st.navigation(pages)
    ui.note_visit()  # a full run of any page: this session is open (sizes the live redraw interval)
    try:
        page.run()
    finally:
        ui.set_aside_long_lived()  # once per full run, not per live tick: imports happen in page runs


run()
