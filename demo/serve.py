"""`make run` (as `python -m demo.serve`): the app on http://127.0.0.1:5000, a host page on
http://localhost:8000, and the notifications the app sends, caught and shown on
http://localhost:8027/.

localhost and 127.0.0.1 are different sites to a browser, so the widget runs in a real
cross-site iframe, as it will on an organisation's website.

Notifications: a delivery worker runs in this process and sends e-mail to an SMTP catcher on
127.0.0.1:8025 and SMS to a gateway stand-in on 127.0.0.1:8026 (demo/catchers.py), unless the
person's own FRONTDESK_MAIL_* / FRONTDESK_SMS_* variables say otherwise. Ctrl-C stops everything.
"""
import contextlib
import functools
import http.server
import sys
import threading
from pathlib import Path

from demo.catchers import (MAIL_PORT, SMS_PORT, VIEWER_PORT, MailCatcher, PortInUse, SmsCatcher,
                           settings_for_catchers)
from demo.viewer import Viewer
from widget import create_app

HOST_DIR = Path(__file__).parent / "host"


def serve_host_page(port: int = 8000) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HOST_DIR))
    server = http.server.ThreadingHTTPServer(("localhost", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _announce(line: str) -> None:
    print(f"[demo] {line}  (see http://localhost:{VIEWER_PORT}/)", flush=True)


def main() -> None:
    from widget.notify import worker

    with contextlib.ExitStack() as stack:
        try:
            mail = MailCatcher(_announce).start(MAIL_PORT)
            stack.callback(mail.stop)
            sms = SmsCatcher(_announce).start(SMS_PORT)
            stack.callback(sms.stop)
            viewer = Viewer(mail, sms).start(VIEWER_PORT)
            stack.callback(viewer.stop)
        except PortInUse as error:
            sys.exit(f"demo: {error}")
        host = serve_host_page()
        stack.callback(host.server_close)
        stack.callback(host.shutdown)

        demo = settings_for_catchers(MAIL_PORT, SMS_PORT)
        app = create_app(demo.overrides)
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(app, stop),
                                  kwargs={"idle_seconds": 0.5}, name="demo-worker", daemon=True)
        thread.start()
        # Runs first on the way out: the worker stops before the servers it delivers to.
        stack.callback(thread.join, 15)
        stack.callback(stop.set)

        print("Demo host page (embeds the widget): http://localhost:8000/")
        print("Widget, standalone:                 http://127.0.0.1:5000/w/demo/")
        print(f"E-mail and SMS the demo sent:       http://localhost:{VIEWER_PORT}/")
        print(f"  SMTP catcher 127.0.0.1:{MAIL_PORT}, SMS gateway {sms.url}")
        for group, variables in demo.kept.items():
            print(f"  {group} goes where your {', '.join(variables)} says, not to the catcher")
        app.run(host="127.0.0.1", port=5000, use_reloader=False)  # returns on Ctrl-C
        print("Stopping the demo…", flush=True)


if __name__ == "__main__":
    main()
