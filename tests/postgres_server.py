"""A throwaway PostgreSQL server from Debian's binaries, on a free loopback port in a temporary
folder, deleted afterwards. As root (CI), the server runs as the `postgres` user, since initdb
refuses root.

`python -m tests.postgres_server COMMAND...` (the suite's second run) starts one, runs COMMAND
with TEST_DATABASE_URL pointing at an empty database, then stops it and deletes everything.

From Python, `with PostgresServer() as server:` gives `server.url`, and `server.stop()`,
`server.start()` and `server.restart()` take it down and bring it back on the same port with the
same data (the fault runs restart the database under load)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATABASE = "frontdesk_test"


def _binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise SystemExit(f"{name} not found: install Debian's postgresql package")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresServer:
    """One throwaway server with one empty database; a context manager that deletes it all."""

    def __init__(self, database: str = DATABASE):
        self.database = database
        self.folder = Path(tempfile.mkdtemp(prefix="frontdesk-pg-"))
        self.data, self.port = self.folder / "data", _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
        self.url = f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"
        self.log_path = self.folder / "server.log"

    def _run(self, args: list[str]) -> None:
        subprocess.run(_as_server_user(args), check=True, stdout=subprocess.DEVNULL)

    def _pg_ctl(self, *args: str) -> list[str]:
        return [_binary("pg_ctl"), "-D", str(self.data), "-w", *args]

    def create(self) -> PostgresServer:
        """initdb, start, and create the empty database."""
        self._run([_binary("initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust",
                   "-E", "UTF8", "--locale=C.UTF-8"])
        self.start()
        self.create_database(self.database)
        return self

    def create_database(self, name: str) -> str:
        """Another empty database on the same server; returns its URL."""
        self._run([_binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                   name])
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def start(self) -> None:
        """Start (again) on the same port; returns once it accepts connections."""
        # -F: no fsync; a throwaway server has nothing to keep after a power cut.
        self._run(self._pg_ctl("-l", str(self.log_path), "-o",
                               f"-p {self.port} -k {self.folder} -h 127.0.0.1 -F", "start"))

    def stop(self, mode: str = "fast") -> None:
        """Stop; "fast" ends every session at once, as an administrator's restart does."""
        self._run(self._pg_ctl("-m", mode, "stop"))

    def restart(self, mode: str = "fast") -> None:
        """Stop and start again on the same port."""
        self.stop(mode)
        self.start()

    def destroy(self) -> None:
        """Stop if running and delete the folder."""
        subprocess.run(_as_server_user(self._pg_ctl("-m", "fast", "stop")),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.2)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        try:
            return self.create()
        except BaseException:
            self.destroy()
            raise

    def __exit__(self, *_exc) -> None:
        self.destroy()


def main(command: list[str]) -> int:
    with PostgresServer() as server:
        print(f"PostgreSQL on 127.0.0.1:{server.port}: running {' '.join(command)}", flush=True)
        return subprocess.run(command, env={**os.environ, "TEST_DATABASE_URL": server.url}).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
