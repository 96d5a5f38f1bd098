"""A small container for the app, as a host gives one: 1 core and MB megabytes that the app reads as its own.

    with Container(690) as box:                    # cgroup v1 (this machine); needs root
        running_app(wrap=box.command)              # the app and its workers start inside it
        box.figures()                              # {"limit_mb", "peak_mb", "limit_hits", "oom_kills", ...}

Two child cgroups (memory, cpu) under this process's own ones: memory.limit_in_bytes = MB, and a CFS quota of
one period per period (1 core). The app's command is started by a small shell that moves itself into both, then
`unshare --cgroup --mount`: in its new cgroup namespace its cgroup is the root, and each hierarchy mounted at a
fresh folder and bind-mounted over /sys/fs/cgroup/memory and /sys/fs/cgroup/cpu shows the app its own limits
(core/runner/capacity.py reads them to choose its workers). The kernel kills what overruns the memory limit;
limit hits (memory.failcnt) and kills (oom_kill in memory.oom_control) are read afterwards. The cgroups are
removed at the end. Everything else on the machine is left as it was (a private mount namespace).
"""
import os
import pathlib
import shutil
import tempfile
import time
import uuid

CGROUP = pathlib.Path("/sys/fs/cgroup")
HIERARCHIES = ("memory", "cpu")

# $1, $2: the two cgroup folders; $3: an empty folder for the mounts; the rest: the command. The mounts stay in
# the new mount namespace (unshare makes it private) and vanish with it.
ENTER = r"""set -e
echo $$ > "$1/cgroup.procs"
echo $$ > "$2/cgroup.procs"
export CONTAINER_MOUNTS="$3"
shift 3
exec unshare --cgroup --mount sh -c '
set -e
for h in memory cpu; do
    mkdir "$CONTAINER_MOUNTS/$h"
    mount -t cgroup -o "$h" cgroup "$CONTAINER_MOUNTS/$h"
    mount --bind "$CONTAINER_MOUNTS/$h" "/sys/fs/cgroup/$h"
done
unset CONTAINER_MOUNTS
exec "$@"' sh "$@"
"""


def own_cgroup(hierarchy):
    """This process's cgroup folder in a v1 hierarchy (e.g. /sys/fs/cgroup/memory/some/group)."""
    for line in pathlib.Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if hierarchy in controllers.split(","):
            return CGROUP / hierarchy / path.lstrip("/")
    raise RuntimeError(f"no cgroup v1 {hierarchy} hierarchy here (--container needs cgroup v1 and root)")


class Container:
    """Two child cgroups (1 core, `mb` MB) and the command prefix that starts a program inside them."""

    def __init__(self, mb, cores=1):
        if os.geteuid() != 0 or not shutil.which("unshare"):
            raise RuntimeError("--container needs root and unshare(1)")
        self.mb, self.cores = mb, cores
        name = f"dropout-container-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.dirs = {h: own_cgroup(h) / name for h in HIERARCHIES}

    def __enter__(self):
        self.mounts = tempfile.mkdtemp(prefix="container-mounts-")
        try:
            for path in self.dirs.values():
                path.mkdir()
            memory, cpu = self.dirs["memory"], self.dirs["cpu"]
            (memory / "memory.limit_in_bytes").write_text(str(self.mb << 20))
            period = int((cpu / "cpu.cfs_period_us").read_text())
            (cpu / "cpu.cfs_quota_us").write_text(str(int(period * self.cores)))
        except BaseException:
            self.__exit__()
            raise
        return self

    @property
    def command(self):
        """Put before a command (a list) to run it inside the container."""
        return ["sh", "-c", ENTER, "container", str(self.dirs["memory"]), str(self.dirs["cpu"]), self.mounts]

    def _read(self, name):
        return (self.dirs["memory"] / name).read_text()

    def figures(self):
        """The memory cgroup's limit, peak use, limit hits and kills so far, and its CPU throttling."""
        oom = dict(line.split() for line in self._read("memory.oom_control").splitlines())
        stat = dict(line.split() for line in (self.dirs["cpu"] / "cpu.stat").read_text().splitlines())
        return {"limit_mb": self.mb, "cores": self.cores,
                "peak_mb": int(self._read("memory.max_usage_in_bytes")) / (1 << 20),
                "limit_hits": int(self._read("memory.failcnt")), "oom_kills": int(oom.get("oom_kill", 0)),
                "throttled_s": int(stat.get("throttled_time", 0)) / 1e9}

    def __exit__(self, *exc):
        """Remove the cgroups once their processes have gone (the app was stopped before this)."""
        deadline = time.monotonic() + 30
        for path in self.dirs.values():
            while path.is_dir():
                try:
                    path.rmdir()
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{path} still holds processes; remove it by hand once they end")
                    time.sleep(0.2)
        shutil.rmtree(self.mounts, ignore_errors=True)  # empty folders: the mounts went with their namespace
        return False


def text(fig):
    """One line for the report."""
    return (f"Container: {fig['cores']} core, {fig['limit_mb']} MB: peak {fig['peak_mb']:.0f} MB charged to it "
            f"(what the kernel holds against the limit: pages first used inside it, page cache included), "
            f"limit hits {fig['limit_hits']}, processes killed {fig['oom_kills']}, "
            f"CPU throttled {fig['throttled_s']:.1f} s")
