"""Real-browser fixtures: one live app, host pages on another site, one Chromium for the session.

The widget runs on http://127.0.0.1:APP and the host page on http://localhost:HOST: two different
sites, so the widget is a genuine cross-site iframe and Debian's Chromium blocks its cookies.
A second host server on http://localhost:OTHER is not among the demo site's allowed origins.

These fixtures are session-scoped and never touch the function-scoped app/client/db fixtures of
tests/conftest.py: the browser suite shares one database, so tests count rows they made themselves.
"""
from __future__ import annotations

import functools
import html
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.serving import make_server

from widget import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
HOST_EVENT_TYPES = ("ready", "resize", "submitted", "draft-saved")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_in_thread(server, name: str) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    return thread


@dataclass
class LiveApp:
    app: object
    url: str          # http://127.0.0.1:PORT
    host_origin: str  # the one origin the demo site allows to frame the widget

    def widget_url(self, path: str = "") -> str:
        return f"{self.url}/w/demo/{path}"

    # -- reading the database the browser writes to ------------------------------------------
    def query(self, fn):
        """Run fn(session) inside the app's context, with a fresh session each time."""
        from widget.extensions import db
        with self.app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    def requests_with(self, field_key: str, marker: str) -> list[dict]:
        """Rows (as plain dicts) whose answer for field_key contains marker, drafts included."""
        from sqlalchemy import select

        from widget.models import Request

        def find(session):
            rows = []
            for req in session.scalars(select(Request).order_by(Request.id)):
                value = req.answers.get(field_key)
                text = " ".join(value) if isinstance(value, list) else str(value or "")
                if marker in text:
                    rows.append({"id": req.id, "status": req.status, "code": req.code,
                                 "resume_code": req.resume_code, "answers": dict(req.answers),
                                 "attachments": [a.filename for a in req.attachments],
                                 "form": req.form_version.form.slug})
            return rows
        return self.query(find)

    def count_requests(self) -> int:
        from sqlalchemy import func, select

        from widget.models import Request
        return self.query(lambda session: session.scalar(select(func.count(Request.id))))


@pytest.fixture(scope="session")
def ports() -> dict:
    chosen = set()
    while len(chosen) < 3:
        chosen.add(free_port())
    app_port, host_port, other_port = chosen
    return {"app": app_port, "host": host_port, "other": other_port}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, ports) -> LiveApp:
    from flask_migrate import upgrade

    from widget.demo import load_demo_data
    from widget.extensions import db

    tmp = tmp_path_factory.mktemp("e2e")
    host_origin = f"http://localhost:{ports['host']}"
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "e2e",
        "DATABASE_URL": f"sqlite:///{tmp / 'e2e.db'}",
        "UPLOAD_DIR": str(tmp / "uploads"),
        "MIN_FILL_SECONDS": 0,
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        upgrade()
        assert load_demo_data(host_origin)
        db.session.remove()
    server = make_server("127.0.0.1", ports["app"], app, threaded=True)
    thread = _serve_in_thread(server, "e2e-app")
    yield LiveApp(app=app, url=f"http://127.0.0.1:{ports['app']}", host_origin=host_origin)
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


# Host page layouts a site may have around the widget (with `tall`): a fixed header over the
# top of the screen, the same declared to the browser as scroll-padding, or the page's content
# in a pane that scrolls by itself while the window does not (app-like sites).
HOST_LAYOUTS = {
    "": ("", "", ""),
    "header": ("<style>.masthead{position:fixed;top:0;left:0;right:0;height:64px;"
               "background:#036;color:#fff} body{margin-top:72px}</style>",
               '<div class="masthead">Town hall</div>', ""),
    "padded": ("<style>.masthead{position:fixed;top:0;left:0;right:0;height:64px;"
               "background:#036;color:#fff} body{margin-top:72px} "
               "html{scroll-padding-top:64px}</style>",
               '<div class="masthead">Town hall</div>', ""),
    "pane": ("<style>html,body{height:100%;margin:0;overflow:hidden} "
             ".pane{height:100%;overflow-y:auto}</style>", '<div class="pane">', "</div>"),
}


def host_page_html(app_url: str, lang: str = "en", form: str = "", tall: bool = False,
                   layout: str = "") -> str:
    """A third-party page embedding the widget, recording what the loader reports; `tall` puts
    a block taller than any screen above the widget; `layout` one of HOST_LAYOUTS."""
    style, opening, closing = HOST_LAYOUTS[layout]
    attrs = f'data-site="demo" data-lang="{html.escape(lang)}"'
    if form:
        attrs += f' data-form="{html.escape(form)}"'
    hook = " ".join(f'Frontdesk.on("{t}", function (e) {{ hostEvents.push(e); }});'
                    for t in HOST_EVENT_TYPES)
    # The frame's page loads, so a test can tell when the latest one has greeted the loader.
    hook += " Frontdesk.frame.addEventListener('load', function () { window.frameLoads += 1; });"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Host page</title>
{style}</head>
<body>{opening}
<h1>Town hall</h1>
<p>Send us a request:</p>
{'<div id="news" style="height:2400px">Town news</div>' if tall else ""}
<script>
  window.hostEvents = [];
  window.frameLoads = 0;
  window.hookFrontdesk = function () {{
    if (window.hostHooked || !window.Frontdesk) return;
    window.hostHooked = true;
    {hook}
  }};
  // The loader is async: hook it the moment it has run (onload), or by polling as a fallback.
  (function poll() {{ window.hookFrontdesk(); if (!window.hostHooked) setTimeout(poll, 5); }})();
