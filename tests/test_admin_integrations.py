"""The administrators' integration pages: connected systems with their key shown once, webhooks
and their signing secret, revoking; and the forms systems push, with their fields and what a new
version changes, approved or rejected with a reason the system reads. Administrators only,
escaped, valid HTML."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests import backoffice, test_admin, test_notice_settings
from tests.test_admin import HOSTILE, html_of, sign_in
from tests.test_notice_settings import CSRF_INPUT, audits
from tests.test_webhooks import FORBIDDEN_ADDRESSES, PUBLIC_ADDRESSES
from tests.vnu import html_errors
from widget.models import ApiClient, Form, FormProposal
from widget.public.presenters import EVENT_LABELS
from widget.services.api_clients import WEBHOOK_EVENTS, create_api_client, revoke_api_client
from widget.services.form_proposals import decide_proposal, propose_form

office, no_csrf = backoffice.office, test_admin.no_csrf
commits = test_notice_settings.commits
SYSTEMS = "/admin/integrations"
PROPOSALS = "/admin/forms/proposals"
KEY = re.compile(r"fd_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}")
SECRET = re.compile(r'id="signing-secret" class="secret" value="([0-9a-f]{64})"')
BAD_ADDRESS = "Please enter the webhook&#39;s full address, starting with https://."
PRIVATE_ADDRESS = ("Webhooks go to public internet addresses only; this address is on a private "
                   "network not listed in the server setting "
                   "FRONTDESK_WEBHOOK_PRIVATE_NETWORKS.")


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def system(db, admin):
    """A connected system for every unit, without a webhook."""
    return create_api_client(admin, "CRM", [])[0]


def code(text: str) -> str:
    """A key or identifier as the pages show it: left to right, never translated."""
    return f'<code dir="ltr" translate="no">{text}</code>'


def api(client, path: str, key: str):
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {key}"})


def definition(slug="water-connection", title=None, fields=None, days=7) -> dict:
    return {"slug": slug, "processing_days": days,
            "titles": title or {"en": "Water connection", "vi": "Đấu nối nước"},
            "fields": fields if fields is not None else [
                {"key": "address", "type": "text", "required": True,
                 "labels": {"en": "Address", "vi": "Địa chỉ"}},
                {"key": "kind", "type": "choice", "labels": {"en": "Kind"},
                 "choices": [{"value": "home", "labels": {"en": "Home"}}]}]}


# --- who may see what ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["op", "head", "op_xd"])
def test_only_administrators_have_the_integration_pages(client, db, office, admin, system, who):
    proposal = propose_form(system, definition())
    revoked = create_api_client(admin, "Old", [])[0]
    revoke_api_client(admin, revoked.id)
    sign_in(client, office["people"][who])
    for url in (SYSTEMS, PROPOSALS):
        page = client.get(url)
        assert page.status_code == 404 and "Page not found" in html_of(page), url
    posts = [(SYSTEMS, {"name": "Sneaky"}),
             (f"{SYSTEMS}/{system.id}/revoke", {}),
             (f"{SYSTEMS}/{system.id}/webhook", {"webhook_url": "https://evil.example/x",
                                                  "events": ["received"]}),
             (f"{SYSTEMS}/{system.id}/secret", {}),
             (f"{SYSTEMS}/{revoked.id}/webhook", {"webhook_url": "https://evil.example/x"}),
             (f"{PROPOSALS}/{proposal.id}", {"decision": "approve"}),
             (f"{PROPOSALS}/{proposal.id}", {"decision": "reject", "reason": "No"})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    home = html_of(client.get("/admin/"))
    assert SYSTEMS not in home and PROPOSALS not in home  # no links in the header either
    assert db.session.scalar(select(func.count(ApiClient.id))) == 2
    system = db.session.get(ApiClient, system.id)
    assert (system.revoked_at, system.webhook_url) == (None, None)
    assert db.session.get(FormProposal, proposal.id).status == "pending"
    assert db.session.scalar(select(Form).where(Form.slug == "water-connection")) is None


def test_another_organisations_system_and_proposal_are_not_found(client, db, admin, create_site):
    from widget.models import Role
    from widget.services.staff import create_staff
    other_org = create_site(key="other", slug="org-other").organization
    other_admin = create_staff(other_org, "a@other.test", "A", backoffice.PASSWORD, Role.ADMIN)
    theirs = create_api_client(other_admin, "Theirs", [], "https://theirs.example/in",
                               ["received"])[0]
    proposal = propose_form(theirs, definition())
    sign_in(client, admin)
    for url in (f"{SYSTEMS}/{theirs.id}/revoke", f"{SYSTEMS}/{theirs.id}/webhook",
                f"{SYSTEMS}/{theirs.id}/secret", f"{SYSTEMS}/999999/revoke"):
        assert client.post(url, data={"webhook_url": ""}).status_code == 404, url
    refused = client.post(f"{PROPOSALS}/{proposal.id}", data={"decision": "approve"})
    assert refused.status_code == 422 and "There is no such proposal." in html_of(refused)
    assert "Theirs" not in html_of(client.get(SYSTEMS)) + html_of(client.get(PROPOSALS))
    theirs = db.session.get(ApiClient, theirs.id)
    assert theirs.revoked_at is None and theirs.webhook_url == "https://theirs.example/in"
    assert db.session.get(FormProposal, proposal.id).status == "pending"


def test_the_nav_links_the_pages_with_the_number_of_forms_waiting(client, admin, system):
    sign_in(client, admin)
    html = html_of(client.get(SYSTEMS))
    assert f'<a href="{SYSTEMS}" aria-current="page">Integrations</a>' in html
    assert f'<a href="{PROPOSALS}">Form approvals</a>' in html  # nothing waits: no count
    propose_form(system, definition())
    propose_form(system, definition(slug="other"))
    html = html_of(client.get(PROPOSALS))
    assert (f'<a href="{PROPOSALS}" aria-current="page">Form approvals <span class="count">'
            '<span aria-hidden="true">2</span><span class="visually-hidden">2 wait</span></span>'
            in html)
    assert f'<a href="{SYSTEMS}">Integrations</a>' in html


# --- connecting a system: the key, once ---------------------------------------------------------

def test_connecting_shows_the_key_once_and_the_key_works(client, db, office, admin, commits):
    sign_in(client, admin)
    hn = office["units"]["HN"]
    before = len(commits)
    page = client.post(SYSTEMS, data={"name": "  Document\x07 system ", "units": [str(hn.id)]})
    html = html_of(page)
    assert page.status_code == 200 and page.location is None  # rendered, never redirected
    assert page.headers["Cache-Control"] == "no-store"
    assert len(commits) == before + 1
    [key] = set(KEY.findall(html))
    assert (f'<input type="text" id="new-key" class="secret" value="{key}" readonly dir="ltr"'
            in html)
    assert "Copy the key now: this is the only time it is shown." in html
    assert 'aria-describedby="new-key-warning new-key-use"' in html
    assert '<label for="new-key">API key</label>' in html
    assert html.count(key) == 1  # not in a link, a data attribute, the title...
    created = db.session.scalar(select(ApiClient).where(ApiClient.name == "Document system"))
    assert key.startswith(f"fd_{created.key_prefix}_") and created.key_hash not in html
    assert [unit.code for unit in created.staff_user.units] == ["HN"]
    assert created.webhook_url is None and 'id="signing-secret"' not in html
    # Nowhere later: not in the session, not in a flash, not on the list.
    with client.session_transaction() as session:
        assert key not in repr(dict(session))
    again = html_of(client.get(SYSTEMS))
    assert key not in again and 'id="new-key"' not in again and KEY.search(again) is None
    assert f'<code dir="ltr" translate="no">fd_{created.key_prefix}_…</code>' in again
    assert "<bdi>Unit HN</bdi>" in again and "Never" in again
    # The key works against the API until it is revoked.
    assert api(client, "/forms", key).status_code == 200
    assert "Never" not in html_of(client.get(f"{SYSTEMS}")).split(f"system-{created.id}")[1]
    [entry] = audits(db, "api_client_created")
    assert entry.staff_user_id == admin.id and key not in repr(entry.after)


SERVED_AT = re.compile(r'name="served_at" value="([0-9.]+)"')


def test_a_reloaded_connection_page_connects_nothing_new(client, db, office, admin):
    """Reloading the page that showed the key posts its form again: the same system, not a
    second one, and a page saying so instead of a key."""
    sign_in(client, admin)
    served_at = SERVED_AT.search(html_of(client.get(SYSTEMS))).group(1)
    form = {"name": "CRM", "units": [str(office["units"]["HN"].id)],
            "webhook_url": "https://crm.example/in", "events": ["received"], "served_at": served_at}
    first = html_of(client.post(SYSTEMS, data=form))
    [key] = set(KEY.findall(first))
    again = client.post(SYSTEMS, data=form)
    html = html_of(again)
    assert again.status_code == 200 and KEY.search(html) is None and 'id="new-key"' not in html
    assert "<bdi>CRM</bdi> is already connected" in html
    assert "This page was sent again, so nothing new was made." in html
    assert SECRET.search(html) is None
    made = db.session.scalars(select(ApiClient)).all()
    assert len(made) == 1 and len(audits(db, "api_client_created")) == 1
    assert api(client, "/forms", key).status_code == 200  # the key shown first still works
    # The same name from a page served later is a new system; so is another name from the
    # first page. A moment that is no moment counts as none.
    later = SERVED_AT.search(html).group(1)
    assert float(later) >= float(served_at)
    assert KEY.search(html_of(client.post(SYSTEMS, data={**form, "served_at": later})))
    assert KEY.search(html_of(client.post(SYSTEMS, data={**form, "name": "Archive"})))
    for moment in ("nan", "inf", "-1", "1e300", "x"):
        assert KEY.search(html_of(client.post(SYSTEMS, data={**form, "served_at": moment})))
    assert db.session.scalar(select(func.count(ApiClient.id))) == 8


def test_connecting_with_a_webhook_shows_its_signing_secret_too(client, db, admin):
    sign_in(client, admin)
    html = html_of(client.post(SYSTEMS, data={
        "name": "CRM", "webhook_url": "https://crm.example/in",
        "events": ["received", "refused", "citizen_message"]}))
    created = db.session.scalar(select(ApiClient))
    assert SECRET.search(html).group(1) == created.webhook_secret
    assert "Frontdesk-Signature" in html and "The receiving system needs the secret" in html
    assert created.webhook_events == ["citizen_message", "received", "refused"]
    listed = html_of(client.get(SYSTEMS))
    assert created.webhook_secret not in listed
    assert '<bdi dir="ltr" translate="no" class="address">https://crm.example/in</bdi>' in listed
    assert "Message from the person, Request received (online, at the desk or by post), Refused" in listed


def test_a_system_needs_a_name_and_units_of_the_organisation(client, db, admin, create_site):
    sign_in(client, admin)
    page = client.post(SYSTEMS, data={"name": " \x07 ", "webhook_url": "https://crm.example/in",
                                      "events": ["paused"]})
    html = html_of(page)
    assert page.status_code == 422 and 'role="alert"' in html
    assert '<a href="#new-name">Please name the system, for example &#34;CRM&#34;.</a>' in html
    assert 'aria-describedby="new-name-help problem-new-name" aria-invalid="true"' in html
    # What was typed stays.
    assert 'value="https://crm.example/in"' in html and 'value="paused" checked' in html
    other_unit = create_site(key="other", slug="org-other").organization
    from widget.models import Unit
    theirs = Unit(organization_id=other_unit.id, code="ZZ", names={"en": "Theirs"})
    db.session.add(theirs)
    db.session.commit()
    page = client.post(SYSTEMS, data={"name": "CRM", "units": [str(theirs.id)]})
    assert page.status_code == 422
    assert '<a href="#new-units">Please choose units of this organisation.</a>' in html_of(page)
    assert client.post(SYSTEMS, data={"name": "CRM", "units": ["x"]}).status_code == 422
    assert db.session.scalar(select(func.count(ApiClient.id))) == 0 and audits(db) == []


# --- revoking -----------------------------------------------------------------------------------

def test_revoking_stops_the_key_at_once(client, db, admin):
    made, key = create_api_client(admin, "CRM", [], "https://crm.example/in", ["received"])
    assert api(client, "/forms", key).status_code == 200
    sign_in(client, admin)
    html = html_of(client.get(SYSTEMS))
    assert (f'aria-describedby="system-{made.id}-revoke">Revoke</button>' in html)
    assert (f'<p class="help" id="system-{made.id}-revoke">Revoking disconnects <bdi>CRM</bdi> '
            "at once and for good" in html)
    done = client.post(f"{SYSTEMS}/{made.id}/revoke")
    assert done.status_code == 302 and done.location == SYSTEMS
    assert api(client, "/forms", key).status_code == 401
    html = html_of(client.get(SYSTEMS))
    assert "The system is disconnected: its key no longer works" in html
    assert '<span class="badge">Revoked</span>' in html
    # A revoked system has nothing left to change.
    assert f"{SYSTEMS}/{made.id}/webhook" not in html and f"{SYSTEMS}/{made.id}/revoke" not in html
    assert f"{SYSTEMS}/{made.id}/secret" not in html
    refused = client.post(f"{SYSTEMS}/{made.id}/webhook", data={"webhook_url": "https://x.example/"})
    assert refused.status_code == 422 and "This system is disconnected" in html_of(refused)
    assert client.post(f"{SYSTEMS}/{made.id}/secret").status_code == 404
    assert client.post(f"{SYSTEMS}/{made.id}/revoke").status_code == 302  # again: no change
    assert len(audits(db, "api_client_revoked")) == 1
    assert db.session.get(ApiClient, made.id).webhook_url == "https://crm.example/in"


# --- webhooks -------------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["ftp://crm.example/in", "javascript:alert(1)", "crm.example",
                                     "https://user:pw@crm.example/", "https://crm.example/a b",
                                     "https://[192.0.0.1]/in", "https://[::1/in"])
def test_a_webhook_address_that_is_not_http_is_refused(client, db, admin, address):
    made = create_api_client(admin, "CRM", [], "https://crm.example/in", ["received"])[0]
    secret = made.webhook_secret
    sign_in(client, admin)
    page = client.post(f"{SYSTEMS}/{made.id}/webhook", data={"webhook_url": address,
                                                             "events": ["closed"]})
    html = html_of(page)
    assert page.status_code == 422
    assert f'<a href="#system-{made.id}-webhook_url">{BAD_ADDRESS}</a>' in html
    assert (f'aria-describedby="system-{made.id}-webhook_url-help problem-system-{made.id}-'
            'webhook_url" aria-invalid="true"' in html)
    assert f'<p class="error" id="problem-system-{made.id}-webhook_url">{BAD_ADDRESS}</p>' in html
    assert f'value="{escape(address)}"' in html and "<details class=\"action\" open>" in html
    made = db.session.get(ApiClient, made.id)
    assert (made.webhook_url, made.webhook_events, made.webhook_secret) == (
        "https://crm.example/in", ["received"], secret)
    # Refused when connecting too: no system is made.
    page = client.post(SYSTEMS, data={"name": "Other", "webhook_url": address})
    assert page.status_code == 422 and f'<a href="#new-webhook_url">{BAD_ADDRESS}</a>' in html_of(page)
    assert db.session.scalar(select(func.count(ApiClient.id))) == 1


@pytest.mark.parametrize("address", [
    "http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:5432/", "http://localhost:8000/",
    "http://api.localhost/", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/", "http://10.0.0.7/",
    "https://192.168.1.1/in", "http://0.0.0.0:6379/"])
def test_a_webhook_into_the_deployments_own_network_is_refused(client, db, admin, address):
    made = create_api_client(admin, "CRM", [], "https://crm.example/in", ["received"])[0]
    sign_in(client, admin)
    page = client.post(f"{SYSTEMS}/{made.id}/webhook", data={"webhook_url": address,
                                                             "events": ["closed"]})
    assert page.status_code == 422
    assert f'<a href="#system-{made.id}-webhook_url">{PRIVATE_ADDRESS}</a>' in html_of(page)
    made = db.session.get(ApiClient, made.id)
    assert (made.webhook_url, made.webhook_events) == ("https://crm.example/in", ["received"])
    page = client.post(SYSTEMS, data={"name": "Other", "webhook_url": address})
    assert page.status_code == 422 and PRIVATE_ADDRESS in html_of(page)
    assert db.session.scalar(select(func.count(ApiClient.id))) == 1


def test_an_ipv4_spelled_as_ipv6_is_refused_when_the_webhook_is_saved(client, db, admin, system):
    """Every form of tests.test_webhooks' table (NAT64, 6to4, Teredo, IPv4-compatible, mapped,
    site-local...) typed as the webhook's address: refused, nothing saved."""
    sign_in(client, admin)
    for name, address in FORBIDDEN_ADDRESSES:
        page = client.post(f"{SYSTEMS}/{system.id}/webhook",
                           data={"webhook_url": f"https://{url_host(address)}/in",
                                 "events": ["closed"]})
        assert page.status_code == 422 and PRIVATE_ADDRESS in html_of(page), name
    assert db.session.get(ApiClient, system.id).webhook_url is None
    for name, address in PUBLIC_ADDRESSES:
        url = f"https://{url_host(address)}/in"
        page = client.post(f"{SYSTEMS}/{system.id}/webhook",
                           data={"webhook_url": url, "events": ["closed"]})
        assert page.status_code in (200, 302), name  # 200 shows the first signing secret
        db.session.expire_all()
        assert db.session.get(ApiClient, system.id).webhook_url == url, name


