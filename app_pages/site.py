"""The app's pages, once: the router builds its navigation from them and the home page its cards."""
import pathlib

STYLE = pathlib.Path(__file__).with_name("a11y.css")  # CSS for the whole app (phones, focus, formulas)
HOME = ("app_pages/home.py", "Start here", ":material/school:")  # (script, title, icon)
PAGES = [  # (script, title, icon, URL path)
    ("app_pages/dropout.py", "1. Dropout playground", ":material/grid_on:", "dropout"),
    ("app_pages/mnist.py", "2. Training on MNIST", ":material/show_chart:", "mnist"),
    ("app_pages/random_labels.py", "3. Random labels", ":material/shuffle:", "random-labels"),
    ("app_pages/predict.py", "4. Dropout at prediction time", ":material/casino:", "predict"),
    ("app_pages/classboard.py", "Class board", ":material/groups:", "class"),
]
