"""Home: what dropout is and what each lesson shows."""
import streamlit as st

st.title("Dropout, hands on")
st.markdown("""
A network with enough weights can memorise its training set, including its accidents: if, by chance,
every one of the five customers who defaulted in a sample wore a blue shirt, a model may learn
"blue shirt means default". **Dropout** (Hinton, Srivastava et al., 2012) is a simple defence: on
every training pass each hidden unit is switched off at random with probability *p*, so no unit can
count on a fixed set of partners, and the network cannot lean on any one fragile pattern.

Three lessons, each something you can run:
""")
col1, col2, col3 = st.columns(3)
with col1:
    st.page_link("app_pages/dropout.py", label="**1. Dropout playground**", icon=":material/grid_on:")
    st.caption("Apply dropout to a small matrix. See which entries survive, why the survivors are "
               "scaled by 1/(1-p), and how one mask picks one of 2ⁿ thinned networks.")
with col2:
    st.page_link("app_pages/mnist.py", label="**2. Training on MNIST**", icon=":material/show_chart:")
    st.caption("Train the lesson's 784-256-128-10 network on handwritten digits, watch the loss "
               "live, and compare runs with and without dropout side by side.")
with col3:
    st.page_link("app_pages/random_labels.py", label="**3. Random labels**", icon=":material/shuffle:")
    st.caption("The same network learns labels that carry no information at all: training accuracy "
               "reaches 100% while test accuracy stays at chance. Dropout slows the memorising.")
st.divider()
st.caption("MNIST: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, CC BY-SA 3.0. "
           "Built on MXNet 1.9 with the lesson's operations written from scratch.")