def url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def test_a_private_network_the_operator_lists_may_be_used(app, client, db, admin, system):
    app.config["FRONTDESK_WEBHOOK_PRIVATE_NETWORKS"] = ["10.20.0.0/16"]
    sign_in(client, admin)
    page = client.post(f"{SYSTEMS}/{system.id}/webhook", data={"webhook_url": "http://10.20.0.7/in",
                                                               "events": ["closed"]})
    assert page.status_code == 200 and SECRET.search(html_of(page))  # saved: its first secret
    assert db.session.get(ApiClient, system.id).webhook_url == "http://10.20.0.7/in"
    page = client.post(f"{SYSTEMS}/{system.id}/webhook", data={"webhook_url": "http://10.21.0.7/in"})
    assert page.status_code == 422 and PRIVATE_ADDRESS in html_of(page)


def test_the_webhook_refusal_is_translated(client, admin, system):
    sign_in(client, admin)
    page = client.post(f"{SYSTEMS}/{system.id}/webhook", data={"webhook_url": "ftp://x"},
                       headers={"Accept-Language": "vi"})
    from flask_babel import force_locale, gettext
    with force_locale("vi"):
        wanted = gettext("Please enter the webhook's full address, starting with https://.")
    assert page.status_code == 422 and str(escape(wanted)) in html_of(page)
    assert '<html lang="vi" dir="ltr">' in html_of(page)
    page = client.post(f"{SYSTEMS}/{system.id}/webhook", data={"webhook_url": "http://10.0.0.7/"},
                       headers={"Accept-Language": "fa"})
    with force_locale("fa"):
        wanted = gettext(PRIVATE_ADDRESS)
    assert wanted != PRIVATE_ADDRESS and str(escape(wanted)) in html_of(page)


