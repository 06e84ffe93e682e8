"""The form builder over HTTP: the forms list, creating a form, its settings, fields edited in a
draft version, publishing (published versions stay frozen for the requests sent on them), the
preview in each language; and on the widget, the fee and the hand-over choice. Administrators
only, audited, escaped, valid HTML."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests import backoffice, test_admin
from tests.conftest import form_token
from tests.test_admin import html_of, sign_in
from tests.test_notice_settings import CSRF_INPUT, audits
from tests.vnu import html_errors
from widget import codes
from widget.models import AuditEntry, Form, FormGroup, FormVersion, Request, Unit
from widget.services.api_clients import create_api_client
from widget.services.form_proposals import decide_proposal, propose_form

office, no_csrf = backoffice.office, test_admin.no_csrf
FORMS = "/admin/forms"
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>']


@pytest.fixture
def admin(office, client):
    sign_in(client, office["people"]["admin"])
    return office["people"]["admin"]


@pytest.fixture
def form(office):
    """Unit HN's published form: version 1 with name, message, proof, email, phone."""
    return office["forms"]["HN"]


def fresh(db, model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def settings(office, **changes) -> dict:
    data = {"title_en": "Water connection", "title_vi": "Đấu nối nước", "processing_days": "7",
            "sms_enabled": "1", "unit_id": str(office["units"]["HN"].id), "group_id": "",
            "fee": "", "is_published": "1"}
    return {**data, **changes}


def field(**changes) -> dict:
    return {"key": "district", "type": "text", "label_en": "District", "label_vi": "Quận",
            **changes}


def test_the_list_shows_every_form_and_the_administration_page_links_it(client, db, office, admin,
                                                                          form):
    other = office["forms"]["XD"]
    other.is_published = False
    db.session.commit()
    html = html_of(client.get(FORMS))
    assert 'href="/admin/forms"' in html_of(client.get("/admin/administration"))
    row = html.split(f'id="form-{form.id}"')[1].split("</tr>")[0]
    assert "form-hn" in row and "Unit HN" in row and "Applications" in row
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[4:]] == ["Yes", "1", "None", "0"]
    assert "form-xd" in html and "Unit XD" in html


def test_a_non_administrator_finds_no_page_of_the_builder(client, db, office, form):
    sign_in(client, office["people"]["head"])
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    gets = [FORMS, f"{FORMS}/{form.id}", f"{FORMS}/{form.id}/preview/current/en"]
    posts = [(FORMS, {"slug": "x", "title_en": "X"}), (f"{FORMS}/{form.id}/settings", settings(office)),
             (f"{FORMS}/{form.id}/fields", field()), (f"{FORMS}/{form.id}/fields/name", field(key="name")),
             (f"{FORMS}/{form.id}/fields/name/move", {"direction": "down"}),
             (f"{FORMS}/{form.id}/fields/name/remove", {}), (f"{FORMS}/{form.id}/publish", {}),
             (f"{FORMS}/{form.id}/discard", {})]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    assert len(fresh(db, Form, form.id).versions) == 1


def test_another_organisations_forms_are_not_found(client, db, admin, create_site, create_form,
                                                   office):
    foreign = create_form(create_site("other"), slug="foreign")
    for url in (f"{FORMS}/{foreign.id}", f"{FORMS}/{foreign.id}/preview/current/en"):
        assert client.get(url).status_code == 404
    for url, data in ((f"{FORMS}/{foreign.id}/settings", settings(office)),
                      (f"{FORMS}/{foreign.id}/fields", field()),
                      (f"{FORMS}/{foreign.id}/fields/name", field(key="name")),
                      (f"{FORMS}/{foreign.id}/publish", {})):
        assert client.post(url, data=data).status_code == 404, url
    assert len(fresh(db, Form, foreign.id).versions) == 1
    assert "foreign" not in html_of(client.get(FORMS))


def test_pages_change_nothing_and_are_valid_html(client, db, admin, form, tmp_path):
    client.post(f"{FORMS}/{form.id}/fields", data=field())
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    pages = {url: client.get(url) for url in (
        FORMS, f"{FORMS}/{form.id}", f"{FORMS}/{form.id}/preview/draft/fa",
        f"{FORMS}/{form.id}/preview/current/vi")}
    assert {url: page.status_code for url, page in pages.items()} == dict.fromkeys(pages, 200)
    pages["refused"] = client.post(f"{FORMS}/{form.id}/fields", data=field(key="Bad Key"))
    assert pages["refused"].status_code == 422
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    assert html_errors({url: html_of(page) for url, page in pages.items()}, tmp_path) == []


