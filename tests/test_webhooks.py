"""Webhooks end to end against a real HTTP receiver on loopback: what is queued for whom in the
transaction of an action, what arrives signed on the wire, how a receiver checks it, and how
outages, refusals, revoked keys and internal notes are handled."""
from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

import widget.services.workflow as workflow
from tests import backoffice
from tests.conftest import form_token, settings_for
from tests.mailserver import free_port
from tests.test_admin import html_of, sign_in
from widget import codes, create_app, webhook_signature
from widget.models import ApiClient, DeliveryAttempt, OutboxItem, Request, Role
from widget.models._types import as_utc, utcnow
from widget.notify import worker
from widget.notify.channels import Delivery, PermanentFailure, address_guard
from widget.notify.channels.webhook import WebhookChannel
from widget.services import messaging
from widget.services.api_clients import (WEBHOOK_EVENTS, create_api_client, revoke_api_client,
                                         set_webhook)
from widget.services.staff import create_staff
from widget.uploads import LocalFileStore, UploadLimits

office, received = backoffice.office, backoffice.received
STALL_SECONDS = 1.0
LIMITS = UploadLimits(10_000, 3, 20_000)


class Handler(BaseHTTPRequestHandler):
    """Records each POST and answers as the test set `server.owner.mode`."""

    def do_POST(self):  # noqa: N802 - http.server's naming
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with owner.lock:
            owner.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        mode = owner.mode
        if mode == "stall":
            time.sleep(STALL_SECONDS)  # longer than the channel's timeout
        status, extra = {"ok": (204, {}), "500": (500, {}), "410": (410, {}), "429": (429, {}),
                         "400": (400, {}), "stall": (200, {}),
                         "redirect": (302, {"Location": "http://127.0.0.1:1/elsewhere"})}[mode]
        try:
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # the sender gave up waiting (the timeout test)

    def log_message(self, format, *args):
        pass


class Receiver:
    """A webhook receiver in a thread; .stop() takes it down, .start() brings it back on the
    same port, as a system restarting would."""

    def __init__(self):
        self.port = free_port()
        self.mode = "ok"
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self._server = self._thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/frontdesk"

    def start(self) -> Receiver:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.owner, self._server.daemon_threads = self, False
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def app_settings(tmp_path):
    # The receivers listen on loopback, which webhooks reach only when it is listed.
    return settings_for(tmp_path, WEBHOOK_TIMEOUT=0.3, NOTIFY_RETRY_SECONDS=0.01,
                        NOTIFY_MAX_ATTEMPTS=5, WEBHOOK_PRIVATE_NETWORKS=["127.0.0.0/8", "::1"])


def connect(office, url, events, name="CRM", units=()) -> ApiClient:
    """A connected system of the office's organisation with a webhook."""
    unit_ids = [office["units"][code].id for code in units]
    client, _key = create_api_client(office["people"]["admin"], name, unit_ids, url, list(events))
    return client


def webhooks(db) -> list[OutboxItem]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxItem).where(OutboxItem.channel == "webhook")
                                   .order_by(OutboxItem.id)))


def deliver(app) -> int:
    channels = worker.channels_from_config(app.config)
    return worker.run_once(channels, "test-worker", worker.policy_from_config(app.config))


def make_due_now(db) -> None:
    db.session.execute(OutboxItem.__table__.update().values(next_attempt_at=utcnow()))
    db.session.commit()


def history(db, item) -> list[str]:
    return list(db.session.scalars(select(DeliveryAttempt.outcome).where(
        DeliveryAttempt.outbox_id == item.id).order_by(DeliveryAttempt.id)))


def register(office, request) -> Request:
    staff = office["people"]["op" if request.unit.code == "HN" else "op_xd"]
    return workflow.register_request(staff, request.id, request.lock_version)


