"""A real S3-compatible server for tests: moto's server mode on loopback, behind a small HTTP
proxy that forwards every call unless told to fail some, as a store that is down or failing
does. The app is given the proxy's address; tests look into the store directly."""
from __future__ import annotations

import http.client
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REGION = "us-east-1"
# What S3 answers when it cannot serve a call (the proxy's "refuse").
UNAVAILABLE = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code>'
               b"<Message>Please reduce your request rate.</Message></Error>")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "content-length"}


class S3Server:
    """moto on a free loopback port, and the proxy the app talks to.

    `fault`: None (forward), "refuse" (503 ServiceUnavailable) or "drop" (close the connection
    unanswered); `puts_allowed`: forward this many more object uploads, refuse those after;
    `fail_next`: refuse this many calls, then forward again."""

    def __init__(self):
        from moto.server import ThreadedMotoServer
        self.fault: str | None = None
        self.puts_allowed: int | None = None
        self.fail_next = 0
        self._lock = threading.Lock()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._proxy = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._proxy.daemon_threads = True
        self._proxy_thread = threading.Thread(target=self._proxy.serve_forever, args=(0.05,),
                                              daemon=True)  # a quick shutdown

    def start(self) -> S3Server:
        self._moto.start()
        self.moto_address = self._moto.get_host_and_port()
        self._proxy_thread.start()
        self.endpoint_url = "http://%s:%d" % self._proxy.server_address[:2]
        self.client = _client(f"http://{self.moto_address[0]}:{self.moto_address[1]}")
        return self

    def stop(self) -> None:
        self._proxy.shutdown()
        self._proxy.server_close()
        self._moto.stop()

    def heal(self) -> None:
        """Forward every call again."""
        self.fault, self.puts_allowed, self.fail_next = None, None, 0

    def new_bucket(self) -> str:
        """A fresh, empty bucket (made directly, not through the proxy)."""
        name = f"frontdesk-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in the bucket: name -> bytes."""
        listed = self.client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {item["Key"]: self.client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                for item in listed}

    def _verdict(self, method: str) -> str | None:
        with self._lock:
            if self.fault:
                return self.fault
            if self.fail_next:
                self.fail_next -= 1
                return "refuse"
            if method == "PUT" and self.puts_allowed is not None:
                if self.puts_allowed == 0:
                    return "refuse"
                self.puts_allowed -= 1
            return None


def _client(endpoint_url: str):
    import boto3
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url, region_name=REGION, aws_access_key_id="testing",
        aws_secret_access_key="testing")


def _handler_for(server: S3Server):
    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as boto3 expects

        def _forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            verdict = server._verdict(self.command)
            if verdict == "drop":
                self.close_connection = True
                return
            if verdict == "refuse":
                self._answer(503, [("Content-Type", "application/xml")], UNAVAILABLE)
                return
            upstream = http.client.HTTPConnection(*server.moto_address, timeout=10)
            try:
                upstream.request(self.command, self.path, body=body, headers={
                    name: value for name, value in self.headers.items()
                    if name.lower() not in HOP_BY_HOP})
                answer = upstream.getresponse()
                data = answer.read()
                headers = [(name, value) for name, value in answer.getheaders()
                           if name.lower() not in HOP_BY_HOP]
                self._answer(answer.status, headers, data)
            finally:
                upstream.close()

        def _answer(self, status: int, headers: list, data: bytes):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        def log_message(self, *_args):
            pass
    return Proxy