def test_a_post_without_a_csrf_token_is_refused(client, app, db, admin, form):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(FORMS, data={"slug": "water", "title_en": "Water"}).status_code == 400
    assert client.post(f"{FORMS}/{form.id}/fields", data=field()).status_code == 400
    assert db.session.scalar(select(func.count(Form.id))) == 2
    html = html_of(client.get(f"{FORMS}/{form.id}"))
    assert html.count('<form method="post"') == len(CSRF_INPUT.findall(html))
    token = CSRF_INPUT.search(html).group(1)
    assert client.post(FORMS, data={"slug": "water", "title_en": "Water",
                                    "csrf_token": token}).status_code == 302


def test_creating_a_form_starts_an_empty_unpublished_draft(client, db, admin):
    response = client.post(FORMS, data={"slug": "water-2", "title_vi": "Đấu nối nước"})
    created = db.session.scalar(select(Form).where(Form.slug == "water-2"))
    assert response.status_code == 302 and response.location.endswith(f"{FORMS}/{created.id}")
    assert created.titles == {"vi": "Đấu nối nước"} and not created.is_published
    assert created.current_version is None and created.draft_version.fields == []
    assert [entry.after["slug"] for entry in audits(db, "form_created")] == ["water-2"]


@pytest.mark.parametrize("data, message", [
    ({"slug": "Water Connection", "title_en": "Water"}, "lower-case letters, digits and dashes"),
    ({"slug": "form-hn", "title_en": "Water"}, "Another form already has this address name."),
    ({"slug": "water", "title_en": "  "}, "at least one language"),
])
def test_a_refused_form_is_not_created(client, db, admin, data, message):
    response = client.post(FORMS, data=data)
    assert response.status_code == 422
    assert str(escape(message)) in html_of(response)
    assert f'value="{escape(data["slug"])}"' in html_of(response)
    assert db.session.scalar(select(func.count(Form.id))) == 2
    assert audits(db, "form_created") == []


def test_settings_apply_at_once_and_are_audited(client, db, office, admin, form):
    group = FormGroup(organization_id=office["org"].id, titles={"en": "Water"})
    db.session.add(group)
    db.session.commit()
    response = client.post(f"{FORMS}/{form.id}/settings", data=settings(
        office, description_en='<p>Bring <b>ID</b></p><script>x()</script>', fee="12.50",
        handovers=["post", "desk"], same_day="1", group_id=str(group.id),
        unit_id=str(office["units"]["XD"].id)))
    assert response.status_code == 302
    stored = fresh(db, Form, form.id)
    assert stored.titles == {"en": "Water connection", "vi": "Đấu nối nước"}
    assert stored.descriptions == {"en": "<p>Bring <b>ID</b></p>"}  # the script's text goes too
    assert (stored.processing_days, stored.fee_amount, stored.handovers) == (7, Decimal("12.50"),
                                                                             ["desk", "post"])
    assert stored.same_day and stored.sms_enabled and stored.is_published
    assert (stored.unit_id, stored.group_id) == (office["units"]["XD"].id, group.id)
    assert len(stored.versions) == 1  # settings make no version
    [entry] = audits(db, "form_settings_updated")
    assert entry.before["fee_amount"] is None and entry.after["fee_amount"] == "12.50"


def test_refused_settings_change_nothing(client, db, office, admin, form, create_site):
    closed = Unit(organization_id=office["org"].id, code="OLD", names={"en": "Old"},
                  is_active=False)
    foreign = create_site("other").organization
    foreign_unit = Unit(organization_id=foreign.id, code="F", names={"en": "Foreign"})
    foreign_group = FormGroup(organization_id=foreign.id, titles={"en": "Foreign"})
    db.session.add_all([closed, foreign_unit, foreign_group])
    db.session.commit()
    for changes, message in (
            ({"processing_days": "0"}, "from 1 to 365"), ({"processing_days": "x"}, "from 1 to 365"),
            ({"fee": "1.234"}, "at most two decimals"), ({"fee": "-5"}, "at most two decimals"),
            ({"fee": "NaN"}, "at most two decimals"), ({"title_en": "", "title_vi": ""}, "title"),
            ({"unit_id": str(closed.id)}, "active unit"), ({"unit_id": str(foreign_unit.id)}, "active unit"),
            ({"group_id": str(foreign_group.id)}, "group of the organisation"),
            ({"handovers": ["drone"]}, "no such way")):
        response = client.post(f"{FORMS}/{form.id}/settings",
                               data={**settings(office, title_en=HOSTILE[2]), **changes})
        assert response.status_code == 422, changes
        assert message in html_of(response), changes
        assert 'aria-invalid' not in html_of(response) or 'id="problem-settings"' in html_of(response)
    stored = fresh(db, Form, form.id)
    assert (stored.titles["en"], stored.processing_days, stored.fee_amount) == ("Form-Hn", 5, None)
    assert audits(db, "form_settings_updated") == []