def test_an_action_queues_one_webhook_per_subscribed_system_and_it_arrives_signed(
        app, db, office, received, receiver, create_site):
    crm = connect(office, receiver.url, ["registered", "refused"])
    connect(office, receiver.url + "?archive", ["received"], name="Archive")  # not this event
    connect(office, "", [], name="No webhook")
    revoked = connect(office, receiver.url + "?revoked", ["registered"], name="Old CRM")
    revoke_api_client(office["people"]["admin"], revoked.id)
    other_site = create_site(key="other")
    other_admin = create_staff(other_site.organization, "admin@other.test", "Other admin",
                               backoffice.PASSWORD, Role.ADMIN)
    create_api_client(other_admin, "Their CRM", [], receiver.url + "?other", ["registered"])
    request = received()
    register(office, request)

    item, = webhooks(db)
    request = db.session.get(Request, request.id)
    event = next(e for e in request.events if e.kind == "registered")
    assert (item.recipient, item.api_client_id, item.request_id, item.event_id) == (
        receiver.url, crm.id, request.id, event.id)
    assert item.subject == "request.registered"  # what the request page's summary shows
    body = json.loads(item.body_text)
    assert item.body_text == json.dumps(body, sort_keys=True, separators=(",", ":"))
    assert body == {
        "id": item.reference, "type": "request.registered",
        "created_at": as_utc(event.created_at).isoformat(),
        "organization": office["org"].slug,
        "data": {
            "request": {"id": request.id, "code": codes.display(request.code),
                        "status": "registered", "form": "form-hn", "unit": "HN",
                        "due_at": as_utc(request.due_at).isoformat(),
                        "journal_number": request.journal_number,
                        "updated_at": as_utc(request.updated_at).isoformat(),
                        "version": request.lock_version},
            "event": {"id": event.id, "kind": "registered",
                      "created_at": as_utc(event.created_at).isoformat()}}}

    assert deliver(app) == 1
    arrived, = receiver.received
    headers = arrived["headers"]
    assert arrived["path"] == "/hooks/frontdesk" and arrived["body"] == item.body_text.encode()
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Frontdesk-Webhooks/1"
    assert headers["Frontdesk-Webhook-Id"] == item.reference
    signed = headers["Frontdesk-Signature"]
    sent_at = int(dict(part.split("=", 1) for part in signed.split(","))["t"])
    secret = db.session.get(ApiClient, crm.id).webhook_secret
    assert abs(sent_at - time.time()) < 60
    assert webhook_signature.verify(secret, signed, arrived["body"])
    # A captured request played again six minutes later is refused; so are a changed body,
    # another system's secret and a header that is not a signature.
    assert not webhook_signature.verify(secret, signed, arrived["body"], now=sent_at + 360)
    tampered = arrived["body"].replace(b'"registered"', b'"refused"')
    assert tampered != arrived["body"]
    assert not webhook_signature.verify(secret, signed, tampered)
    assert not webhook_signature.verify("another secret", signed, arrived["body"])
    assert not webhook_signature.verify(secret, "v1=" + signed, arrived["body"])

    item = db.session.get(OutboxItem, item.id)
    assert item.status == "sent" and history(db, item) == ["sent"]
    assert deliver(app) == 0  # never twice


def test_each_payload_carries_the_version_the_change_gave_the_request(
        app, db, office, received, receiver, tmp_path):
    """A system may act on what a webhook told it (expected_version): the version in the payload
    is the one the API answered for that change."""
    connect(office, receiver.url, WEBHOOK_EVENTS)
    key = create_api_client(office["people"]["admin"], "Caller", [])[1]
    request, client = received(), app.test_client()
    answered = {}
    for action, body in (("register", {}), ("assign", {"executor_id": office["people"]["head"].id}),
                         ("start", {}), ("messages", {"body": "Hello"}),
                         ("pause", {"reason": "supplement"}), ("resume", {}),
                         ("fee", {"amount": "5"}), ("letters", {"title": "Answer", "body": "Yes"}),
                         ("result", {"handover": "desk"}), ("close", {})):
        answer = client.post(f"/api/v1/requests/{request.id}/{action}", json=body, headers={
            "Authorization": f"Bearer {key}", "Idempotency-Key": action})
        assert answer.status_code == 200, (action, answer.get_data(True))
        answered[answer.json["timeline"][-1]["id"]] = answer.json["version"]
    message = messaging.send_citizen_message(db.session.get(Request, request.id), "Thanks", [],
                                             LIMITS, LocalFileStore(tmp_path))
    db.session.expire_all()
    request = db.session.get(Request, request.id)
    answered[request.events[-1].id] = request.lock_version
    told = {json.loads(item.body_text)["data"]["event"]["id"]:
            json.loads(item.body_text)["data"]["request"]["version"] for item in webhooks(db)}
    assert told == answered and message.id


