"""A throwaway PostgreSQL server for the suite's second run: `python -m tests.postgres_server
COMMAND...` starts one from Debian's binaries on a free loopback port, in a temporary folder,
runs COMMAND with TEST_DATABASE_URL pointing at an empty database, then stops it and deletes
everything. As root (CI), the server runs as the `postgres` user, since initdb refuses root."""
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


def main(command: list[str]) -> int:
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-pg-"))
    data, port = folder / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    run = lambda args: subprocess.run(_as_server_user(args), check=True,  # noqa: E731
                                      stdout=subprocess.DEVNULL)
    try:
        run([_binary("initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8",
             "--locale=C.UTF-8"])
        run([_binary("pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "-o",
             f"-p {port} -k {folder} -h 127.0.0.1 -F", "start"])
        run([_binary("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, DATABASE])
        url = f"postgresql+psycopg://{user}@127.0.0.1:{port}/{DATABASE}"
        print(f"PostgreSQL on 127.0.0.1:{port}: running {' '.join(command)}", flush=True)
        return subprocess.run(command, env={**os.environ, "TEST_DATABASE_URL": url}).returncode
    finally:
        subprocess.run(_as_server_user([_binary("pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                                        "stop"]), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        time.sleep(0.2)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
