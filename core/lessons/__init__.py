"""The lessons' computations on top of core.nn: what each page asks of the nets.

    playground.py  lesson 1: dropout on a small matrix, many draws averaged, one thinned net's mask
    memorize.py    lesson 3: the runs that show memorising, and what their events say
    thinned.py     lesson 4: thinned nets sampled from a trained net, and the full net (MXNet)
    measures.py    lesson 4: predictive entropy, activation statistics, weight images (numpy only)
    prediction.py  lesson 4: the job a worker runs for a prediction request, and a drawn digit's answers
    drawing.py     lesson 4: a drawn digit turned into MNIST's format
    questions.py   predict, then see: the questions before a solo run and their answers beside the outcome
"""