def test_a_receiver_down_for_a_while_gets_the_event_exactly_once_when_back(
        app, db, office, received, receiver):
    crm = connect(office, receiver.url, ["registered"])
    receiver.stop()
    register(office, received())
    assert deliver(app) == 1
    make_due_now(db)
    assert deliver(app) == 1
    item, = webhooks(db)
    assert item.status == "queued" and "unreachable" in item.last_error
    receiver.start()  # back on the same port
    receiver.mode = "500"  # ...but not well yet
    make_due_now(db)
    deliver(app)
    receiver.mode = "ok"
    make_due_now(db)
    assert deliver(app) == 1
    make_due_now(db)
    assert deliver(app) == 0
    item, = webhooks(db)
    assert item.status == "sent" and item.attempts == 4
    assert history(db, item) == ["temporary", "temporary", "temporary", "sent"]
    # Both tries that reached it carry the same id and body: the receiver can drop the repeat.
    failed, ok = receiver.received
    ids = {failed["headers"]["Frontdesk-Webhook-Id"], ok["headers"]["Frontdesk-Webhook-Id"]}
    assert ids == {item.reference}
    assert failed["body"] == ok["body"]
    secret = db.session.get(ApiClient, crm.id).webhook_secret
    assert webhook_signature.verify(secret, ok["headers"]["Frontdesk-Signature"], ok["body"])


@pytest.mark.parametrize("mode, status, fragment", [
    ("410", "dead", "HTTP 410"),
    ("400", "dead", "HTTP 400"),
    ("redirect", "dead", "redirects"),
    ("429", "queued", "HTTP 429"),
    ("500", "queued", "HTTP 500"),
    ("stall", "queued", "timed out"),
])
def test_how_each_answer_of_the_receiver_is_taken(app, db, office, received, receiver,
                                                  mode, status, fragment):
    connect(office, receiver.url, ["registered"])
    register(office, received())
    receiver.mode = mode
    deliver(app)
    item, = webhooks(db)
    assert item.status == status and fragment in item.last_error
    assert history(db, item) == ["permanent" if status == "dead" else "temporary"]


def test_a_key_revoked_after_the_event_stops_its_webhook_for_good(app, db, office, received,
                                                                  receiver):
    crm = connect(office, receiver.url, ["registered"])
    register(office, received())
    revoke_api_client(office["people"]["admin"], crm.id)
    deliver(app)
    item, = webhooks(db)
    assert item.status == "dead" and item.last_error == "the system's key was revoked"
    assert receiver.received == []


def test_revoked_keys_hear_of_nothing_new(app, db, office, received, receiver):
    crm = connect(office, receiver.url, ["registered"])
    revoke_api_client(office["people"]["admin"], crm.id)
    register(office, received())
    assert webhooks(db) == []


def test_internal_notes_never_go_out_and_public_notes_only_where_the_person_reads_them(
        app, db, office, received, receiver):
    crm = connect(office, receiver.url, ["paused", "staff_message", "registered"])
    # Even a system that somehow asked for notes (the service refuses "note") hears nothing.
    db.session.get(ApiClient, crm.id).webhook_events = ["note", "paused", "staff_message",
                                                        "registered"]
    db.session.commit()
    op = office["people"]["op"]
    request = received()
    register(office, request)
    workflow.pause_request(op, request.id, db.session.get(Request, request.id).lock_version,
                           "supplement", "Please bring a copy of your ID card")
    messaging.add_internal_note(op, request.id, "Colleague remark: neighbour complained")
    kinds = [json.loads(item.body_text)["type"] for item in webhooks(db)]
    assert kinds == ["request.registered", "request.paused"]
    deliver(app)
    bodies = [json.loads(arrived["body"]) for arrived in receiver.received]
    assert "note" not in bodies[0]["data"]["event"]  # a registration has no note to tell
    assert bodies[1]["data"]["event"]["note"] == "Please bring a copy of your ID card"
    assert all(b"neighbour" not in arrived["body"] for arrived in receiver.received)