def test_a_form_without_a_published_version_cannot_be_published(client, db, office, admin):
    client.post(FORMS, data={"slug": "new-one", "title_en": "New"})
    created = db.session.scalar(select(Form).where(Form.slug == "new-one"))
    response = client.post(f"{FORMS}/{created.id}/settings", data=settings(office))
    assert response.status_code == 422 and "publish its fields first" in html_of(response)
    assert not fresh(db, Form, created.id).is_published
    refused = client.post(f"{FORMS}/{created.id}/publish", data={"open": "1"})
    assert refused.status_code == 422 and "at least one field" in html_of(refused)


def test_editing_makes_a_draft_and_publishing_keeps_old_requests_on_their_version(
        client, db, office, admin, form):
    request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                      unit_id=office["units"]["HN"].id, form_version_id=form.current_version.id,
                      status="received", code=codes.generate(), answers={"name": "Lan"},
                      language="en")
    db.session.add(request)
    db.session.commit()
    response = client.post(f"{FORMS}/{form.id}/fields/name", data={
        "label_en": "Full name", "required": "1", "max_length": "80"})
    assert response.status_code == 302
    stored = fresh(db, Form, form.id)
    assert [v.number for v in stored.versions] == [1, 2]
    assert stored.current_version.number == 1 and stored.draft_version.number == 2
    assert stored.current_version.fields[0].labels["en"] == "Name"
    assert stored.draft_version.fields[0].labels == {"en": "Full name"}
    assert [f.key for f in stored.draft_version.fields] == ["name", "message", "proof", "email",
                                                             "phone"]
    # The public form still shows version 1 until the draft is published.
    public = html_of(client.get(f"/w/{office['site'].key}/en/f/form-hn"))
    assert "Full name" not in public and ">Name" in public
    assert client.post(f"{FORMS}/{form.id}/publish", data={"open": "1"}).status_code == 302
    stored = fresh(db, Form, form.id)
    assert stored.current_version.number == 2 and stored.draft_version is None
    assert "Full name" in html_of(client.get(f"/w/{office['site'].key}/en/f/form-hn"))
    # The next change makes version 3: version 2 is frozen too.
    client.post(f"{FORMS}/{form.id}/fields/name", data={"label_en": "Your name"})
    stored = fresh(db, Form, form.id)
    assert [v.number for v in stored.versions] == [1, 2, 3]
    assert stored.versions[1].fields[0].labels == {"en": "Full name"}
    # The request sent on version 1 keeps version 1's labels, for staff and for the person.
    staff_page = html_of(client.get(f"/admin/requests/{request.id}"))
    assert ">Name<" in staff_page and "Full name" not in staff_page and "Your name" not in staff_page
    status = html_of(client.post(f"/w/{office['site'].key}/en/track", data={"code": request.code}))
    assert ">Name<" in status and "Full name" not in status
    assert [e.action for e in audits(db) if e.action.startswith(("field", "form"))] == [
        "field_updated", "form_version_published", "field_updated"]


def test_fields_are_added_moved_and_removed_in_the_draft(client, db, admin, form):
    assert client.post(f"{FORMS}/{form.id}/fields", data=field(
        type="choice", choices="inner | Inner | Nội thành\nouter | Outer", required="1",
        prefill="address")).status_code == 302
    draft = fresh(db, Form, form.id).draft_version
    added = draft.fields[-1]
    assert (added.key, added.type, added.required, added.prefill) == ("district", "choice", True,
                                                                      "address")
    assert added.choices == [{"value": "inner", "labels": {"en": "Inner", "vi": "Nội thành"}},
                             {"value": "outer", "labels": {"en": "Outer"}}]
    client.post(f"{FORMS}/{form.id}/fields/district/move", data={"direction": "up"})
    client.post(f"{FORMS}/{form.id}/fields/name/remove")
    draft = fresh(db, Form, form.id).draft_version
    assert [f.key for f in draft.fields] == ["message", "proof", "email", "district", "phone"]
    assert [f.position for f in draft.fields] == [0, 1, 2, 3, 4]
    assert len(fresh(db, Form, form.id).current_version.fields) == 5
    assert {"field_added", "field_moved", "field_removed"} <= {e.action for e in audits(db)}
    assert client.post(f"{FORMS}/{form.id}/fields/nope/remove").status_code == 404
    assert client.post(f"{FORMS}/{form.id}/fields/name/move",
                       data={"direction": "sideways"}).status_code == 400


