"""Forms pushed by connected systems: placed in a unit (given in the push, checked against the
key, or chosen at approval), read back through GET /forms exactly as pushed, and no way of
making a form leaves its requests in no unit's inbox. Units are listed through the API."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from tests import backoffice, test_api
from widget.models import Channel, Form, FormGroup, Request, Unit
from widget.services.access import NotAllowed
from widget.services.form_proposals import decide_proposal

office, received = backoffice.office, backoffice.received
admin, key, hn_key = test_api.admin, test_api.key, test_api.hn_key
LANGS = ("en", "vi", "fa", "ru")


def texts(word: str) -> dict:
    return {language: f"{word} ({language})" for language in LANGS}


def every_field() -> list[dict]:
    """One field of each type, each with every option a field may have."""
    fields = []
    for index, kind in enumerate(("text", "long_text", "number", "date", "email", "phone",
                                  "choice", "multi_choice", "checkbox", "file")):
        fields.append({
            "key": f"f{index}_{kind}", "type": kind, "required": index % 2 == 0,
            "labels": texts(f"Label {kind}"), "helps": texts(f"Help {kind}"),
            "min_length": 2 if kind in ("text", "long_text") else None,
            "max_length": 300 if kind in ("text", "long_text") else None,
            "min_value": -12.5 if kind == "number" else None,
            "max_value": 100000 if kind == "number" else None,
            "prefill": {"text": "name", "email": "email", "phone": "phone"}.get(kind),
            "choices": [{"value": "a", "labels": texts("A")}, {"value": "b-2", "labels": texts("B")}]
            if kind in ("choice", "multi_choice") else []})
    return fields




@pytest.fixture
def group(db, office):
    made = FormGroup(organization_id=office["org"].id, titles=texts("Permits"))
    db.session.add(made)
    db.session.commit()
    return made


def push(client, key, definition, idem=None):
    return client.post("/api/v1/forms", json=definition, headers={
        "Authorization": f"Bearer {key}", "Idempotency-Key": idem or definition["slug"]})


def read_forms(client, key) -> dict:
    answer = client.get("/api/v1/forms", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200
    return {form["slug"]: form for form in answer.json["forms"]}


def test_a_pushed_form_reads_back_with_everything_it_was_pushed_with(client, db, office, admin,
                                                                     key, group):
    definition = {"slug": "all-fields", "processing_days": 12, "titles": texts("All fields"),
                  "descriptions": {"en": "<p>Bring <strong>two</strong> copies.</p>",
                                   "vi": "<p>Mang theo hai bản.</p>"},
                  "unit_id": office["units"]["XD"].id, "group_id": group.id,
                  "fields": every_field()}
    pushed = push(client, key, copy.deepcopy(definition))
    assert pushed.status_code == 202, pushed.json
    decide_proposal(admin, pushed.json["id"], True, "")
    read = read_forms(client, key)["all-fields"]
    assert {name: read[name] for name in definition} == definition
    assert read["published"] is True and read["version"] == 1


def test_a_pushed_unit_and_group_are_checked_against_the_key(client, db, office, admin, key,
                                                             hn_key, create_site):
    from widget.models import Role
    from widget.services.staff import create_staff
    other_org = create_site(key="other", slug="org-other").organization
    foreign = Unit(organization_id=other_org.id, code="FX", names={"en": "Foreign"})
    closed = Unit(organization_id=office["org"].id, code="OLD", names={"en": "Old"},
                  is_active=False)
    db.session.add_all([foreign, closed])
    db.session.commit()
    base = {"slug": "placed", "processing_days": 3, "titles": {"en": "Placed"},
            "fields": [{"key": "name", "type": "text", "labels": {"en": "Name"}}]}
    for sent, unit_id in ((key, foreign.id), (key, closed.id), (key, 999999), (key, 2**40), (key, True),
                          (key, "1"), (hn_key, office["units"]["XD"].id)):
        refused = push(client, sent, base | {"unit_id": unit_id}, idem=f"u-{unit_id}-{sent[:9]}")
        assert refused.status_code == 422 and "unit_id" in refused.json["errors"], unit_id
    other_admin = create_staff(other_org, "a@other.test", "A", "correct horse battery", Role.ADMIN)
    theirs = FormGroup(organization_id=other_org.id, titles={"en": "Theirs"})
    db.session.add(theirs)
    db.session.commit()
    assert other_admin.id
    refused = push(client, key, base | {"group_id": theirs.id}, idem="g")
    assert refused.status_code == 422 and "group_id" in refused.json["errors"]
    # A unit the key has is kept, and the form is published into it without being chosen.
    kept = push(client, hn_key, base | {"unit_id": office["units"]["HN"].id}, idem="ok")
    assert kept.status_code == 202, kept.json
    decide_proposal(admin, kept.json["id"], True, "")
    form = db.session.scalar(select(Form).where(Form.slug == "placed"))
    assert form.unit_id == office["units"]["HN"].id


def test_a_push_without_a_unit_waits_for_the_administrator_to_choose_one(client, db, office,
                                                                         admin, key):
    base = {"slug": "unplaced", "processing_days": 3, "titles": {"en": "Unplaced"},
            "fields": [{"key": "name", "type": "text", "labels": {"en": "Name"}}]}
    pushed = push(client, key, base)
    with pytest.raises(NotAllowed):
        decide_proposal(admin, pushed.json["id"], True, "")
    assert db.session.scalar(select(Form).where(Form.slug == "unplaced")) is None
    decide_proposal(admin, pushed.json["id"], True, "", unit_id=office["units"]["XD"].id)
    form = db.session.scalar(select(Form).where(Form.slug == "unplaced"))
    assert form.is_published and form.unit_id == office["units"]["XD"].id
    # Its next version keeps the form's unit unless another is chosen.
    again = push(client, key, base | {"processing_days": 4}, idem="again")
    decide_proposal(admin, again.json["id"], True, "")
    assert db.session.get(Form, form.id).unit_id == office["units"]["XD"].id


def test_units_are_listed_within_the_keys_scope(client, office, key, hn_key):
    def units(sent):
        answer = client.get("/api/v1/units", headers={"Authorization": f"Bearer {sent}"})
        assert answer.status_code == 200
        return [(unit["code"], unit["active"]) for unit in answer.json["units"]]
    assert units(key) == [("HN", True), ("XD", True)]
    assert units(hn_key) == [("HN", True)]
    assert client.get("/api/v1/units").status_code == 401


def test_no_way_of_making_a_form_leaves_its_requests_in_no_units_inbox(
        app, client, db, office, admin, key):
    from widget.demo import load_demo_data
    from widget.services import form_builder, open311
    from widget.services.submission import Outcome, Policy
    from widget.services.submit import file_on_behalf
    from widget.uploads import configured_limits, configured_store
    # The form builder: a new form is published only once it has a unit.
    made = form_builder.create_form(admin, "built", {"en": "Built"})
    from widget.models import Field
    made.versions[-1].fields.append(Field(position=0, key="name", type="text",
                                          labels={"en": "Name"}))
    db.session.commit()
    with pytest.raises(NotAllowed):
        form_builder.publish_draft(admin, made.id, make_public=True)
    assert not db.session.get(Form, made.id).is_published
    # A form left without a unit by an older release is offered nowhere and takes nothing.
    legacy = office["forms"]["HN"]
    legacy.unit_id = None
    db.session.commit()
    catalogue = client.get(f"/w/{office['site'].key}/en/")
    assert catalogue.status_code == 200 and "/f/form-xd" in catalogue.get_data(as_text=True)
    assert "/f/form-hn" not in catalogue.get_data(as_text=True)
    assert client.get(f"/w/{office['site'].key}/en/f/form-hn").status_code == 404
    assert legacy.slug not in [form.slug for form in open311.published_services(open311.Caller(office["org"]))]
    filed = file_on_behalf(admin, legacy, Channel.DESK, "en", {"name": ["Lan"]}, [],
                           Policy(configured_limits(), 0, configured_store()))
    assert filed.outcome is not Outcome.SENT
    # Demo forms and every request made above have a unit.
    load_demo_data("http://localhost:8000")
    assert db.session.scalars(select(Form).where(Form.is_published.is_(True),
                                                 Form.unit_id.is_(None))).all() == [legacy]
    assert db.session.scalars(select(Request).where(Request.unit_id.is_(None),
                                                    Request.submitted_at.is_not(None))).all() == []