def test_a_web_submission_is_announced_without_any_answer(app, db, client, office, receiver):
    connect(office, receiver.url, ["received"])
    answers = {"name": "Zoltan Quixwell", "message": "My flat at 12 Hidden Lane leaks",
               "email": "zoltan.private@example.org", "phone": "+84912345678"}
    page = html_of(client.get("/w/test/en/f/form-hn"))
    response = client.post("/w/test/en/f/form-hn", data={"form_token": form_token(page), **answers})
    assert response.status_code == 200
    item, = webhooks(db)
    request = db.session.get(Request, item.request_id)
    assert request.answers["name"] == "Zoltan Quixwell"
    body = json.loads(item.body_text)
    assert body["type"] == "request.received" and body["data"]["request"]["status"] == "received"
    assert body["data"]["request"]["code"] == codes.display(request.code)
    assert body["data"]["event"]["id"] == request.events[0].id
    deliver(app)
    arrived, = receiver.received
    for value in [*answers.values(), "Zoltan", "zoltan", "912345678", "Hidden"]:
        assert value not in item.body_text and value.encode() not in arrived["body"]


def test_a_system_scoped_to_a_unit_hears_only_of_its_units_requests(app, db, office, received,
                                                                    receiver):
    scoped = connect(office, receiver.url + "?xd", ["registered"], name="XD system", units=["XD"])
    everything = connect(office, receiver.url + "?all", ["registered"], name="Whole office")
    hn, xd = received("HN"), received("XD")
    register(office, hn)
    register(office, xd)
    heard = {(item.api_client_id, item.request_id) for item in webhooks(db)}
    assert heard == {(everything.id, hn.id), (everything.id, xd.id), (scoped.id, xd.id)}


def test_the_persons_message_is_announced(app, db, office, received, receiver, tmp_path):
    connect(office, receiver.url, ["citizen_message"])
    request = received()
    messaging.send_citizen_message(request, "I will come on Monday with Zoltan.", [], LIMITS,
                                   LocalFileStore(tmp_path))
    item, = webhooks(db)
    assert json.loads(item.body_text)["type"] == "request.citizen_message"
    assert "Zoltan" not in item.body_text and "Monday" not in item.body_text


def test_a_failed_change_queues_nothing(app, db, office, received, receiver):
    connect(office, receiver.url, ["registered", "refused"])
    request = received()
    seen = request.lock_version
    register(office, request)
    with pytest.raises(workflow.Conflict):  # based on an old view: refused, nothing queued
        workflow.refuse_request(office["people"]["op"], request.id, seen, "Old view")
    assert [json.loads(item.body_text)["type"] for item in webhooks(db)] == ["request.registered"]


def test_the_secret_stays_out_of_logs_and_the_history(app, db, office, received, receiver, caplog):
    crm = connect(office, receiver.url, ["registered"])
    secret = db.session.get(ApiClient, crm.id).webhook_secret
    register(office, received())
    receiver.mode = "500"
    with caplog.at_level(logging.DEBUG):
        deliver(app)
    assert secret not in caplog.text
    delivery = Delivery(reference="r", recipient=receiver.url, text="{}", secret=secret)
    assert secret not in repr(delivery)
    details = " ".join(db.session.scalars(select(DeliveryAttempt.detail)))
    item, = webhooks(db)
    assert secret not in details and secret not in (item.last_error or "")
    assert secret not in item.body_text


def test_staff_see_webhooks_in_the_request_notifications(app, db, client, office, received,
                                                        receiver):
    connect(office, receiver.url, ["registered"])
    request = received()
    register(office, request)
    deliver(app)
    sign_in(client, office["people"]["admin"])
    html = html_of(client.get(f"/admin/requests/{request.id}"))
    item, = webhooks(db)
    section = html[html.index(f'id="notification-{item.id}"'):]
    section = section[:section.index("</li>")]
    assert "Webhook" in section and "request.registered" in section and receiver.url in section