def test_a_first_webhook_shows_its_secret_and_later_saves_do_not(client, db, admin, system):
    sign_in(client, admin)
    page = client.post(f"{SYSTEMS}/{system.id}/webhook", data={
        "webhook_url": "http://crm.example:8080/frontdesk", "events": ["received", "paused"]})
    html = html_of(page)
    system = db.session.get(ApiClient, system.id)
    assert page.status_code == 200 and SECRET.search(html).group(1) == system.webhook_secret
    assert (system.webhook_url, system.webhook_events) == ("http://crm.example:8080/frontdesk",
                                                           ["paused", "received"])
    assert system.webhook_secret not in html_of(client.get(SYSTEMS))
    # Changed again: the same secret, not shown; a flash says it is saved.
    done = client.post(f"{SYSTEMS}/{system.id}/webhook", data={
        "webhook_url": "https://crm.example/in", "events": ["closed"]})
    assert done.status_code == 302 and done.location == f"{SYSTEMS}#system-{system.id}"
    html = html_of(client.get(SYSTEMS))
    assert "The webhook is saved." in html and SECRET.search(html) is None
    secret = db.session.get(ApiClient, system.id).webhook_secret
    # On demand, by POST, for an administrator.
    shown = client.post(f"{SYSTEMS}/{system.id}/secret")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert SECRET.search(html_of(shown)).group(1) == secret
    assert client.get(f"{SYSTEMS}/{system.id}/secret").status_code == 405
    # Emptied: no webhook, no events.
    client.post(f"{SYSTEMS}/{system.id}/webhook", data={"webhook_url": "", "events": ["closed"]})
    system = db.session.get(ApiClient, system.id)
    assert (system.webhook_url, system.webhook_events) == (None, [])
    assert "The webhook is removed" in html_of(client.get(SYSTEMS))