@pytest.mark.parametrize("data, message", [
    (field(key="1st"), "The key is lower-case letters"),
    (field(key="name"), "Another field of this form has this key."),
    (field(label_en="", label_vi=""), "Please write the label in at least one language."),
    (field(type="choice"), "A choice field needs at least one choice"),
    (field(type="choice", choices="a"), "Each choice needs a label"),
    (field(type="number", min_value="10", max_value="2"), "The smallest value cannot be more"),
    (field(type="number", min_value="NaN"), "Please enter a number"),
    (field(min_length="-1"), "A length is a whole number"),
    (field(min_length="9", max_length="3"), "The shortest length cannot be more"),
    (field(prefill="password"), "a detail of the person"),
    (field(type="script"), "Please choose the type of the field."),
])
def test_a_bad_field_is_refused_with_a_translated_reason_and_nothing_saved(
        client, db, admin, form, data, message):
    response = client.post(f"{FORMS}/{form.id}/fields", data=data)
    html = html_of(response)
    assert response.status_code == 422 and str(escape(message)) in html
    assert 'aria-invalid="true"' in html and f'value="{escape(data["key"])}"' in html
    assert len(fresh(db, Form, form.id).versions) == 1
    assert audits(db, "field_added") == []


def test_hostile_text_is_stored_as_text_and_shown_escaped(client, db, office, admin, form):
    client.post(f"{FORMS}/{form.id}/settings", data=settings(
        office, title_en=HOSTILE[0], title_vi=HOSTILE[1], title_fa=HOSTILE[2],
        description_en=HOSTILE[1] + HOSTILE[2]))
    client.post(f"{FORMS}/{form.id}/fields", data=field(
        type="choice", label_en=HOSTILE[0], help_en=HOSTILE[1],
        choices=f"x | {HOSTILE[2]}\ny | {HOSTILE[1]}"))
    stored = fresh(db, Form, form.id)
    assert stored.titles == {"en": HOSTILE[0], "vi": HOSTILE[1], "fa": HOSTILE[2]}
    assert "onerror" not in stored.descriptions["en"] and "<svg" not in stored.descriptions["en"]
    assert stored.draft_version.fields[-1].labels["en"] == HOSTILE[0]
    for url in (FORMS, f"{FORMS}/{form.id}", f"{FORMS}/{form.id}/preview/draft/en",
                f"{FORMS}/{form.id}/preview/draft/fa"):
        html = html_of(client.get(url))
        for text in HOSTILE:
            assert text not in html, url
        assert str(escape(HOSTILE[0])) in html, url
    refused = html_of(client.post(FORMS, data={"slug": HOSTILE[2], "title_en": HOSTILE[0]}))
    assert HOSTILE[2] not in refused and str(escape(HOSTILE[2])) in refused


def test_the_preview_is_the_widget_form_in_the_chosen_language_and_posts_nowhere(
        client, db, office, admin, form):
    client.post(f"{FORMS}/{form.id}/fields/name", data={"label_en": "Full name",
                                                        "label_fa": "نام کامل"})
    draft = html_of(client.get(f"{FORMS}/{form.id}/preview/draft/fa"))
    assert 'lang="fa" dir="rtl"' in draft and "نام کامل" in draft
    assert 'name="form_token"' not in draft and "action=\"/w/" not in draft
    assert draft.count("disabled>") == 2
    current = html_of(client.get(f"{FORMS}/{form.id}/preview/current/en"))
    assert 'lang="en" dir="ltr"' in current and ">Name" in current and "Full name" not in current
    assert client.get(f"{FORMS}/{form.id}/preview/draft/de").status_code == 404
    assert client.get(f"{FORMS}/{form.id}/preview/other/en").status_code == 404
    client.post(f"{FORMS}/{form.id}/discard")
    assert client.get(f"{FORMS}/{form.id}/preview/draft/en").status_code == 404
    assert fresh(db, Form, form.id).draft_version is None
    assert [e.action for e in audits(db, "form_draft_discarded")] == ["form_draft_discarded"]


