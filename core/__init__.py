"""Everything below the pages, free of Streamlit (the pages import core, never the reverse).

    nn/          the lesson's library from scratch on MXNet: ops, the MLP, the training loop, MNIST
    lessons/     what each lesson computes on top of it
    views/       presentation without Streamlit: chart specs, sentences, the live route's answers
    runner/      the run service: the job table and the backends that own MXNet (worker processes, Ray)
    classboard/  the class board's storage, recorder, results and command line
    config.py    every hyperparameter once (default, range, help) and the run configs built from them
    status.py    how a run stands (one enum)
    netcache.py  trained nets kept on disk, shared by the workers
    cli.py       what the command lines share
    train.py     python -m core.train
    predict.py   python -m core.predict
    bench.py     the earlier name of python -m benchmarks.bench
"""
