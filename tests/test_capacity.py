"""Sizing the runner to its container, from fake cgroup files (v2 and v1)."""
import os

import pytest

from core.runner import capacity


def cgroup(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


@pytest.fixture(autouse=True)
def four_cores(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})


def test_no_limits_means_one_worker_per_core(tmp_path):
    root = cgroup(tmp_path, {"cpu.max": "max 100000\n", "memory.max": "max\n"})
    assert capacity.cpu_quota(root) is None and capacity.memory_limit(root) is None
    assert capacity.workers_that_fit(root) == 4


def test_cgroup_v2_quota_and_memory(tmp_path):
    root = cgroup(tmp_path, {"cpu.max": "200000 100000\n", "memory.max": str(2700 << 20)})
    assert capacity.available_cores(root) == 2
    assert capacity.memory_limit(root) == 2700 << 20
    assert capacity.workers_that_fit(root) == 2


def test_cgroup_v1_files(tmp_path):
    root = cgroup(tmp_path, {"cpu/cpu.cfs_quota_us": "300000", "cpu/cpu.cfs_period_us": "100000",
                             "memory/memory.limit_in_bytes": str(1 << 30)})
    assert capacity.cpu_quota(root) == 3.0
    assert capacity.memory_limit(root) == 1 << 30
    assert capacity.workers_that_fit(root) == (1024 - capacity.SERVER_MB) // capacity.WORKER_MB


def test_v1_unlimited_values_mean_no_limit(tmp_path):
    root = cgroup(tmp_path, {"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000",
                             "memory/memory.limit_in_bytes": "9223372036854771712"})
    assert capacity.cpu_quota(root) is None and capacity.memory_limit(root) is None


def test_smallest_community_cloud_container_still_gets_one_worker(tmp_path):
    root = cgroup(tmp_path, {"cpu.max": "7800 100000", "memory.max": str(690 << 20)})
    assert capacity.cpu_quota(root) == pytest.approx(0.078)
    assert capacity.available_cores(root) == 1
    assert capacity.workers_that_fit(root) == 1


def test_damaged_files_are_ignored(tmp_path):
    root = cgroup(tmp_path, {"cpu.max": "lots of cpu", "memory.max": "plenty"})
    assert capacity.workers_that_fit(root) == 4