def test_a_proposal_approved_beside_a_draft_leaves_the_draft_newest(client, db, office, admin,
                                                                    form):
    client.post(f"{FORMS}/{form.id}/fields", data=field())
    system = create_api_client(admin, "CRM", [])[0]
    proposal = propose_form(system, {
        "slug": "form-hn", "processing_days": 3, "titles": {"en": "Pushed"},
        "fields": [{"key": "code", "type": "text", "labels": {"en": "Code"}}]})
    decide_proposal(admin, proposal.id, True, "")
    stored = fresh(db, Form, form.id)
    assert [(v.number, v.published_at is None) for v in stored.versions] == [
        (1, False), (2, False), (3, True)]
    assert [f.key for f in stored.current_version.fields] == ["code"]
    assert stored.draft_version.fields[-1].key == "district"


# --- the widget: fee and hand-over ---------------------------------------------------------------

def _send(client, site, data):
    page = html_of(client.get(f"/w/{site.key}/en/f/form-hn"))
    return client.post(f"/w/{site.key}/en/f/form-hn",
                       data={"form_token": form_token(page), "name": "Lan", **data})


def test_the_widget_shows_the_fee_and_asks_how_the_result_should_come(client, db, office, admin,
                                                                      form):
    client.post(f"{FORMS}/{form.id}/settings", data=settings(
        office, fee="50000", handovers=["desk", "post"]))
    site = office["site"]
    page = html_of(client.get(f"/w/{site.key}/en/f/form-hn"))
    assert '<p class="fee">Fee: 50,000</p>' in page
    assert page.count('name="_handover"') == 2 and "collect it at the desk" in page
    refused = _send(client, site, {})
    assert refused.status_code == 422
    assert "Please choose how you want to receive the result." in html_of(refused)
    assert db.session.scalar(select(func.count(Request.id))) == 0
    receipt = _send(client, site, {"_handover": "post"})
    assert receipt.status_code == 200 and "it is sent to you by post" in html_of(receipt)
    sent = db.session.scalar(select(Request))
    assert sent.handover == "post"
    status = html_of(client.post(f"/w/{site.key}/en/track", data={"code": sent.code}))
    assert "it is sent to you by post" in status
    assert _send(client, site, {"_handover": "online"}).status_code == 422  # not offered


def test_the_way_chosen_is_kept_with_a_draft_and_back_when_it_is_resumed(client, db, office,
                                                                          admin, form):
    client.post(f"{FORMS}/{form.id}/settings", data=settings(office, handovers=["desk", "post"]))
    site = office["site"]
    saved = _send(client, site, {"_handover": "post", "action": "draft"})
    assert saved.status_code == 200
    draft = db.session.scalar(select(Request))
    assert draft.is_draft and draft.handover == "post"
    page = html_of(client.post(f"/w/{site.key}/en/resume", data={"code": draft.resume_code}))
    assert re.search(r'name="_handover" value="post" checked', page)
    assert not re.search(r'name="_handover" value="desk" checked', page)
    # Sent from the resumed page without touching the choice: it is the one kept.
    sent = client.post(f"/w/{site.key}/en/f/form-hn", data={
        "form_token": form_token(page), "name": "Lan", "_handover": "post"})
    assert sent.status_code == 200 and "it is sent to you by post" in html_of(sent)


def test_one_way_is_stated_and_no_fee_says_nothing(client, db, office, admin, form):
    client.post(f"{FORMS}/{form.id}/settings", data=settings(office, handovers=["online"]))
    site = office["site"]
    page = html_of(client.get(f"/w/{site.key}/en/f/form-hn"))
    assert "When the result is ready: download it on this page." in page
    assert 'name="_handover"' not in page and "Fee" not in page
    assert _send(client, site, {}).status_code == 200
    assert db.session.scalar(select(Request)).handover == "online"


def test_a_form_offering_no_way_leaves_it_to_the_staff(client, db, office, form):
    site = office["site"]
    assert _send(client, site, {"_handover": "post"}).status_code == 200
    assert db.session.scalar(select(Request)).handover is None
    assert db.session.scalar(select(func.count(FormVersion.id))) == 2
