"""The lesson's library, from scratch on MXNet arrays: the ops, the net, the training loop, MNIST.

    mx.py     MXNet, imported with the fixes 1.9.1 needs (numpy's np.bool alias, operator tuning off)
    ops.py    relu, dropout, softmax, softmax_cross_entropy, sgd
    model.py  the MLP's parameters and forward pass, compiled (one graph for the net and loss, one for SGD)
    train.py  the training loop as a generator of events; accuracy
    data.py   the bundled MNIST files (SHA-1 checked), subsets, noisy labels, corrupted inputs

MXNet loads only where these modules are imported: the runner's workers and its one MXNet thread.
"""
