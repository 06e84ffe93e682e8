"""The demo's viewer page: what the mail catcher and the SMS gateway stand-in received, newest
first (demo/catchers.py). Not part of the widget."""
from __future__ import annotations

import html
import urllib.parse
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler

from demo.catchers import (VIEWER_PORT, CaughtMail, CaughtSms, HttpService, MailCatcher,
                           SmsCatcher, OwnedServer)
from widget.notify.sms_text import analyse

# --- the viewer page ----------------------------------------------------------------------------
# A stand-in for the person's mailbox and phone, not part of the widget: its own text is
# English only on purpose (the messages it shows are in whatever language the app wrote them).

REFRESH_SECONDS = 3
# Defence in depth: the page has no script at all, and a message's HTML runs in a sandboxed
# iframe (sandbox="": no scripts, forms, popups or same-origin access), which inherits this policy.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src * data:; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")
_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem;
       color: #1d2330; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.note, .meta { color: #5b6475; font-size: .9rem; }
article { border: 1px solid #d5dae3; border-radius: 6px; padding: .75rem 1rem; margin: 0 0 .75rem; }
article h3 { font-size: 1rem; margin: .25rem 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f5f7fa; padding: .5rem;
      margin: .5rem 0; font: inherit; }
iframe { width: 100%; height: 18rem; border: 1px solid #d5dae3; background: #fff; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 .75rem; margin: 0; }
dt { color: #5b6475; } dd { margin: 0; overflow-wrap: anywhere; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _time(moment: datetime) -> str:
    return f'<time datetime="{_e(moment.isoformat())}">{_e(moment.strftime("%Y-%m-%d %H:%M:%S"))}</time>'


def _lang(value: str) -> str:
    return f' lang="{_e(value)}"' if value else ""


def _render_mail(mail: CaughtMail) -> str:
    subject = mail.header("Subject") or "(no subject)"
    lang = mail.header("Content-Language")
    text, body_html = mail.text, mail.html
    parts = [f'<article><h3 dir="auto"{_lang(lang)}>{_e(subject)}</h3><dl>',
             f"<dt>received</dt><dd>{_time(mail.received_at)}</dd>",
             f"<dt>to</dt><dd>{_e(mail.header('To') or ', '.join(mail.rcpt_tos))}</dd>",
             f"<dt>from</dt><dd>{_e(mail.header('From') or mail.mail_from)}</dd>"]
    for label, value in (("language", lang), ("Message-ID", mail.header("Message-ID"))):
        if value:
            parts.append(f"<dt>{label}</dt><dd>{_e(value)}</dd>")
    parts.append("</dl>")
    parts.append(f'<p class="meta">Text part</p><pre dir="auto"{_lang(lang)}>{_e(text)}</pre>'
                 if text else '<p class="meta">No text part.</p>')
    if body_html:
        parts.append('<p class="meta">HTML part (sandboxed: no scripts run)</p>'
                     f'<iframe sandbox="" referrerpolicy="no-referrer" title="HTML part of message '
                     f'{mail.number}" srcdoc="{_e(body_html)}"></iframe>')
    else:
        parts.append('<p class="meta">No HTML part.</p>')
    parts.append("</article>")
    return "".join(parts)


def _render_sms(sms: CaughtSms) -> str:
    info = analyse(sms.text)
    return (f"<article><h3>SMS to {_e(sms.to)}</h3><dl>"
            f"<dt>received</dt><dd>{_time(sms.received_at)}</dd>"
            + (f"<dt>sender</dt><dd>{_e(sms.sender)}</dd>" if sms.sender else "")
            + f"<dt>size</dt><dd>{info.length} characters, {_e(info.encoding)}, "
            f"{info.segments} part{'s' if info.segments != 1 else ''}</dd>"
            f"<dt>reference</dt><dd>{_e(sms.reference)}</dd>"
            f"<dt>gateway id</dt><dd>{_e(sms.id)}</dd></dl>"
            f'<pre dir="auto">{_e(sms.text)}</pre></article>')


def render_page(mails: list[CaughtMail], messages: list[CaughtSms], mail_at: str = "",
                sms_at: str = "") -> str:
    """The viewer page: every e-mail and SMS, newest first, every value escaped."""
    mail_html = "".join(_render_mail(mail) for mail in reversed(mails)) or \
        '<p class="note">No e-mail yet.</p>'
    sms_html = "".join(_render_sms(sms) for sms in reversed(messages)) or \
        '<p class="note">No SMS yet.</p>'
    where = " ".join(filter(None, [f"E-mail caught by the SMTP server on {_e(mail_at)}." if mail_at else "",
                                   f"SMS caught by the gateway at {_e(sms_at)}." if sms_at else ""]))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Frontdesk demo: mailbox and phone ({len(mails)} e-mail, {len(messages)} SMS)</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Frontdesk demo: mailbox and phone</h1>"
        f'<p class="note">What the demo sent, newest first; this page reloads every '
        f"{REFRESH_SECONDS} seconds. {where} Nothing is delivered anywhere else, and "
        "everything is forgotten when the demo stops.</p>"
        f'<section><h2>E-mail ({len(mails)})</h2>{mail_html}</section>'
        f'<section><h2>SMS ({len(messages)})</h2>{sms_html}</section>'
        "</body></html>")


class _ViewerHandler(BaseHTTPRequestHandler):
    server: OwnedServer
    server_version = "FrontdeskDemoViewer/1"

    def do_GET(self):  # noqa: N802 - http.server's naming
        if urllib.parse.urlsplit(self.path).path != "/":
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        viewer = self.server.owner
        body = render_page(viewer.mail.mails(), viewer.sms.messages(),
                           f"{viewer.mail.host}:{viewer.mail.port}", viewer.sms.url).encode()
        self.send_response(HTTPStatus.OK)
        for name, value in {"Content-Type": "text/html; charset=utf-8",
                            "Content-Length": str(len(body)),
                            "Content-Security-Policy": CSP,
                            "X-Content-Type-Options": "nosniff",
                            "Referrer-Policy": "no-referrer",
                            "Cache-Control": "no-store"}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # the page reloads every few seconds: keep quiet
        pass


class Viewer(HttpService):
    """The page on http://localhost:8027/ that lists what the two catchers received."""

    handler = _ViewerHandler
    what, default_port = "Viewer page", VIEWER_PORT

    def __init__(self, mail: MailCatcher, sms: SmsCatcher):
        super().__init__()
        self.mail, self.sms = mail, sms
