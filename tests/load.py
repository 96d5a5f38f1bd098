"""The earlier name of `python -m benchmarks.load`, which this runs: the benchmark lives in benchmarks/ now."""
if __name__ == "__main__":
    import runpy

    runpy.run_module("benchmarks.load", run_name="__main__", alter_sys=True)
