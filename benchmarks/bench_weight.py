"""What the widget costs a visitor's network: embed.js gzipped, and the bytes transferred until a
form has painted, in a real browser.

    .venv/bin/python benchmarks/bench_weight.py        (or `make bench`)

1. embed.js, the loader every host page includes: its size as served and gzipped (gzip -6, what
   a reverse proxy typically applies; -9 for reference). Goal: <= 2 KB gzipped.
2. For each form of the demo site, Debian's Chromium (Playwright, executable_path=/usr/bin/chromium
   with the browser suite's arguments, a fresh context so nothing is cached) opens a host page
   on http://localhost:HOST that embeds the widget with the organisation's two lines of HTML and
   data-form=<form>, served by the app under gunicorn on http://127.0.0.1:APP (another site: a
   real cross-site iframe). Every request the page makes is recorded with what the network
   carried for it (Playwright's request.sizes(): response headers + encoded body) until the
   iframe's load event, and the frame's first contentful paint is read. Counted: everything from
   the widget's origin (embed.js, the iframe's redirect and page, its CSS, scripts, fonts,
   images); the host page's own HTML is the integrator's and is listed but not counted; requests
   started after the frame's load are listed and not counted. The standalone form page (what
   the QR code opens) is measured the same way. Goal: <= 30 KB for the first paint of a form.

Frontdesk itself does not compress responses (nor does gunicorn); a reverse proxy may. So each
text body (HTML, CSS, JS, SVG, JSON) is also compressed here with gzip -6, and two more totals
add it to the same headers plus "Content-Encoding: gzip": behind a proxy that compresses the
static files only (safe: pages carry tokens and echo what people typed, which together with
compression invites BREACH), and one that compresses every text response. All three totals are
printed; docs/benchmarks.md says which ones meet the goal.

Exit status 0 when everything ran (goals met or not), 1 when something failed to run.
"""
from __future__ import annotations

import gzip
import secrets
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from databases import migrate_quietly  # noqa: E402
from harness import ROOT, BenchError, Server, free_port, log  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

EMBED = ROOT / "widget" / "static" / "embed.js"
EMBED_GOAL = 2048
PAGE_GOAL = 30 * 1024
GZIP_LEVEL = 6
GZIP_HEADER = len("Content-Encoding: gzip\r\n")
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


def gz(data: bytes, level: int = GZIP_LEVEL) -> int:
    """The size of data compressed as gzip -N would (no file name in the header)."""
    return len(gzip.compress(data, compresslevel=level, mtime=0))


# ------------------------------------------------------------------------------ the pages

def host_page(app_url: str, form: str) -> bytes:
    """A third-party page with the snippet an organisation copies (and nothing else of ours)."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Town hall</title></head>
<body><h1>Town hall</h1><p>Send us a request:</p>
<script src="{app_url}/static/embed.js" data-site="demo" data-lang="en" data-form="{form}" async></script>
</body></html>""".encode()


def serve_host(port: int, app_url: str) -> ThreadingHTTPServer:
    class HostPage(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            form = self.path.partition("?form=")[2]
            body = host_page(app_url, form)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("localhost", port), HostPage)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def prepare_app(tmp: Path, host_origin: str) -> tuple[dict, list[str]]:
    """A fresh SQLite database with the migrations and the demo data; returns the gunicorn
    environment and the demo site's form slugs."""
    from widget import create_app
    from widget.demo import load_demo_data
    from widget.extensions import db
    from widget.services.catalogue import list_catalogue, site_by_key

    settings = {"DATABASE_URL": f"sqlite:///{tmp / 'weight.db'}",
                "SECRET_KEY": secrets.token_hex(32), "UPLOAD_DIR": str(tmp / "uploads")}
    app = create_app(settings)
    with app.app_context():
        migrate_quietly()
        load_demo_data(host_origin)
        site = site_by_key("demo")
        slugs = [form.slug for section in list_catalogue(site) for form in section.forms]
        db.session.remove()
        db.engine.dispose()
    return {f"FRONTDESK_{key}": value for key, value in settings.items()}, slugs


