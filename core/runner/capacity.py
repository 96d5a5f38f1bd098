"""How many training workers this container can hold: its CPU quota and its memory limit.

Hosted containers (Streamlit Community Cloud) show the host's cores and memory to os.cpu_count() and
/proc/meminfo; the cgroup files say what this app may really use. Both cgroup v2 and v1 are read.
"""
import os

CGROUP = "/sys/fs/cgroup"
SERVER_MB = 320  # the Streamlit server with a class connected (PSS, measured)
WORKER_MB = 230  # one warm worker: MXNet, MNIST as uint8, its memory pool (PSS, measured)
NO_LIMIT = 1 << 60  # cgroup v1 writes a huge number for "unlimited"


def _read(root, *names):
    for name in names:
        try:
            with open(os.path.join(root, name)) as f:
                return f.read().split()
        except OSError:
            continue
    return None


def cpu_quota(root=CGROUP):
    """Cores allowed by the cgroup's CPU quota (may be fractional), or None when unlimited."""
    v2 = _read(root, "cpu.max")
    try:
        if v2:
            return None if v2[0] == "max" else int(v2[0]) / int(v2[1])
        quota, period = _read(root, "cpu/cpu.cfs_quota_us", "cpu.cfs_quota_us"), \
            _read(root, "cpu/cpu.cfs_period_us", "cpu.cfs_period_us")
        if quota and period and int(quota[0]) > 0:
            return int(quota[0]) / int(period[0])
    except (ValueError, IndexError, ZeroDivisionError):
        pass
    return None


def memory_limit(root=CGROUP):
    """Bytes of memory the cgroup allows, or None when unlimited."""
    value = _read(root, "memory.max", "memory/memory.limit_in_bytes", "memory.limit_in_bytes")
    try:
        if value and value[0] != "max" and int(value[0]) < NO_LIMIT:
            return int(value[0])
    except ValueError:
        pass
    return None


def available_cores(root=CGROUP):
    """Whole cores this process may use: its affinity mask, capped by the CPU quota (at least 1)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = cpu_quota(root)
    if quota is not None:
        cores = min(cores, int(quota))
    return max(1, cores)


def workers_that_fit(root=CGROUP):
    """Workers to start: one per core, no more than fit in memory beside the server, and at least one."""
    cores = available_cores(root)
    limit = memory_limit(root)
    if limit is None:
        return cores
    fit = (limit // (1 << 20) - SERVER_MB) // WORKER_MB
    return max(1, min(cores, int(fit)))
