"""The administrators' organisation pages: settings (names, country, time zone, opening hours,
closed days, SMS, colour) that deadlines then follow, and units (subsidiaries and departments)
with their parents, closing and reopening. Administrators only, one organisation only, audited,
escaped, valid HTML."""
from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import select

from tests import backoffice, test_admin, test_notice_settings
from tests.test_admin import HOSTILE, html_of, sign_in
from tests.test_notice_settings import CSRF_INPUT, audits
from tests.vnu import html_errors
from widget.models import ApiClient, Organization, Unit
from widget.services.access import NotAllowed
from widget.services.api_clients import create_api_client
from widget.services.organisation import UnitInput, create_unit, set_unit_active, update_unit
from widget.workdays import WorkCalendar

office, received = backoffice.office, backoffice.received
no_csrf, commits = test_admin.no_csrf, test_notice_settings.commits
SETTINGS = "/admin/organisation"
UNITS = "/admin/organisation/units"
HOSTILE_ALL = HOSTILE + ['"><svg onload=alert(1)>']
GOOD = {"name-en": "Ward office", "name-vi": "UBND phường", "name-fa": "دفتر محله",
        "name-ru": "Управа", "country": "vn", "timezone": "Asia/Ho_Chi_Minh",
        "day_start": "07:30", "day_end": "16:30", "closed_days": "2026-12-31\n\n2026-12-30\n",
        "show_executor_name": "1", "sms_max_segments": "2", "theme_color": "#AA0011"}


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def other_org(db, create_site):
    """Another organisation with a unit of its own."""
    site = create_site(key="other")
    unit = Unit(organization_id=site.organization_id, code="ZZ", names={"en": "Theirs"},
                kind="subsidiary")
    db.session.add(unit)
    db.session.commit()
    return unit


def unit_typed(code="AR", kind="department", parent_id=None, **names):
    return UnitInput(code, names or {"en": "Archive"}, kind, parent_id)


def unit_form(code="AR", kind="department", parent="", **names):
    return {"code": code, "kind": kind, "parent": parent} | (names or {"name-en": "Archive"})


