"""A throwaway PostgreSQL cluster of a test's own, which the test may stop and start (Debian's postgresql)."""
import glob
import os
import shutil
import subprocess
import tempfile

from tests.app_server import free_port


def binaries():
    """The newest /usr/lib/postgresql/*/bin, or None when PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return found[-1] if found else None


class Cluster:
    """initdb in a temporary folder as the postgres user (PostgreSQL refuses root), trust auth, loopback port."""

    def __init__(self):
        self.bin, self.port = binaries(), free_port()
        self.dir = tempfile.mkdtemp(prefix="test-postgres-")
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres("initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "postgres")
        self.start()
        self._as_postgres("createdb", "-h", "127.0.0.1", "-p", str(self.port), "classboard")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/classboard"

    def _as_postgres(self, tool, *args, check=True):
        return subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/{tool}", *args], cwd="/",
                              capture_output=True, text=True, timeout=60, check=check)

    def start(self):
        self._as_postgres("pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/server.log", "-w", "-o",
                          f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self):
        self._as_postgres("pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop", check=False)

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def available():
    """Why a cluster of one's own cannot be started here, or None."""
    if binaries() is None:
        return "PostgreSQL is not installed (.ci/run installs Debian's postgresql)"
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return "starting a cluster as the postgres user needs root and runuser"
    return None