def test_every_webhook_event_has_a_translated_label(client, admin, system):
    from admin.integrations import WEBHOOK_EVENT_LABELS
    assert set(WEBHOOK_EVENT_LABELS) == set(WEBHOOK_EVENTS)
    assert all(str(text) != kind for kind, text in WEBHOOK_EVENT_LABELS.items())
    sign_in(client, admin)
    html = html_of(client.get(SYSTEMS))
    for kind in WEBHOOK_EVENTS:
        assert (f'<input type="checkbox" id="new-event-{kind}" name="events" value="{kind}">'
                in html)
        assert f'<label for="new-event-{kind}">{escape(str(WEBHOOK_EVENT_LABELS[kind]))}</label>' in html
    assert f'<label for="new-event-registered">{EVENT_LABELS["registered"]}</label>' in html
    assert '<label for="new-event-citizen_message">Message from the person</label>' in html


def test_an_unknown_event_is_refused(client, db, admin, system):
    sign_in(client, admin)
    page = client.post(f"{SYSTEMS}/{system.id}/webhook", data={
        "webhook_url": "https://crm.example/in", "events": ["note"]})
    assert page.status_code == 422 and "There is no such event." in html_of(page)
    assert db.session.get(ApiClient, system.id).webhook_url is None


# --- forms pushed for approval --------------------------------------------------------------------

