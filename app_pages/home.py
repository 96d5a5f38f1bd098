"""Home: what dropout is and what each lesson shows."""
import streamlit as st

from app_pages import site

st.title("Dropout, hands on")
st.markdown("""
A network with enough weights can memorise its training set, including its accidents: if, by chance,
every one of the five customers who defaulted in a sample wore a blue shirt, a model may learn
"blue shirt means default". **Dropout** (Hinton, Srivastava et al., 2012) is a simple defence: on
every training pass each hidden unit is switched off at random with probability *p*, so no unit can
count on a fixed set of partners, and the network cannot lean on any one fragile pattern.

Four lessons, each something you can run, and a board for the whole class:
""")
CARDS = {
    "app_pages/dropout.py":
        "Apply dropout to a small matrix. See which entries survive, why the survivors are scaled by 1/(1-p), "
        "and how one mask picks one of 2ⁿ thinned networks.",
    "app_pages/mnist.py":
        "Train the lesson's 784-256-128-10 network on handwritten digits, watch the loss live, and compare runs "
        "with and without dropout side by side.",
    "app_pages/random_labels.py":
        "The same network learns labels that carry no information at all: training accuracy reaches 100% while "
        "test accuracy stays at chance. Dropout slows the memorising.",
    "app_pages/predict.py":
        "Check that the full net stands in for the average of many thinned nets, read their disagreement as "
        "doubt about single digits, and see dropout make hidden units fire more sparsely.",
    "app_pages/classboard.py":
        "For teachers: start a class experiment, project its QR code, and watch every student's run land on "
        "one shared sweep of the drop probability or the training-set size.",
}
for row in (site.PAGES[:3], site.PAGES[3:]):
    for column, (path, label, icon, _) in zip(st.columns(3), row):
        with column:
            st.page_link(path, label=f"**{label}**", icon=icon)
            st.caption(CARDS[path])
st.divider()
st.caption("MNIST: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, CC BY-SA 3.0. "
           "Built on MXNet 1.9 with the lesson's operations written from scratch.")
