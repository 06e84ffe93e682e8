"""`make run` (as `python -m demo.serve`): the app on http://127.0.0.1:5000 and a host page on http://localhost:8000.

localhost and 127.0.0.1 are different sites to a browser, so the widget runs in a real
cross-site iframe, as it will on an organisation's website. Ctrl-C stops both.
"""
import functools
import http.server
import threading
from pathlib import Path

from widget import create_app

HOST_DIR = Path(__file__).parent / "host"


def serve_host_page(port: int = 8000) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HOST_DIR))
    server = http.server.ThreadingHTTPServer(("localhost", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    host = serve_host_page()
    print("Demo host page (embeds the widget): http://localhost:8000/")
    print("Widget, standalone:                 http://127.0.0.1:5000/w/demo/")
    try:
        create_app().run(host="127.0.0.1", port=5000, use_reloader=False)
    finally:
        host.shutdown()