# ---------------------------------------------------------------------------- the browser

@dataclass
class Resource:
    url: str
    kind: str           # Playwright's resource type: document, stylesheet, script, ...
    status: int
    headers: int        # response header bytes
    body: int           # encoded body bytes, as carried
    decoded: int        # body bytes after decoding
    gzipped: int        # the body gzip -6'd (= body for non-text types and empty bodies)
    counted: bool
    note: str = ""

    @property
    def transferred(self) -> int:
        return self.headers + self.body

    @property
    def behind_proxy(self) -> int:
        """Transferred through a proxy that gzips every text response."""
        compressed = self.gzipped < self.body
        return self.headers + (GZIP_HEADER if compressed else 0) + min(self.gzipped, self.body)

    @property
    def static_proxied(self) -> int:
        """Transferred through a proxy that gzips the static files only (pages carry tokens
        and echo what people typed: compressing them together invites BREACH)."""
        return self.behind_proxy if "/static/" in self.url else self.transferred


@dataclass
class Visit:
    label: str
    resources: list[Resource]
    paint_ms: float     # first contentful paint inside the widget's document
    load_ms: float      # the widget document's load event end

    def total(self, attribute: str) -> int:
        return sum(getattr(r, attribute) for r in self.resources if r.counted)


def visit(browser, url: str, label: str, app_origin: str, embedded: bool) -> Visit:
    """Open url in a fresh context; record every request until the widget's frame has loaded."""
    context = browser.new_context(viewport={"width": 900, "height": 700}, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    finished, order, started_after_load = [], {}, set()
    loaded = threading.Event()

    def started(request):
        order[id(request)] = len(order)
        if loaded.is_set():
            started_after_load.add(id(request))

    page.on("request", started)
    page.on("requestfinished", lambda request: finished.append(request))
    page.on("requestfailed", lambda request: finished.append(request))
    try:
        page.goto(url, wait_until="load")
        if embedded:
            page.wait_for_selector("iframe")
            frame = page.frame_locator("iframe").locator("form").first
            frame.wait_for()
            widget = next(f for f in page.frames if f.url.startswith(app_origin))
        else:
            widget = page.main_frame
        widget.wait_for_load_state("load")
        loaded.set()
        # The first contentful paint may come just after the load event.
        widget.wait_for_function(
            "() => performance.getEntriesByName('first-contentful-paint').length > 0")
        timings = widget.evaluate("""() => ({
            paint: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
            load: performance.getEntriesByType('navigation')[0].loadEventEnd})""")
        page.wait_for_timeout(500)  # whatever starts late shows in the list, not counted
        resources = []
        for request in sorted(finished, key=lambda request: order.get(id(request), 0)):
            response = request.response()
            if response is None:
                raise BenchError(f"{label}: {request.url} failed ({request.failure})")
            sizes = request.sizes()
            body = response.body() if 200 <= response.status < 300 else b""
            kind = response.headers.get("content-type", "")
            text = kind.startswith(TEXT_TYPES)
            ours = request.url.startswith(app_origin)
            late = id(request) in started_after_load
            note = ("host page: the integrator's, not counted" if not ours
                    else "started after the frame's load: not counted" if late else "")
            resources.append(Resource(
                url=request.url, kind=request.resource_type, status=response.status,
                headers=sizes["responseHeadersSize"], body=max(sizes["responseBodySize"], 0),
                decoded=len(body), gzipped=gz(body) if text and body else
                max(sizes["responseBodySize"], 0), counted=ours and not late, note=note))
    finally:
        context.close()
    return Visit(label, resources, timings["paint"], timings["load"])


# -------------------------------------------------------------------------------- the run

def embed_sizes() -> dict:
    data = EMBED.read_bytes()
    return {"raw": len(data), "gzip6": gz(data), "gzip9": gz(data, 9)}


def main() -> int:
    from playwright.sync_api import Error as PlaywrightError, sync_playwright

    if not Path(CHROMIUM).exists():
        log(f"FAILED: {CHROMIUM} is missing (apt-get install chromium; never playwright install)")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="frontdesk-weight-"))
    host_port = free_port()
    host_origin = f"http://localhost:{host_port}"
    visits = []
    try:
        env, slugs = prepare_app(tmp, host_origin)
        # Threads: a browser opens spare connections that would hold a sync worker idle (in
        # production the reverse proxy absorbs them).
        with Server("weight", "widget:create_app()", ROOT, env, tmp, "/healthz", 1,
                    ("--threads", "8")) as app:
            host = serve_host(host_port, app.url)
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                         args=CHROMIUM_ARGS)
                    try:
                        for slug in slugs:
                            visits.append(visit(browser, f"{host_origin}/?form={slug}",
                                                f"{slug}, embedded", app.url, True))
                        visits.append(visit(browser, f"{app.url}/w/demo/en/f/{slugs[0]}",
                                            f"{slugs[0]}, standalone", app.url, False))
                    finally:
                        browser.close()
            finally:
                host.shutdown()
                host.server_close()
    except (BenchError, PlaywrightError) as error:
        log(f"FAILED: {error}")
        print(f"(kept {tmp} for inspection)")
        return 1
    report(embed_sizes(), visits)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _short(url: str) -> str:
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    return "/" + path if len(path) < 60 else "/" + path[:56] + "..."