def test_a_new_form_is_listed_with_its_fields_and_published_when_approved(client, db, office,
                                                                        admin, system, commits):
    proposal = propose_form(system, definition())
    sign_in(client, admin)
    html = html_of(client.get(PROPOSALS))
    assert "1 form waits for approval" in html
    assert f'<h2 id="proposal-{proposal.id}-title"><bdi>Water connection</bdi></h2>' in html
    assert "<dd><bdi>CRM</bdi></dd>" in html and "7 working days" in html
    assert '<code dir="ltr" translate="no">water-connection</code>' in html
    assert "<strong>A new form</strong>" in html and "Changes from version" not in html
    assert ('<td><code dir="ltr" translate="no">address</code></td>\n        <td>Short text</td>\n'
            '        <td>Yes</td>\n        <td><bdi>Address</bdi></td>') in html
    assert ('<td><code dir="ltr" translate="no">kind</code></td>\n        '
            '<td>One choice from a list</td>\n        <td>No</td>') in html
    # In the page's language, English where the system gave no translation.
    html = html_of(client.get(PROPOSALS, headers={"Accept-Language": "vi"}))
    assert "<bdi>Đấu nối nước</bdi>" in html and "<bdi>Địa chỉ</bdi>" in html
    assert "<bdi>Kind</bdi>" in html
    # The push named no unit: the page offers the units and none is chosen yet.
    unit_select = html.split(f'<select id="unit_id-{proposal.id}" name="unit_id" required>')[1]
    unit_select = unit_select.split("</select>")[0]
    assert unit_select.count("<option") == 3 and " selected" not in unit_select
    before = len(commits)
    refused = client.post(f"{PROPOSALS}/{proposal.id}", data={
        "decision": "approve", "reason": "", "unit_id": "", "group_id": ""})
    assert refused.status_code == 422 and len(commits) == before
    assert ("Please choose the unit whose staff handle this form&#39;s requests."
            in html_of(refused))
    assert 'aria-invalid="true" aria-describedby="problem-unit_id-' in html_of(refused)
    assert db.session.scalar(select(Form).where(Form.slug == "water-connection")) is None
    xd = office["units"]["XD"]
    done = client.post(f"{PROPOSALS}/{proposal.id}", data={
        "decision": "approve", "reason": "", "unit_id": str(xd.id), "group_id": ""})
    assert done.status_code == 302 and done.location == PROPOSALS and len(commits) == before + 1
    html = html_of(client.get(PROPOSALS))
    assert "The form is published" in html and "No form waits for approval." in html
    form = db.session.scalar(select(Form).where(Form.slug == "water-connection"))
    assert form.is_published and form.processing_days == 7 and form.unit_id == xd.id
    assert [f.key for f in form.current_version.fields] == ["address", "kind"]
    assert db.session.get(FormProposal, proposal.id).status == "approved"
    assert len(audits(db, "form_proposal")) == 1