# --- where a webhook may go ------------------------------------------------------------------

@pytest.mark.parametrize("address, listed, allowed", [
    ("93.184.215.14", (), True),
    ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", (), True),
    ("127.0.0.1", (), False),
    ("::1", (), False),
    ("::ffff:127.0.0.1", (), False),           # loopback spelled as IPv6
    ("10.1.2.3", (), False),
    ("192.168.0.10", (), False),
    ("100.64.0.1", (), False),                 # carrier-grade NAT
    ("169.254.169.254", (), False),            # a cloud's metadata service
    ("fe80::1", (), False),
    ("fd12::1", (), False),
    ("0.0.0.0", (), False),
    ("224.0.0.1", (), False),
    ("10.20.3.4", ("10.20.0.0/16",), True),    # the operator listed the CRM's network
    ("10.21.3.4", ("10.20.0.0/16",), False),
    ("::ffff:10.20.0.9", ("10.20.0.0/16",), True),
])
def test_webhooks_reach_public_addresses_and_the_listed_networks_only(address, listed, allowed):
    networks = address_guard.parse_networks(listed)
    assert address_guard.permitted(ipaddress.ip_address(address), networks) is allowed


# Where an IPv6 address carries an IPv4 one, the IPv4 one is where the packets end up.
FORBIDDEN_IPV4 = {"loopback": "127.0.0.1", "private": "10.1.2.3", "private-192": "192.168.0.10",
                  "link-local": "169.254.1.1", "CGNAT": "100.64.0.1",
                  "metadata": "169.254.169.254", "this-network": "0.0.0.0"}
PUBLIC_IPV4 = "93.184.215.14"


def ipv6_forms(ipv4: str) -> dict[str, str]:
    """Every way an IPv6 address spells an IPv4 one: IPv4-mapped, IPv4-compatible, translated
    (SIIT), NAT64 (well-known /96; local-use 64:ff9b:1::/48 at its RFC 6052 layouts), 6to4, and
    Teredo (the client's address inverted in the last 32 bits, behind a public server)."""
    v4 = int(ipaddress.IPv4Address(ipv4))
    local_use = int(ipaddress.IPv6Address("64:ff9b:1::"))

    def v6(value: int) -> str:
        return str(ipaddress.IPv6Address(value))
    return {
        "mapped": f"::ffff:{ipv4}",
        "compatible": v6(v4),
        "translated": v6((0xFFFF << 32) | v4),
        "nat64": v6(int(ipaddress.IPv6Address("64:ff9b::")) | v4),
        "nat64-local/96": v6(local_use | v4),
        "nat64-local/48": v6(local_use | (v4 >> 16) << 64 | (v4 & 0xFFFF) << 40),
        "nat64-local/56": v6(local_use | (v4 >> 24) << 64 | (v4 & 0xFFFFFF) << 32),
        "nat64-local/64": v6(local_use | v4 << 24),
        "6to4": v6(0x2002 << 112 | v4 << 80 | 1),
        "teredo": v6(0x20010000 << 96 | int(ipaddress.IPv4Address("65.54.227.120")) << 64
                     | 0x8000_63BF << 32 | (v4 ^ 0xFFFFFFFF)),
    }