</script>
<script src="{app_url}/static/embed.js" {attrs} async onload="hookFrontdesk()"></script>
<footer><p>Host footer</p></footer>
{closing}</body></html>"""


def _host_handler(app_url: str):
    class HostPage(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            url = urlsplit(self.path)
            if url.path != "/":
                self.send_error(404)
                return
            query = parse_qs(url.query)
            body = host_page_html(app_url, lang=query.get("lang", ["en"])[0],
                                  form=query.get("form", [""])[0],
                                  tall="tall" in query,
                                  layout=query.get("layout", [""])[0] if query.get(
                                      "layout", [""])[0] in HOST_LAYOUTS else "").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep the test output quiet
            pass

    return HostPage


def _host_server(port: int, app_url: str):
    server = ThreadingHTTPServer(("localhost", port), _host_handler(app_url))
    server.daemon_threads = True
    thread = _serve_in_thread(server, f"e2e-host-{port}")
    return server, thread


@pytest.fixture(scope="session")
def host_url(live_app, ports) -> str:
    """The allowed host page: http://localhost:HOST/ (?lang=..&form=.. pick the snippet's options,
    ?tall=1 puts the widget below a block taller than the screen, ?layout= one of HOST_LAYOUTS)."""
    server, thread = _host_server(ports["host"], live_app.url)
    yield f"http://localhost:{ports['host']}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="session")
def foreign_host_url(live_app, ports) -> str:
    """The same host page on an origin the demo site does not allow."""
    server, thread = _host_server(ports["other"], live_app.url)
    yield f"http://localhost:{ports['other']}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        yield playwright


class CalmBrowser:
    """Chromium whose new contexts ask for reduced motion unless a test says otherwise: the
    loader then jumps the host page to what matters instead of gliding there. A click Playwright
    makes while the host page glides lands where the button was and is lost (measured: 1 click
    in about 20 on a phone, and a CI run failed on it); people wait for the glide, Playwright
    does not. Even a jump can fall between Playwright's aim and its click: every pointer action
    waits for a still host page (pointer_actions_wait_for_a_still_host). Tests of the glide
    itself pass reduced_motion="no-preference" and wait out the glide with `settle`
    (test_widget.py)."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("reduced_motion", "reduce")
        return self._browser.new_context(**options)

    def new_page(self, **options):
        options.setdefault("reduced_motion", "reduce")
        return self._browser.new_page(**options)

    def __getattr__(self, name):
        return getattr(self._browser, name)


# Still: the frame's latest page has greeted the loader, and neither the host page's scroll nor
# the frame's place and size changed for `frames` animation frames; or `limit` ms passed (a frame
# showing another origin's page never greets). A page without the loader: at once.
HOST_STILL = """([frames, limit]) => new Promise(resolve => {
  if (!window.Frontdesk || !window.hostEvents) { resolve(); return; }
  const given = performance.now();
  let last = "", same = 0;
  (function look() {
    const f = window.Frontdesk.frame;
    const readies = window.hostEvents.filter(e => e.type === "ready").length;
    const now = [window.scrollY, f.getBoundingClientRect().top, f.offsetHeight].join();
    same = readies >= window.frameLoads && now === last ? same + 1 : 0;
    last = now;
    if (same >= frames || performance.now() - given > limit) resolve();
    else requestAnimationFrame(look);
  })();
})"""


def host_still(page, frames: int = 2, limit_ms: int = 3000) -> None:
    """Wait until the host page has stopped moving (see HOST_STILL)."""
    from playwright.sync_api import Error as PlaywrightError
    try:
        page.evaluate(HOST_STILL, [frames, limit_ms])
    except PlaywrightError:  # the page is being replaced: nothing on it to wait for
        pass


POINTER_ACTIONS = ("click", "dblclick", "tap", "check", "uncheck", "set_checked", "hover")


@pytest.fixture(scope="session", autouse=True)
def pointer_actions_wait_for_a_still_host():
    """Every click (and check, tap...) first waits for the host page to be still. Playwright
    finds where the element is, then clicks there; the loader moves the host page once a new
    page of the frame has greeted it (a jump, with reduced motion), and a move between the two
    sends the click elsewhere: lost (a CI run failed on a resumed draft's Send button)."""
    from playwright.sync_api import Locator
    originals = {name: getattr(Locator, name) for name in POINTER_ACTIONS}

    def waiting(original):
        @functools.wraps(original)
        def act(self, *args, **kwargs):
            host_still(self.page)
            return original(self, *args, **kwargs)
        return act
    for name, original in originals.items():
        setattr(Locator, name, waiting(original))
    yield
    for name, original in originals.items():
        setattr(Locator, name, original)


@pytest.fixture(scope="session")
def browser(playwright_driver):
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
    yield CalmBrowser(chromium)
    chromium.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 900, "height": 700}, locale="en-GB")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture(scope="session")
def sample_pdf(tmp_path_factory):
    """A small but real PDF (one empty page)."""
    path = tmp_path_factory.mktemp("files") / "birth-certificate.pdf"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path
