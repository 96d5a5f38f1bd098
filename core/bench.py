"""The earlier name of `python -m benchmarks.bench`, which this runs: the benchmark lives in benchmarks/ now."""
if __name__ == "__main__":
    import runpy

    runpy.run_module("benchmarks.bench", run_name="__main__", alter_sys=True)