def test_a_new_version_shows_what_changes_before_it_is_approved(client, db, office, admin,
                                                               system):
    decide_proposal(admin, propose_form(system, definition()).id, True, "",
                    unit_id=office["units"]["HN"].id)
    changed = definition(days=10, fields=[
        {"key": "address", "type": "long_text", "required": False,
         "labels": {"en": "Street address", "vi": "Địa chỉ"}},
        {"key": "kind", "type": "choice", "labels": {"en": "Kind"},
         "choices": [{"value": "home", "labels": {"en": "Home"}},
                     {"value": "shop", "labels": {"en": "Shop"}}]},
        {"key": "meter", "type": "number", "required": True, "labels": {"en": "Meter number"}}])
    changed["fields"].pop(1)  # "kind" goes
    changed["fields"].insert(1, {"key": "phone", "type": "phone", "labels": {"en": "Phone"}})
    proposal = propose_form(system, changed)
    same = propose_form(system, definition())
    sign_in(client, admin)
    html = html_of(client.get(PROPOSALS))
    part = html.split(f'id="proposal-{proposal.id}"')[1].split(f'id="proposal-{same.id}"')[0]
    assert ("<strong>A new version of an existing form</strong>: <bdi>Water connection</bdi>, "
            "now at version 1" in part)
    assert "10 working days (now 7 working days)" in part
    assert "Changes from version 1" in part
    added = part.split("<h4>Added fields</h4>")[1].split("</ul>")[0]
    assert f"{code('phone')}: <bdi>Phone</bdi> (Phone number)" in added
    assert f"{code('meter')}: <bdi>Meter number</bdi> (Number, required)" in added
    removed = part.split("<h4>Removed fields</h4>")[1].split("</ul>")[0]
    assert f"{code('kind')}: <bdi>Kind</bdi> (One choice from a list)" in removed
    changes = part.split('<table class="proposal-changes">')[1].split("</table>")[0]
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in changes.split("<tr>")[2:]]
    assert rows == ["address Street address Label Address Street address",
                    "Type Short text Long text", "Required or optional Required Optional"]
    assert 'rowspan="3"' in changes
    # The same fields again: said so.
    rest = html.split(f'id="proposal-{same.id}"')[1]
    assert "The fields are the same as in the version people fill in now." in rest
    client.post(f"{PROPOSALS}/{proposal.id}", data={"decision": "approve"})
    form = db.session.scalar(select(Form).where(Form.slug == "water-connection"))
    assert [v.number for v in form.versions] == [1, 2] and form.processing_days == 10
    assert [f.key for f in form.current_version.fields] == ["address", "phone", "meter"]
    assert [f.key for f in form.versions[0].fields] == ["address", "kind"]


