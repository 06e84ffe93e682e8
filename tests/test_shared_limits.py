"""Rate limits shared by several processes: with FRONTDESK_REDIS_URL set, two app processes
(gunicorn, as on two machines) count against one limit kept in a real Redis server on loopback;
without it, each counts alone."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import settings_for
from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def redis_url(tmp_path):
    if shutil.which("redis-server") is None:  # `make test` installs Debian's redis-server
        pytest.skip("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@contextmanager
def two_processes(tmp_path, storage_url: str):
    """Two app processes (gunicorn, one worker each) on one database, as two machines would be,
    limiting lookups to 3 a minute; yields their base URLs."""
    from widget import create_app
    from widget.extensions import db
    from widget.models import Organization, Site
    settings = settings_for(tmp_path, RATELIMIT_ENABLED=True, REDIS_URL=storage_url,
                            RATE_LIMIT_LOOKUP="3 per minute")
    app = create_app(settings)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add(Site(key="rl", name="rl", allowed_origins=[], organization=Organization(
            slug="rl", names={"en": "RL"}, country="VN", timezone="Asia/Ho_Chi_Minh")))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    env = {**os.environ, **{f"FRONTDESK_{key}": str(value) for key, value in settings.items()}}
    ports = [free_port(), free_port()]
    servers = [subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b",
                                 f"127.0.0.1:{port}", "widget:create_app()"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for port in ports]
    try:
        for port in ports:
            _wait_for(port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            assert time.monotonic() < deadline, f"the app on port {port} did not start"
            time.sleep(0.1)


def lookups(urls: list[str], count: int) -> list[int]:
    """Post `count` code lookups, alternating between the processes; their statuses."""
    statuses = []
    for n in range(count):
        request = urllib.request.Request(
            f"{urls[n % 2]}/w/rl/en/track", data=b"code=0000-0000-0000-00", method="POST",
            headers={"Sec-Fetch-Site": "same-origin"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


def test_two_processes_share_one_limit_in_redis(tmp_path, redis_url):
    with two_processes(tmp_path, redis_url) as urls:
        assert lookups(urls, 5) == [404, 404, 404, 429, 429]


def test_in_memory_each_process_counts_alone(tmp_path):
    """Why Redis is needed: without it, each process lets its own three through."""
    with two_processes(tmp_path, "") as urls:
        assert lookups(urls, 6) == [404] * 6