def report(embed: dict, visits: list[Visit]) -> None:
    verdict = "PASS" if embed["gzip6"] <= EMBED_GOAL else "FAIL"
    print(f"\nembed.js: {embed['raw']:,} B as served, {embed['gzip6']:,} B gzip -6, "
          f"{embed['gzip9']:,} B gzip -9; goal <= {EMBED_GOAL:,} B gzipped: {verdict}")
    for v in visits:
        print(f"\n{v.label}: first contentful paint in the widget at {v.paint_ms:.0f} ms, "
              f"its load at {v.load_ms:.0f} ms (from the widget document's start)")
        header = (f"  {'resource':<62} {'type':<10} {'status':>6} {'headers':>7} {'body':>7} "
                  f"{'sent':>7} {'gzip -6':>8} {'static':>7} {'all':>7}")
        print(header)
        for r in v.resources:
            print(f"  {_short(r.url):<62} {r.kind:<10} {r.status:>6} {r.headers:>7,} {r.body:>7,} "
                  f"{r.transferred:>7,} {r.gzipped:>8,} {r.static_proxied:>7,} "
                  f"{r.behind_proxy:>7,}"
                  + (f"  ({r.note})" if r.note else ""))
        print(f"  {'counted: the widget up to first paint':<62} {'':<10} {'':>6} "
              f"{v.total('headers'):>7,} {v.total('body'):>7,} {v.total('transferred'):>7,} "
              f"{'':>8} {v.total('static_proxied'):>7,} {v.total('behind_proxy'):>7,}")
    print(f"\nBytes for the first paint of a form (goal <= {PAGE_GOAL // 1024} KB = "
          f"{PAGE_GOAL:,} B transferred):")
    columns = (("as served", "transferred"), ("gzip static", "static_proxied"),
               ("gzip all text", "behind_proxy"))
    print(f"  {'page':<32}" + "".join(f" {title:>13} {'':4}" for title, _ in columns))
    for v in visits:
        print(f"  {v.label:<32}" + "".join(
            f" {v.total(attribute):>13,} {'PASS' if v.total(attribute) <= PAGE_GOAL else 'FAIL':4}"
            for _, attribute in columns))
    print("sent / as served = response headers + body as the network carried it (Playwright's "
          "request.sizes());\nstatic, all = behind a proxy that gzips (-6) the static files only, "
          "or every text response:\nthe same headers + Content-Encoding + the gzipped body.")


if __name__ == "__main__":
    sys.exit(main())