def test_a_choice_change_is_shown(client, db, office, admin, system):
    decide_proposal(admin, propose_form(system, definition()).id, True, "",
                    unit_id=office["units"]["HN"].id)
    changed = definition()
    changed["fields"][1]["choices"].append({"value": "shop", "labels": {"en": "Shop"}})
    propose_form(system, changed)
    sign_in(client, admin)
    changes = html_of(client.get(PROPOSALS)).split('<table class="proposal-changes">')[1]
    row = changes.split("</table>")[0].split("<tr>")[2]
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() == "kind Kind Choices home home , shop"


def test_a_rejection_needs_a_reason_the_system_reads(client, db, admin):
    system, key = create_api_client(admin, "CRM", [])
    proposal = propose_form(system, definition())
    sign_in(client, admin)
    page = client.post(f"{PROPOSALS}/{proposal.id}", data={"decision": "reject", "reason": " \n "})
    html = html_of(page)
    assert page.status_code == 422 and 'role="alert"' in html
    assert f'<a href="#reason-{proposal.id}">Please say why the form is rejected' in html
    assert (f'aria-describedby="reason-{proposal.id}-help problem-reason-{proposal.id}" '
            'aria-invalid="true"' in html)
    assert db.session.get(FormProposal, proposal.id).status == "pending"
    assert api(client, f"/forms/proposals/{proposal.id}", key).json["status"] == "pending"
    assert client.post(f"{PROPOSALS}/{proposal.id}", data={"reason": "x"}).status_code == 400
    done = client.post(f"{PROPOSALS}/{proposal.id}", data={
        "decision": "reject", "reason": "Please add the meter number."})
    assert done.status_code == 302
    assert "The form is rejected. The system that sent it can read your reason." in html_of(
        client.get(PROPOSALS))
    answer = api(client, f"/forms/proposals/{proposal.id}", key).json
    assert (answer["status"], answer["reason"]) == ("rejected", "Please add the meter number.")
    assert db.session.scalar(select(Form).where(Form.slug == "water-connection")) is None
    again = client.post(f"{PROPOSALS}/{proposal.id}", data={"decision": "approve"})
    assert again.status_code == 422 and "This proposal has already been decided." in html_of(again)
    assert db.session.scalar(select(Form).where(Form.slug == "water-connection")) is None


def test_proposals_are_listed_oldest_first_and_decided_ones_leave(client, db, admin, system):
    first = propose_form(system, definition(slug="first", title={"en": "First"}))
    second = propose_form(system, definition(slug="second", title={"en": "Second"}))
    decided = propose_form(system, definition(slug="third", title={"en": "Third"}))
    decide_proposal(admin, decided.id, False, "No")
    sign_in(client, admin)
    html = html_of(client.get(PROPOSALS))
    assert html.index(f'id="proposal-{first.id}"') < html.index(f'id="proposal-{second.id}"')
    assert "Third" not in html and "2 forms wait for approval" in html


# --- what systems and their forms say is text -----------------------------------------------------

