"""The people of the load and fault run (tests/load_run.py): threads that send a form and look up
the codes they were given, over plain HTTP/1.1 on loopback, recording every answer."""
from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable

SITE, FORM = "load", "feedback"
CODE_RE = re.compile(r'class="code tracking-code" dir="ltr">([0-9A-Z-]+)<')
STATUS_MARK = '<dd class="status">'
OUTAGE_MARK = "<h1>The service is briefly unavailable</h1>"
RESEND_EVERY = 0.5  # seconds between two sends of a form answered 503
RESEND_FOR = 60.0   # ... for at most this long


def _gist(text: str) -> str:
    return " ".join(text.split())[:200]


class People:
    """`threads` people, each sending the form (a fresh form token every time; after a 503 the
    same form again, as a person reloading the page) and looking up a code received so far,
    until told to finish. `during_outage()` says whether a 503 is expected now."""

    def __init__(self, port: int, secret: str, ids: dict, threads: int,
                 during_outage: Callable[[], bool]):
        self.port, self.secret, self.ids, self.during_outage = port, secret, ids, during_outage
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.requests: Counter = Counter()                  # "submit 200", "lookup 503", ...
        self.latencies: dict[str, list[float]] = {"submit": [], "lookup": []}
        self.codes: dict[str, tuple[str, str]] = {}         # code -> (e-mail, phone)
        self.outage_pages = 0
        self.problems: list[str] = []
        self.threads = [threading.Thread(target=self._person, args=(n,), daemon=True)
                        for n in range(threads)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        """Stop after the form in hand (a person answered 503 sends it until it is saved)."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=RESEND_FOR + 60)

    def send(self, number: int, sent: int) -> None:
        """One person's form, with an e-mail address and a phone number of its own."""
        from widget.security import issue_form_token
        email, phone = f"p{number}-{sent}@example.org", f"+8490{number % 10}{sent:06d}"
        body = urllib.parse.urlencode({
            "form_token": issue_form_token(self.secret, self.ids["site_id"], self.ids["form_id"],
                                           self.ids["version_id"]),
            "action": "send", "name": f"Person {number}", "email": email, "phone": phone,
            "message": f"Load message {number}/{sent}"})
        deadline = time.monotonic() + RESEND_FOR
        while True:
            status, page = self._post("submit", f"/w/{SITE}/en/f/{FORM}", body)
            if status != 503 or time.monotonic() > deadline:
                break
            time.sleep(RESEND_EVERY)
        match = CODE_RE.search(page) if status == 200 else None
        if match is not None:
            with self.lock:
                self.codes[match.group(1)] = (email, phone)
        elif status == 200 or 0 < status < 500:
            self._problem(f"submit: {status} without a receipt: {_gist(page)}")

    def look_up(self, code: str) -> None:
        """Look a code up: the status page, or the outage page while the database is down."""
        status, page = self._post("lookup", f"/w/{SITE}/en/track",
                                  urllib.parse.urlencode({"code": code}))
        if status == 200 and STATUS_MARK not in page:
            self._problem(f"lookup of {code}: 200 without the status page: {_gist(page)}")
        elif 0 < status < 500 and status != 200:
            self._problem(f"lookup of {code}: {status}: {_gist(page)}")

    def _person(self, number: int) -> None:
        sent = 0
        while not self.stop.is_set():
            self.send(number, sent)
            sent += 1
            with self.lock:
                known = random.choice(list(self.codes)) if self.codes else None
            if known:
                self.look_up(known)

    def _post(self, kind: str, path: str, body: str) -> tuple[int, str]:
        """POST; a 5xx is a problem unless it is the clear 503 page during the outage."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        began = time.monotonic()
        try:
            connection.request("POST", path, body,
                               {"Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            status, page = response.status, response.read().decode("utf-8", "replace")
            retry_after = response.getheader("Retry-After")
        except (OSError, http.client.HTTPException) as error:
            self._problem(f"{kind}: no answer: {type(error).__name__}: {error}")
            return 0, ""
        finally:
            connection.close()
        with self.lock:
            self.requests[f"{kind} {status}"] += 1
            self.latencies[kind].append(time.monotonic() - began)
        if status == 503 and self.during_outage() and OUTAGE_MARK in page and retry_after:
            with self.lock:
                self.outage_pages += 1
        elif status >= 500:
            when = "during" if self.during_outage() else "outside"
            self._problem(f"{kind}: {status} {when} the database outage: {_gist(page)}")
        return status, page

    def _problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


def probe_outage(port: int) -> list[str]:
    """What a person, a load balancer and an Open311 client get while PostgreSQL is down; returns
    what is wrong with it."""
    def get(path: str) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()

    problems = []
    status, headers, page = get(f"/w/{SITE}/en/f/{FORM}")
    if status != 503 or OUTAGE_MARK not in page or "Retry-After" not in headers \
            or not headers.get("Content-Security-Policy", "").endswith("frame-ancestors *"):
        problems.append(f"the form page while PostgreSQL is down: {status} {headers} {_gist(page)}")
    status, _, page = get(f"/w/{SITE}/fa/track")
    if status != 503 or 'dir="rtl"' not in page:
        problems.append(f"the Persian track page while PostgreSQL is down: {status} {_gist(page)}")
    status, _, _ = get("/healthz")
    if status != 503:
        problems.append(f"/healthz while PostgreSQL is down: {status}")
    status, _, body = get(f"/open311/v2/services.json?jurisdiction_id={SITE}")
    if status != 503 or json.loads(body)[0]["code"] != 503:
        problems.append(f"Open311 while PostgreSQL is down: {status} {_gist(body)}")
    return problems
