"""The dropout dashboard's router: python -m streamlit run streamlit_app.py"""
import streamlit as st

from app_pages import ui


def run():
    st.set_page_config(page_title="Dropout, hands on", page_icon=":material/grain:", layout="wide")
    pages = [
        st.Page("app_pages/home.py", title="Start here", icon=":material/school:", default=True),
        st.Page("app_pages/dropout.py", title="1. Dropout playground", icon=":material/grid_on:", url_path="dropout"),
        st.Page("app_pages/mnist.py", title="2. Training on MNIST", icon=":material/show_chart:", url_path="mnist"),
        st.Page("app_pages/random_labels.py", title="3. Random labels", icon=":material/shuffle:",
                url_path="random-labels"),
        st.Page("app_pages/predict.py", title="4. Dropout at prediction time", icon=":material/casino:",
                url_path="predict"),
        st.Page("app_pages/classboard.py", title="Class board", icon=":material/groups:", url_path="class"),
    ]
    page = st.navigation(pages)
    ui.note_visit()  # a full run of any page: this session is open (sizes the live redraw interval)
    page.run()


run()