def test_what_systems_send_is_shown_as_text(client, db, admin):
    system = create_api_client(admin, f"CRM {HOSTILE[0]}", [], "https://crm.example/?q=<b>",
                               ["received"])[0]
    propose_form(system, definition(title={"en": HOSTILE[0], "vi": HOSTILE[1]}, fields=[
        {"key": "address", "type": "choice", "labels": {"en": HOSTILE[1]},
         "choices": [{"value": HOSTILE[0][:60], "labels": {"en": "x"}}]}]))
    sign_in(client, admin)
    shown = client.post(f"{SYSTEMS}/{system.id}/secret")
    refused = client.post(f"{SYSTEMS}/{system.id}/webhook", data={"webhook_url": HOSTILE[0]})
    created = client.post(SYSTEMS, data={"name": HOSTILE[1]})
    for page in (client.get(SYSTEMS), client.get(PROPOSALS), shown, refused, created,
                 client.get(PROPOSALS, headers={"Accept-Language": "vi"})):
        html = html_of(page)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>" not in html
    assert str(escape(HOSTILE[0])) in html_of(client.get(PROPOSALS))
    assert f"<bdi>CRM {escape(HOSTILE[0])}</bdi>" in html_of(client.get(SYSTEMS))
    assert f"<bdi>{escape(HOSTILE[1])}</bdi> is connected" in html_of(created)
    assert f'value="{escape(HOSTILE[0])}"' in html_of(refused)


def test_csrf_token_is_required(client, app, db, office, admin, system):
    proposal = propose_form(system, definition())
    sign_in(client, admin)
    app.config["WTF_CSRF_ENABLED"] = True
    posts = [(SYSTEMS, {"name": "Other"}), (f"{SYSTEMS}/{system.id}/revoke", {}),
             (f"{SYSTEMS}/{system.id}/webhook", {"webhook_url": "https://crm.example/in"}),
             (f"{PROPOSALS}/{proposal.id}", {"decision": "approve",
                                             "unit_id": str(office["units"]["HN"].id)})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 400, url
    assert db.session.scalar(select(func.count(ApiClient.id))) == 1
    assert db.session.get(FormProposal, proposal.id).status == "pending"
    for page in (client.get(SYSTEMS), client.get(PROPOSALS)):
        html = html_of(page)
        forms = html.count("<form method=\"post\"")
        assert forms == len(CSRF_INPUT.findall(html)), "a form without a CSRF token"
    token = CSRF_INPUT.search(html_of(client.get(SYSTEMS))).group(1)
    for url, data in reversed(posts):
        assert client.post(url, data=data | {"csrf_token": token}).status_code in (200, 302), url
    assert db.session.get(FormProposal, proposal.id).status == "approved"


# --- markup ---------------------------------------------------------------------------------------

def test_integration_pages_are_valid_html(client, db, office, admin, tmp_path):
    system = create_api_client(admin, "Hệ thống văn bản", [office["units"]["HN"].id],
                               "https://docs.example/in", ["received", "closed"])[0]
    revoked = create_api_client(admin, "Old CRM", [])[0]
    revoke_api_client(admin, revoked.id)
    decide_proposal(admin, propose_form(system, definition()).id, True, "",
                    unit_id=office["units"]["HN"].id)
    changed = definition(days=9)
    changed["fields"][0]["labels"]["en"] = "Street address"
    changed["fields"].append({"key": "meter", "type": "number", "labels": {"en": "Meter"}})
    changed["fields"].pop(1)
    propose_form(system, changed)
    bad = propose_form(system, definition(slug="new-form", title={"fa": "فرم تازه"}))
    sign_in(client, admin)
    pages = {
        "systems": client.get(SYSTEMS),
        "systems fa": client.get(SYSTEMS, headers={"Accept-Language": "fa"}),
        "created": client.post(SYSTEMS, data={"name": "CRM", "webhook_url": "https://crm.example/in",
                                              "events": ["received"]}),
        "create refused": client.post(SYSTEMS, data={"name": ""}),
        "webhook refused": client.post(f"{SYSTEMS}/{system.id}/webhook",
                                       data={"webhook_url": "ftp://x"}),
        "secret": client.post(f"{SYSTEMS}/{system.id}/secret"),
        "proposals": client.get(PROPOSALS),
        "proposals fa": client.get(PROPOSALS, headers={"Accept-Language": "fa"}),
        "proposal refused": client.post(f"{PROPOSALS}/{bad.id}", data={"decision": "reject"}),
    }
    expected = {"create refused": 422, "webhook refused": 422, "proposal refused": 422}
    assert {name: page.status_code for name, page in pages.items()} == {
        name: expected.get(name, 200) for name in pages}
    assert html_errors({name: html_of(page) for name, page in pages.items()}, tmp_path) == []