# --- who may see what ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["op", "head"])
def test_only_administrators_have_the_organisation_pages(client, db, office, who):
    unit = office["units"]["HN"]
    sign_in(client, office["people"][who])
    for url in (SETTINGS, UNITS, f"{UNITS}/{unit.id}"):
        page = client.get(url)
        assert page.status_code == 404 and "Page not found" in html_of(page), url
    posts = [(SETTINGS, GOOD), (UNITS, unit_form()), (f"{UNITS}/{unit.id}", unit_form(code="HN")),
             (f"{UNITS}/{unit.id}/active", {"active": "0"})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    assert audits(db) == []
    assert db.session.get(Organization, office["org"].id).day_start == "08:00"


def test_the_administration_page_lists_the_area(client, admin):
    sign_in(client, admin)
    html = html_of(client.get("/admin/administration"))
    assert f'href="{SETTINGS}"' in html and "Organisation and units" in html


def test_another_organisations_unit_is_not_found(client, db, admin, other_org):
    sign_in(client, admin)
    assert client.get(f"{UNITS}/{other_org.id}").status_code == 404
    assert client.post(f"{UNITS}/{other_org.id}", data=unit_form(code="X")).status_code == 404
    assert client.post(f"{UNITS}/{other_org.id}/active", data={"active": "0"}).status_code == 404
    # Nor can it be chosen as a parent.
    refused = client.post(UNITS, data=unit_form(parent=str(other_org.id)))
    assert refused.status_code == 422 and "Please choose a subsidiary of this organisation." in html_of(refused)
    assert db.session.get(Unit, other_org.id).code == "ZZ" and db.session.get(Unit, other_org.id).is_active
    assert audits(db) == []


def test_gets_change_nothing(client, db, office, admin, commits):
    sign_in(client, admin)
    for url in (SETTINGS, UNITS, f"{UNITS}/{office['units']['HN'].id}"):
        assert client.get(url).status_code == 200
    assert commits == [] and audits(db) == []


def test_csrf_token_is_required(client, app, db, office, admin):
    sign_in(client, admin)
    app.config["WTF_CSRF_ENABLED"] = True
    unit = office["units"]["XD"]
    office["forms"]["XD"].unit_id = None
    db.session.commit()
    posts = [(SETTINGS, GOOD), (UNITS, unit_form()), (f"{UNITS}/{unit.id}", unit_form(code="XX")),
             (f"{UNITS}/{unit.id}/active", {"active": "0"})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 400, url
    assert audits(db) == []
    token = CSRF_INPUT.search(html_of(client.get(SETTINGS))).group(1)
    for url, data in posts:
        assert client.post(url, data=data | {"csrf_token": token}).status_code == 302, url
    assert len(audits(db)) == 4


# --- settings -----------------------------------------------------------------------------------

def test_settings_are_saved_audited_and_followed_by_the_calendar(client, db, office, admin):
    sign_in(client, admin)
    done = client.post(SETTINGS, data=GOOD)
    assert done.status_code == 302 and done.location == SETTINGS
    assert "The organisation&#39;s settings are saved." in html_of(client.get(SETTINGS))
    org = db.session.get(Organization, office["org"].id)
    assert org.names == {"en": "Ward office", "vi": "UBND phường", "fa": "دفتر محله", "ru": "Управа"}
    assert (org.country, org.timezone, org.day_start, org.day_end) == ("VN", "Asia/Ho_Chi_Minh",
                                                                       "07:30", "16:30")
    assert org.closed_days == ["2026-12-30", "2026-12-31"]
    assert org.show_executor_name and not org.sms_without_diacritics
    assert (org.sms_max_segments, org.theme_color) == (2, "#aa0011")
    calendar = WorkCalendar.for_organization(org)
    from datetime import date, time
    assert calendar.day_start == time(7, 30) and not calendar.is_working_day(date(2026, 12, 31))
    [entry] = audits(db, "organisation_updated")
    assert entry.staff_user_id == admin.id and entry.organization_id == org.id
    assert entry.before["day_start"] == "08:00" and entry.after["day_start"] == "07:30"
    assert "timezone" not in entry.after  # unchanged values are not logged
    # The same again changes nothing and logs nothing.
    client.post(SETTINGS, data=GOOD)
    assert len(audits(db, "organisation_updated")) == 1


@pytest.mark.parametrize("field, value, message", [
    ("country", "XX", "Please enter a country by its two-letter ISO code"),
    ("country", "VNM", "Please enter a country by its two-letter ISO code"),
    ("timezone", "Mars/Olympus", "There is no such time zone."),
    ("timezone", "", "There is no such time zone."),
    ("day_start", "8", "Please enter a time as HH:MM"),
    ("day_end", "25:00", "Please enter a time as HH:MM"),
    ("day_end", "07:00", "The day must end after it starts."),
    ("closed_days", "2026-02-30", "Please enter one date a line, as YYYY-MM-DD"),
    ("closed_days", "31/12/2026", "Please enter one date a line, as YYYY-MM-DD"),
    ("sms_max_segments", "0", "An SMS may have from 1 to 10 parts."),
    ("sms_max_segments", "11", "An SMS may have from 1 to 10 parts."),
    ("sms_max_segments", "two", "An SMS may have from 1 to 10 parts."),
    ("theme_color", "red", "Please enter a colour as # and six hexadecimal digits"),
    ("theme_color", "#12345", "Please enter a colour as # and six hexadecimal digits"),
])
def test_bad_settings_are_refused_and_nothing_is_saved(client, db, office, admin, field, value,
                                                       message):
    sign_in(client, admin)
    refused = client.post(SETTINGS, data=GOOD | {field: value})
    html = html_of(refused)
    assert refused.status_code == 422 and message in html.replace("&#39;", "'")
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert f'value="{escape(value)}"' in html or f">{escape(value)}</textarea>" in html
    org = db.session.get(Organization, office["org"].id)
    assert org.names["en"] == "Org test" and org.day_start == "08:00" and org.theme_color == "#0b5cad"
    assert audits(db) == []


def test_settings_need_a_name_in_some_language(client, db, admin):
    sign_in(client, admin)
    names = {f"name-{code}": " " for code in ("en", "vi", "fa", "ru")}
    refused = client.post(SETTINGS, data=GOOD | names)
    assert refused.status_code == 422
    assert "Please give the organisation&#39;s name in at least one language." in html_of(refused)
    assert audits(db) == []


def test_refusals_are_translated(client, app, db, admin):
    sign_in(client, admin)
    refused = client.post(SETTINGS, data=GOOD | {"sms_max_segments": "0"},
                          headers={"Accept-Language": "vi"})
    english = "An SMS may have from %(min)d to %(max)d parts."
    with app.test_request_context(), force_locale("vi"):
        vietnamese = gettext(english, min=1, max=10)
    assert vietnamese != english % {"min": 1, "max": 10}
    assert refused.status_code == 422 and str(escape(vietnamese)) in html_of(refused)


# --- units --------------------------------------------------------------------------------------

def test_adding_a_unit_and_a_department_of_a_subsidiary(client, db, office, admin):
    sign_in(client, admin)
    done = client.post(UNITS, data=unit_form(code="br1", kind="subsidiary", **{
        "name-en": "Branch One", "name-fa": "شعبه یک"}))
    assert done.status_code == 302
    branch = db.session.scalar(select(Unit).where(Unit.code == "BR1"))
    assert branch.names == {"en": "Branch One", "fa": "شعبه یک"} and branch.kind == "subsidiary"
    assert branch.organization_id == office["org"].id and branch.is_active
    assert client.post(UNITS, data=unit_form(code="ACC", parent=str(branch.id))).status_code == 302
    department = db.session.scalar(select(Unit).where(Unit.code == "ACC"))
    assert department.parent_id == branch.id
    html = html_of(client.get(UNITS))
    assert "Branch One" in html and "The unit ACC is added." in html
    assert [e.after["code"] for e in audits(db, "unit_created")] == ["BR1", "ACC"]


@pytest.mark.parametrize("data, message", [
    (unit_form(code="hn"), "Another unit already has this code."),
    (unit_form(code="a b"), "Please enter a short code of up to 16 letters"),
    (unit_form(code=""), "Please enter a short code of up to 16 letters"),
    (unit_form(code="X" * 17), "Please enter a short code of up to 16 letters"),
    (unit_form(kind="ministry"), "Please choose whether the unit is a subsidiary or a department."),
    (unit_form(**{"name-en": "  "}), "Please give the unit&#39;s name in at least one language."),
    (unit_form(parent="abc"), "Please choose a subsidiary of this organisation."),
])
def test_bad_units_are_refused(client, db, office, admin, data, message):
    sign_in(client, admin)
    refused = client.post(UNITS, data=data)
    assert refused.status_code == 422 and message in html_of(refused)
    assert len(db.session.scalars(select(Unit)).all()) == 2 and audits(db) == []


def test_a_parent_must_be_a_subsidiary_and_never_makes_a_cycle(db, office, admin):
    hn = office["units"]["HN"]  # a department
    with pytest.raises(NotAllowed, match="Please choose a subsidiary"):
        create_unit(admin, unit_typed(parent_id=hn.id))
    top = create_unit(admin, unit_typed("TOP", "subsidiary"))
    middle = create_unit(admin, unit_typed("MID", "subsidiary", top.id))
    with pytest.raises(NotAllowed, match="A unit cannot belong to itself."):
        update_unit(admin, top.id, unit_typed("TOP", "subsidiary", top.id))
    with pytest.raises(NotAllowed, match="a unit cannot belong to its own part"):
        update_unit(admin, top.id, unit_typed("TOP", "subsidiary", middle.id))
    # A subsidiary with units under it stays one.
    with pytest.raises(NotAllowed, match="1 unit belongs to this subsidiary"):
        update_unit(admin, top.id, unit_typed("TOP", "department"))
    assert db.session.get(Unit, top.id).parent_id is None
    assert db.session.get(Unit, top.id).kind == "subsidiary"


def test_editing_a_unit(client, db, office, admin):
    unit = office["units"]["XD"]
    sign_in(client, admin)
    page = html_of(client.get(f"{UNITS}/{unit.id}"))
    assert 'value="XD"' in page and "1 form sends its requests here." in page
    done = client.post(f"{UNITS}/{unit.id}", data=unit_form(code="XD2", **{"name-ru": "Стройка"}))
    assert done.status_code == 302
    assert (unit.code, unit.names) == ("XD2", {"ru": "Стройка"})
    [entry] = audits(db, "unit_updated")
    assert entry.before["code"] == "XD" and entry.after["code"] == "XD2"
    refused = client.post(f"{UNITS}/{unit.id}", data=unit_form(code="HN"))
    assert refused.status_code == 422 and "Another unit already has this code." in html_of(refused)
    assert 'value="HN"' in html_of(refused)  # what was typed, not what is stored
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).code == "XD2"


def test_closing_a_unit_with_forms_is_refused_with_their_number(client, db, office, admin):
    unit = office["units"]["HN"]
    sign_in(client, admin)
    refused = client.post(f"{UNITS}/{unit.id}/active", data={"active": "0"})
    assert refused.status_code == 422
    assert "1 form still sends its requests to this unit." in html_of(refused)
    assert db.session.get(Unit, unit.id).is_active and audits(db) == []
    office["forms"]["HN"].unit_id = office["units"]["XD"].id
    db.session.commit()
    assert client.post(f"{UNITS}/{unit.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(Unit, unit.id).is_active
    assert "Closed" in html_of(client.get(UNITS))
    assert client.post(f"{UNITS}/{unit.id}/active", data={"active": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).is_active
    assert [e.action for e in audits(db)] == ["unit_closed", "unit_reopened"]


def test_a_closed_unit_keeps_its_requests(db, office, admin, received):
    request = received(unit="XD")
    office["forms"]["XD"].unit_id = None
    db.session.commit()
    set_unit_active(admin, office["units"]["XD"].id, False)
    assert db.session.get(type(request), request.id).unit_id == office["units"]["XD"].id


def test_a_subsidiary_with_open_units_does_not_close(db, admin):
    top = create_unit(admin, unit_typed("TOP", "subsidiary"))
    create_unit(admin, unit_typed("DEP", "department", top.id))
    with pytest.raises(NotAllowed, match="1 open unit belongs to this subsidiary"):
        set_unit_active(admin, top.id, False)


def test_units_page_shows_the_connected_systems(client, db, office, admin):
    create_api_client(admin, "Hệ thống văn bản", [office["units"]["HN"].id])
    sign_in(client, admin)
    html = html_of(client.get(UNITS))
    assert "<bdi>Hệ thống văn bản</bdi>" in html and 'href="/admin/integrations"' in html
    assert db.session.scalar(select(ApiClient)).name == "Hệ thống văn bản"


def test_hostile_text_is_stored_as_text_and_shown_escaped(client, db, office, admin):
    sign_in(client, admin)
    for number, text in enumerate(HOSTILE_ALL):
        names = {f"name-{code}": text for code in ("en", "vi", "fa", "ru")}
        assert client.post(SETTINGS, data=GOOD | names).status_code == 302
        assert db.session.get(Organization, office["org"].id).names["en"] == text
        assert client.post(UNITS, data=unit_form(code=f"H{number}", **names)).status_code == 302
        for url in (SETTINGS, UNITS):
            html = html_of(client.get(url))
            assert text not in html and str(escape(text)) in html, url
        # Typed into fields that are refused, they come back escaped too.
        refused = client.post(SETTINGS, data=GOOD | {"country": text, "timezone": text,
                                                     "day_start": text, "closed_days": text,
                                                     "theme_color": text})
        assert refused.status_code == 422 and text not in html_of(refused)
        refused = client.post(UNITS, data=unit_form(code=text, parent=text, kind=text, **names))
        assert refused.status_code == 422 and text not in html_of(refused)


def test_pages_are_valid_html(client, db, office, admin, tmp_path):
    sign_in(client, admin)
    unit = office["units"]["HN"]
    pages = {
        "settings": client.get(SETTINGS),
        "settings refused": client.post(SETTINGS, data=GOOD | {"day_end": "x", "country": "?"}),
        "units": client.get(UNITS),
        "unit refused": client.post(UNITS, data=unit_form(code="", kind="x")),
        "unit": client.get(f"{UNITS}/{unit.id}"),
        "unit close refused": client.post(f"{UNITS}/{unit.id}/active", data={"active": "0"}),
    }
    assert html_errors({name: html_of(page) for name, page in pages.items()}, tmp_path) == []
