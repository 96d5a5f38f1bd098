"""The earlier name of `python -m benchmarks.first_point`, which this runs: the benchmark lives in benchmarks/ now."""
if __name__ == "__main__":
    import runpy

    runpy.run_module("benchmarks.first_point", run_name="__main__", alter_sys=True)
