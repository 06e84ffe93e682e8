"""The walker of test_no_server_errors: a catalogue of hostile values, the pages a role can reach
(links and forms read from the HTML it is shown), and a sender that counts which requests got
past CSRF and sign-in to the view, and which were answered with a 5xx (or an exception)."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

LONG = "x" * 100_000
# What an attacker types where a value is expected (the list).
CATALOGUE = (
    "²", "٣", "-1", "0", "9" * 30, "2147483648", "1e9999", "NaN", "", LONG, "a\x00b", "\ud800", "%",
    "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --", "\u202egnp.exe",
    "9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30",
)
# Bytes no UTF-8 decoder accepts (a lone 0xFF, an overlong slash, a cut sequence), percent-
# encoded as sent, in a query, a path or a form field.
BAD_BYTES = ("%FF%FE", "%C0%AF", "%E2%82", "%ED%A0%80x")
# Headers a client controls, each with a value a parser may choke on.
HOSTILE_HEADERS = (
    {"Accept-Language": "xx;q=NaN, *;q=1e9999, fa-IR;q=-1"},
    {"Accept-Language": "a" * 20_000},
    {"Accept-Language": "\xff\xfe"},
    {"Cookie": "session=" + "A" * 5000},
    {"Cookie": "session=.eJw.garbage.zz; frontdesk_account=\xff"},
    {"If-Modified-Since": "not a date", "If-None-Match": '"\xff"'},
    {"Range": "bytes=99999999999-1"},
    {"Range": "bytes=-0,1-a"},
    {"Origin": "null", "Referer": "javascript:alert(1)"},
    {"X-Forwarded-For": "not-an-ip, ::::", "X-Forwarded-Proto": "gopher",
     "X-Forwarded-Host": "evil\x00"},
    {"Host": "evil.example:99999"},
)
# What a body may claim to be besides a form.
CONTENT_TYPES = ("multipart/form-data", "multipart/form-data; boundary=", "text/plain",
                 "application/json", "application/x-www-form-urlencoded; charset=klingon")
# JSON values as sent (raw text: 1e9999 and NaN cannot be written by json.dumps).
DEEP = "[" * 100_000 + "]" * 100_000
# Wrong types (every JSON field gets each), then texts (each field a slice).
JSON_TYPES = ("true", "[]", "{}", "null", "1e9999", "NaN", "-1", "0", "9" * 30, "1.5",
              '{"a": "\\ud800"}')
JSON_TEXTS = (DEEP, *(json.dumps(text) for text in CATALOGUE if text != LONG), json.dumps(LONG),
              '"\\ud800"', '"\\udfff x"', '"a\\u0000b"')
JSON_CATALOGUE = JSON_TYPES + JSON_TEXTS
# Every text the walker types must reach the server as the attacker wrote it: a lone surrogate
# goes out as the bytes an encoder allowing it would write (%ED%A0%80).
ERRORS = "surrogatepass"

SOURCES = [Path(__file__).resolve().parent.parent / folder for folder in ("widget", "admin")]
# request.args.get("x"), args["x"], request.values.get("x"), values.getlist("x")...
_READ = re.compile(r"""\b(?:args|values)(?:\.get(?:list)?\(|\[)\s*["']([A-Za-z_][\w\[\]]*)["']""")
# Names read in a loop over a tuple of names, which the pattern above cannot see.
LOOPED = {"from", "to"}


def query_names() -> set[str]:
    """Every query parameter a view reads, from the source."""
    names = set(LOOPED)
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            names.update(_READ.findall(path.read_text(encoding="utf-8")))
    return names


def encode(value: str) -> str:
    """A value percent-encoded as sent (lone surrogates as their three bytes)."""
    return quote(value, safe="", errors=ERRORS)


def form_body(fields: list[tuple[str, str]]) -> bytes:
    """An application/x-www-form-urlencoded body of these fields, in order."""
    return urlencode(fields, errors=ERRORS).encode("ascii")


def rotation(seed: int, count: int, catalogue=CATALOGUE) -> list:
    """`count` values of the catalogue starting at `seed`: each field its own deterministic slice,
    so that together the fields of a form get every value."""
    return [catalogue[(seed + step) % len(catalogue)] for step in range(count)]


# --- reading pages ------------------------------------------------------------------------------

@dataclass
class HtmlForm:
    """A form as the page shows it: where it goes and what it sends untouched."""
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class _PageReader(HTMLParser):
    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url, self.links, self.forms = url, [], []
        self._form: HtmlForm | None = None
        self._select: str | None = None
        self._chosen: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._buttons: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = HtmlForm(a.get("action") or self.url, (a.get("method") or "get").lower())
            self._buttons = set()
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                if kind == "radio" and all(n != a["name"] for n, _ in self._form.fields):
                    self._form.fields.append((a["name"], a.get("value") or "on"))
                return
            if kind == "file":
                return
            if kind in ("submit", "image"):
                self._button(a)
                return
            self._form.fields.append((a["name"], a.get("value") or ("on" if kind == "checkbox"
                                                                     else "")))
        elif tag == "button" and a.get("name") and (a.get("type") or "submit") == "submit":
            self._button(a)
        elif tag == "select" and a.get("name"):
            self._select, self._chosen = a["name"], None
        elif tag == "option" and self._select is not None:
            if self._chosen is None or "selected" in a:
                self._chosen = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def _button(self, a):
        # The first named button is the one pressed; the others are other actions.
        if a["name"] not in self._buttons:
            self._buttons.add(a["name"])
            self._form.fields.append((a["name"], a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form.fields.append((self._select, self._chosen or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)


def read_page(url: str, html: str) -> tuple[list[str], list[HtmlForm]]:
    """The same-site links (paths) and the forms of a page."""
    reader = _PageReader(url)
    reader.feed(html)
    reader.close()
    links = []
    for link in reader.links:
        parts = urlsplit(link)
        if parts.scheme in ("", "http") and parts.netloc in ("", "localhost") and parts.path:
            links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    for form in reader.forms:
        parts = urlsplit(form.action)
        form.action = parts.path + (f"?{parts.query}" if parts.query else "")
    return links, reader.forms


# --- sending and counting -----------------------------------------------------------------------

@dataclass
class Tally:
    """What a role's requests came to."""
    sent: Counter = field(default_factory=Counter)  # by role
    reached: Counter = field(default_factory=Counter)  # got to the view, past sign-in and CSRF
    endpoints: dict = field(default_factory=dict)  # role -> endpoints reached
    failures: list = field(default_factory=list)

    def report(self, limit: int = 80) -> str:
        shown = [f"{role} {method} {url[:160]} [{what}] -> {answer}"
                 for role, method, url, what, answer in self.failures[:limit]]
        return f"{len(self.failures)} answers of 5xx:\n" + "\n".join(shown)


SIGN_IN_PAGES = ("/admin/login", "/account/signin")


def refused_entry(response) -> bool:
    """Whether an answer is sign-in or permission refusing the request, not the view's own."""
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "")
    return response.status_code in (301, 302, 303) and any(p in location for p in SIGN_IN_PAGES)