# Never reached, whether typed or resolved; each is a private or reserved network spelled some way.
FORBIDDEN_ADDRESSES = [
    *[(f"{kind} as {form}", address) for kind, ipv4 in FORBIDDEN_IPV4.items()
      for form, address in ipv6_forms(ipv4).items()],
    ("IETF protocol assignments", "192.0.0.1"), ("the global-looking 192.0.0.9", "192.0.0.9"),
    ("NAT64 discovery", "192.0.0.170"), ("deprecated site-local", "fec0::1"),
    ("site-local, last block", "feff::1"), ("not global unicast", "4000::1"),
    ("not global unicast, reserved", "100::1"), ("IPv6 documentation", "2001:db8::1"),
    ("IPv6 documentation, 2024", "3fff::1"), ("discard-only", "100::"),
    ("teredo to a public client from a private server", str(ipaddress.IPv6Address(
        0x20010000 << 96 | int(ipaddress.IPv4Address("10.0.0.1")) << 64
        | (int(ipaddress.IPv4Address(PUBLIC_IPV4)) ^ 0xFFFFFFFF)))),
]
# A local-use NAT64 address cut at /48, /56 or /64 also reads, at /96, as another IPv4 address
# (0.0.0.0 or x.0.0.0...): every reading must be public, so only the /96 layout passes.
PUBLIC_ADDRESSES = [(f"public as {form}", address)
                    for form, address in ipv6_forms(PUBLIC_IPV4).items()
                    if form not in ("nat64-local/48", "nat64-local/56", "nat64-local/64")]


@pytest.mark.parametrize("address, allowed", [
    *[(address, False) for _, address in FORBIDDEN_ADDRESSES],
    *[(address, True) for _, address in PUBLIC_ADDRESSES]],
    ids=[name for name, _ in FORBIDDEN_ADDRESSES + PUBLIC_ADDRESSES])
def test_an_ipv4_inside_an_ipv6_address_is_judged_as_that_ipv4(address, allowed):
    assert address_guard.permitted(ipaddress.ip_address(address), ()) is allowed
    assert address_guard.literal_refused(f"[{address}]", ()) is not allowed


def test_embedded_forms_are_refused_when_the_worker_connects(monkeypatch):
    """A name that resolves to any of them is refused at the moment of connecting, before a
    socket is opened; the same name resolving to a public address spelled the same way is not."""
    opened = []

    class Socket:
        def __init__(self, *args):
            opened.append(args)

        def connect(self, sockaddr):
            return None

    monkeypatch.setattr(address_guard.socket, "socket", Socket)
    for name, address in FORBIDDEN_ADDRESSES:
        monkeypatch.setattr(address_guard.socket, "getaddrinfo", lambda *args, at=address: [
            (address_guard.socket.AF_INET6, address_guard.socket.SOCK_STREAM, 6, "",
             (at, 443, 0, 0))])
        with pytest.raises(address_guard.AddressNotAllowed, match="is not a public address"):
            address_guard.connect_checked((), ("crm.example", 443))
        assert opened == [], name
    for name, address in PUBLIC_ADDRESSES:
        monkeypatch.setattr(address_guard.socket, "getaddrinfo", lambda *args, at=address: [
            (address_guard.socket.AF_INET6, address_guard.socket.SOCK_STREAM, 6, "",
             (at, 443, 0, 0))])
        assert isinstance(address_guard.connect_checked((), ("crm.example", 443)), Socket), name


def test_a_mistyped_network_stops_the_app_from_starting(tmp_path):
    with pytest.raises(ValueError, match="FRONTDESK_WEBHOOK_PRIVATE_NETWORKS: '10.20.0.0/33'"):
        create_app(settings_for(tmp_path, WEBHOOK_PRIVATE_NETWORKS=["10.20.0.0/33"]))


def test_a_name_that_resolves_to_a_private_address_when_sending_is_refused_for_good(
        app, db, office, received, receiver):
    # Saved while loopback was allowed (as a name that resolved to a public address when saved
    # would be); by the time the worker connects, only public addresses are: the name resolves
    # to 127.0.0.1 and ::1, both refused, and nothing reaches the receiver.
    connect(office, receiver.url.replace("127.0.0.1", "localhost"), ["registered"])
    register(office, received())
    settings = {**app.config, "FRONTDESK_WEBHOOK_PRIVATE_NETWORKS": []}
    assert worker.run_once(worker.channels_from_config(settings), "test-worker",
                           worker.policy_from_config(settings)) == 1
    item, = webhooks(db)
    assert item.status == "dead" and history(db, item) == ["permanent"]
    assert "localhost is not a public address" in item.last_error
    assert "127.0.0.1" in item.last_error
    assert "FRONTDESK_WEBHOOK_PRIVATE_NETWORKS" in item.last_error  # the setting to look at
    assert receiver.received == []


