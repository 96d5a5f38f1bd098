"""Colours and marks that keep series apart for every reader (no Streamlit here).

Okabe and Ito's eight colours stay distinct under the common colour-vision deficiencies; yellow comes last
(faint on white). Colour never works alone: series also differ by line dashes or point shapes.
"""
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
BLUE, VERMILLION = OKABE_ITO[0], OKABE_ITO[1]
DASHES = ([1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 4], [12, 4], [4, 2, 1, 2], [10, 2, 2, 2, 2, 2])
SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-right", "wedge")