def test_the_channel_refuses_to_send_unsigned():
    with pytest.raises(PermanentFailure):
        WebhookChannel(private_networks=address_guard.parse_networks(["127.0.0.0/8"])).send(
            Delivery(reference="r", recipient="http://127.0.0.1:1/", text="{}"))


# --- checking a signature, as a receiver does ------------------------------------------------

SECRET = "whsec-test"
BODY = b'{"id":"abc","type":"request.registered"}'


def test_a_signature_verifies_within_five_minutes_either_way():
    header = webhook_signature.sign(SECRET, 1_800_000_000, BODY)
    assert header.startswith("t=1800000000,v1=")
    for now in (1_800_000_000, 1_800_000_000 + 299, 1_800_000_000 - 299):
        assert webhook_signature.verify(SECRET, header, BODY, now=now)
    for now in (1_800_000_000 + 301, 1_800_000_000 - 301):
        assert not webhook_signature.verify(SECRET, header, BODY, now=now)
    assert webhook_signature.verify(SECRET, header, BODY.decode(), now=1_800_000_000)


@pytest.mark.parametrize("header", [
    "", "t=1800000000", "v1=abc", "t=abc,v1=00", "t=1800000000,v1", "garbage",
    "t=1800000000,t=1800000000,v1=00", "t=-5,v1=00", "t=1800000000,v1=" + "0" * 64,
    "t=1800000000,v1=" + "é" * 64, "t=1800000000,v1=" + "a" * 5000,
])
def test_malformed_or_wrong_headers_are_refused(header):
    assert not webhook_signature.verify(SECRET, header, BODY, now=1_800_000_000)


def test_a_rotated_secret_is_accepted_among_several_signatures():
    good = webhook_signature.sign(SECRET, 1_800_000_000, BODY)
    header = f"t=1800000000,v1={'0' * 64},{good.split(',')[1]}"
    assert webhook_signature.verify(SECRET, header, BODY, now=1_800_000_000)
    assert not webhook_signature.verify("", good, BODY, now=1_800_000_000)


def test_a_system_connected_switched_off_or_revoked_is_heard_from_the_next_submission(
        app, db, client, office, receiver):
    """The widget knows from the configuration it checks whether anyone listens at all: a
    system connected, its webhook switched off, or its key revoked since the last submission
    is heard on the very next one."""
    admin = office["people"]["admin"]

    def submit() -> int:
        page = html_of(client.get("/w/test/en/f/form-hn"))
        response = client.post("/w/test/en/f/form-hn",
                               data={"form_token": form_token(page), "name": "Lan"})
        assert response.status_code == 200
        return len(webhooks(db))

    assert submit() == 0  # nobody listens: the configuration this process keeps says so
    crm = connect(office, receiver.url, ["received"])
    assert submit() == 1
    set_webhook(admin, crm.id, "", [])
    assert submit() == 1
    set_webhook(admin, crm.id, receiver.url, ["received"])
    assert submit() == 2
    revoke_api_client(admin, crm.id)
    assert submit() == 2


def test_a_key_in_use_leaves_the_configuration_version_alone(app, db, office, frozen_clock):
    """A system's key noting when it was last used (once a minute) is no configuration change:
    the widget's processes keep their cached configuration."""
    from datetime import datetime, timedelta, timezone
    from widget.models import Organization
    from widget.services.api_clients import authenticate_key
    _client, key = create_api_client(office["people"]["admin"], "CRM", [])
    version = db.session.get(Organization, office["org"].id).config_version
    start = datetime(2026, 10, 16, 3, 0, tzinfo=timezone.utc)
    for minute in (0, 2, 4):
        frozen_clock.move_to(start + timedelta(minutes=minute), tick=False)
        client = authenticate_key(key)
        assert client is not None and as_utc(client.last_used_at) == utcnow()
    db.session.expire_all()
    assert db.session.get(Organization, office["org"].id).config_version == version
    assert as_utc(db.session.get(ApiClient, client.id).last_used_at) == start + timedelta(minutes=4)
