"""The administrators' staff pages and the audit log: adding people with a temporary password
shown once, roles and units, deactivating (sessions end), the organisation never left without an
administrator; the log newest first, filtered and paged. Administrators only, one organisation
only, audited without secrets, escaped, valid HTML."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from markupsafe import escape
from sqlalchemy import select

from tests import backoffice, test_admin, test_notice_settings
from tests.test_admin import HOSTILE, html_of, sign_in
from tests.test_notice_settings import CSRF_INPUT, audits
from tests.vnu import html_errors
from widget.models import AuditEntry, Role, StaffUser
from widget.models._types import utcnow
from widget.passwords import password_matches
from widget.services.access import NotAllowed
from widget.services.api_clients import create_api_client
from widget.services.audit_log import PAGE_SIZE
from widget.services.staff import create_staff
from widget.services.staff_admin import set_staff_active, update_staff_member

office, received = backoffice.office, backoffice.received
no_csrf, commits = test_admin.no_csrf, test_notice_settings.commits
PASSWORD = backoffice.PASSWORD
STAFF = "/admin/staff"
AUDIT = "/admin/audit"
HOSTILE_ALL = HOSTILE + ['"><svg onload=alert(1)>']
SHOWN_PASSWORD = re.compile(r'id="temporary-password" class="secret" value="([^"]+)"')


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def stranger(db, create_site):
    """A staff member of another organisation."""
    site = create_site(key="other")
    return create_staff(site.organization, "them@other.test", "Them", PASSWORD, Role.OPERATOR)


def signs_in(client, email, password) -> bool:
    answer = client.post("/admin/login", data={"email": email, "password": password})
    client.post("/admin/logout")
    return answer.status_code == 302


# --- who may see what ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["op", "head"])
def test_only_administrators_have_the_staff_pages(client, db, office, who):
    target = office["people"]["op_xd"]
    sign_in(client, office["people"][who])
    for url in (STAFF, f"{STAFF}/{target.id}", AUDIT):
        page = client.get(url)
        assert page.status_code == 404 and "Page not found" in html_of(page), url
    posts = [(STAFF, {"name": "X", "email": "x@x.test", "role": "admin"}),
             (f"{STAFF}/{target.id}", {"role": "admin"}),
             (f"{STAFF}/{target.id}/active", {"active": "0"}),
             (f"{STAFF}/{target.id}/password", {})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    assert audits(db) == [] and target.is_active and target.role == "operator"


def test_the_administration_page_lists_both_areas(client, admin):
    sign_in(client, admin)
    html = html_of(client.get("/admin/administration"))
    assert f'href="{STAFF}"' in html and f'href="{AUDIT}"' in html


def test_another_organisations_staff_and_systems_are_not_found(client, db, admin, stranger):
    system = create_api_client(admin, "CRM", [])[0].staff_user
    sign_in(client, admin)
    for member in (stranger, system):
        assert client.get(f"{STAFF}/{member.id}").status_code == 404
        assert client.post(f"{STAFF}/{member.id}", data={"role": "admin"}).status_code == 404
        assert client.post(f"{STAFF}/{member.id}/active", data={"active": "0"}).status_code == 404
        assert client.post(f"{STAFF}/{member.id}/password").status_code == 404
    html = html_of(client.get(STAFF))
    assert "Them" not in html and "CRM" not in html and "Operator XD" in html
    assert db.session.get(StaffUser, stranger.id).is_active
    assert password_matches(db.session.get(StaffUser, stranger.id).password_hash, PASSWORD)
    assert audits(db, "staff_role_changed") == []


def test_gets_change_nothing(client, db, office, admin, commits):
    sign_in(client, admin)
    for url in (STAFF, f"{STAFF}/{office['people']['op'].id}", AUDIT, f"{AUDIT}?page=3&to=x"):
        assert client.get(url).status_code == 200
    assert commits == []


def test_csrf_token_is_required(client, app, db, office, admin):
    target = office["people"]["op"]
    sign_in(client, admin)
    app.config["WTF_CSRF_ENABLED"] = True
    posts = [(STAFF, {"name": "New", "email": "new@org.test", "role": "operator"}),
             (f"{STAFF}/{target.id}", {"role": "unit_head",
                                       "units": [str(office["units"]["HN"].id)]}),
             (f"{STAFF}/{target.id}/password", {}),
             (f"{STAFF}/{target.id}/active", {"active": "0"})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 400, url
    assert audits(db) == []
    token = CSRF_INPUT.search(html_of(client.get(STAFF))).group(1)
    for url, data in posts:
        assert client.post(url, data=data | {"csrf_token": token}).status_code in (200, 302), url
    assert [e.action for e in audits(db)] == ["staff_created", "staff_role_changed",
                                              "staff_password_reset", "staff_deactivated"]


# --- adding and changing people -----------------------------------------------------------------

def test_adding_someone_shows_their_password_once(client, db, office, admin):
    sign_in(client, admin)
    unit = office["units"]["XD"]
    answer = client.post(STAFF, data={"name": " Vũ  Thị Hoa ", "email": "Hoa@Org.Test",
                                      "role": "unit_head", "units": [str(unit.id)]})
    assert answer.status_code == 200
    password = SHOWN_PASSWORD.search(html_of(answer)).group(1)
    assert len(password) >= 16
    hoa = db.session.scalar(select(StaffUser).where(StaffUser.email == "hoa@org.test"))
    assert (hoa.name, hoa.role, [u.code for u in hoa.units]) == ("Vũ Thị Hoa", "unit_head", ["XD"])
    assert hoa.password_hash != password and password_matches(hoa.password_hash, password)
    assert password not in html_of(client.get(STAFF))  # never again
    [entry] = audits(db, "staff_created")
    assert password not in str(entry.after) and hoa.password_hash not in str(entry.after)
    assert signs_in(client, "hoa@org.test", password)


@pytest.mark.parametrize("data, message", [
    ({"name": "", "email": "a@org.test", "role": "operator"}, "Please enter the person&#39;s name."),
    ({"name": "A", "email": "nobody", "role": "operator"}, "Please enter a valid e-mail address"),
    ({"name": "A", "email": "OP@hn.test", "role": "operator"}, "Someone with this e-mail address already exists."),
    ({"name": "A", "email": "a@org.test", "role": "king"}, "Please choose a role."),
    ({"name": "A", "email": "a@org.test", "role": "operator", "units": ["x"]}, "Please choose units of this organisation."),
])
def test_bad_new_staff_are_refused(client, db, admin, data, message):
    sign_in(client, admin)
    refused = client.post(STAFF, data=data)
    html = html_of(refused)
    assert refused.status_code == 422 and message in html and "has-error" in html
    assert not SHOWN_PASSWORD.search(html)
    assert len(db.session.scalars(select(StaffUser)).all()) == 4 and audits(db) == []


def test_units_of_another_organisation_or_closed_are_refused(client, db, office, admin, create_site):
    from widget.models import Unit
    theirs = Unit(organization_id=create_site(key="o2").organization_id, code="T", names={})
    closed = office["units"]["XD"]
    closed.is_active = False
    db.session.add(theirs)
    db.session.commit()
    sign_in(client, admin)
    for unit, message in ((theirs, "Please choose units of this organisation."),
                          (closed, "A closed unit takes no new staff.")):
        refused = client.post(STAFF, data={"name": "A", "email": "a@org.test", "role": "operator",
                                           "units": [str(unit.id)]})
        assert refused.status_code == 422 and message in html_of(refused)
    # Someone already in the closed unit keeps it when their role changes.
    op_xd = office["people"]["op_xd"]
    assert client.post(f"{STAFF}/{op_xd.id}", data={"role": "unit_head", "units": [
        str(closed.id)]}).status_code == 302


def test_changing_role_and_units(client, db, office, admin):
    op = office["people"]["op"]
    sign_in(client, admin)
    done = client.post(f"{STAFF}/{op.id}", data={"role": "unit_head", "units": [
        str(office["units"]["HN"].id), str(office["units"]["XD"].id)]})
    assert done.status_code == 302
    db.session.expire_all()
    op = db.session.get(StaffUser, op.id)
    assert op.role == "unit_head" and [u.code for u in op.units] == ["HN", "XD"]
    [role] = audits(db, "staff_role_changed")
    assert (role.before["role"], role.after["role"]) == ("operator", "unit_head")
    [units] = audits(db, "staff_units_changed")
    assert units.after["units"] == ["HN", "XD"]


def test_an_administrator_cannot_demote_or_deactivate_themself(client, db, admin):
    sign_in(client, admin)
    refused = client.post(f"{STAFF}/{admin.id}", data={"role": "operator"})
    assert refused.status_code == 422
    assert "You cannot take away your own administrator role" in html_of(refused)
    refused = client.post(f"{STAFF}/{admin.id}/active", data={"active": "0"})
    assert refused.status_code == 422 and "You cannot deactivate yourself" in html_of(refused)
    db.session.expire_all()
    assert db.session.get(StaffUser, admin.id).is_admin and admin.is_active
    assert audits(db) == []


def test_with_two_administrators_one_may_remove_the_other_but_never_the_last(db, office, admin):
    other = create_staff(office["org"], "boss@org.test", "Boss", PASSWORD, Role.ADMIN)
    set_staff_active(admin, other.id, False)
    set_staff_active(admin, other.id, True)
    update_staff_member(admin, other.id, "operator", [])
    assert not db.session.get(StaffUser, other.id).is_admin
    # The one left cannot step down: the organisation keeps an administrator.
    with pytest.raises(NotAllowed, match="your own administrator role"):
        update_staff_member(admin, admin.id, "unit_head", [])
    with pytest.raises(NotAllowed, match="You cannot deactivate yourself"):
        set_staff_active(admin, admin.id, False)
    assert db.session.get(StaffUser, admin.id).is_admin and admin.is_active


def test_deactivating_ends_sessions_and_sign_in(client, db, office, admin):
    op = office["people"]["op"]
    their_client = client.application.test_client()
    sign_in(their_client, op)
    assert their_client.get("/admin/").status_code == 200
    sign_in(client, admin)
    assert client.post(f"{STAFF}/{op.id}/active", data={"active": "0"}).status_code == 302
    assert their_client.get("/admin/").status_code == 302  # back to the sign-in page
    assert not signs_in(client, "op@hn.test", PASSWORD)
    sign_in(client, admin)
    assert "Deactivated" in html_of(client.get(STAFF))
    assert client.post(f"{STAFF}/{op.id}/active", data={"active": "1"}).status_code == 302
    assert signs_in(client, "op@hn.test", PASSWORD)
    assert [e.action for e in audits(db)] == ["staff_deactivated", "staff_reactivated"]


def test_a_new_temporary_password(client, db, office, admin):
    op = office["people"]["op"]
    their_client = client.application.test_client()
    sign_in(their_client, op)
    sign_in(client, admin)
    answer = client.post(f"{STAFF}/{op.id}/password")
    assert answer.status_code == 200
    password = SHOWN_PASSWORD.search(html_of(answer)).group(1)
    assert their_client.get("/admin/").status_code == 302
    assert not signs_in(client, "op@hn.test", PASSWORD)
    assert signs_in(client, "op@hn.test", password)
    sign_in(client, admin)
    assert password not in html_of(client.get(f"{STAFF}/{op.id}"))
    [entry] = audits(db, "staff_password_reset")
    stored = db.session.get(StaffUser, op.id).password_hash
    assert password not in str(entry.after) + str(entry.before) and stored not in str(entry.after)


def test_hostile_names_are_text(client, db, office, admin):
    sign_in(client, admin)
    for number, text in enumerate(HOSTILE_ALL):
        answer = client.post(STAFF, data={"name": text, "email": f"h{number}@org.test",
                                          "role": "operator"})
        assert answer.status_code == 200 and text not in html_of(answer)
        member = db.session.scalar(select(StaffUser).where(StaffUser.email == f"h{number}@org.test"))
        assert member.name == text
        for url in (STAFF, f"{STAFF}/{member.id}", AUDIT):
            html = html_of(client.get(url))
            assert text not in html and str(escape(text)) in html, url
        refused = client.post(STAFF, data={"name": text, "email": text, "role": text})
        assert refused.status_code == 422 and text not in html_of(refused)
        for url in (f"{AUDIT}?from={text}", f"{AUDIT}?action={text}&staff={text}"):
            assert text not in html_of(client.get(url))


# --- the audit log ------------------------------------------------------------------------------

def test_the_log_is_the_organisations_newest_first_and_filtered(client, db, office, admin, stranger):
    from datetime import datetime
    org = office["org"]
    db.session.add_all([
        AuditEntry(organization_id=org.id, staff_user_id=admin.id, action="unit_created",
                   after={"code": "OLD"}, created_at=datetime(2026, 1, 10, 3, 0)),
        AuditEntry(organization_id=org.id, staff_user_id=office["people"]["op"].id,
                   action="some_new_action", after={"x": 1}, created_at=datetime(2026, 1, 11, 3, 0)),
        # 18:00 UTC on the 11th is already the 12th in Hanoi.
        AuditEntry(organization_id=org.id, staff_user_id=admin.id, action="staff_created",
                   after={"name": "Late"}, created_at=datetime(2026, 1, 11, 18, 0)),
        AuditEntry(organization_id=stranger.organization_id, staff_user_id=stranger.id,
                   action="unit_created", after={"code": "THEIRS"},
                   created_at=datetime(2026, 1, 11, 4, 0)),
    ])
    db.session.commit()
    sign_in(client, admin)
    html = html_of(client.get(AUDIT))
    assert "THEIRS" not in html and "3 entries" in html
    html = html.split("<tbody>")[1]  # the rows, not the filter's options
    assert html.index("Late") < html.index("some_new_action") < html.index("OLD")
    assert "Unit added" in html and "some_new_action" in html  # raw name when unknown
    only = html_of(client.get(f"{AUDIT}?staff={office['people']['op'].id}"))
    assert "1 entry" in only and "OLD" not in only
    only = html_of(client.get(f"{AUDIT}?action=unit_created"))
    assert "1 entry" in only and "OLD" in only
    days = html_of(client.get(f"{AUDIT}?from=2026-01-11&to=2026-01-11"))
    assert "1 entry" in days and "some_new_action" in days and "Late" not in days
    bad = client.get(f"{AUDIT}?from=someday")
    assert bad.status_code == 200 and "Please enter a date as YYYY-MM-DD" in html_of(bad)
    assert "3 entries" in html_of(bad)


def test_the_log_is_paged_and_links_requests(client, db, office, admin, received):
    request = received()
    org = office["org"]
    db.session.add_all([AuditEntry(organization_id=org.id, staff_user_id=admin.id,
                                   action="note", request_id=request.id)
                        for _ in range(PAGE_SIZE + 1)])
    db.session.commit()
    sign_in(client, admin)
    first = html_of(client.get(AUDIT))
    assert first.count(f'href="/admin/requests/{request.id}"') == PAGE_SIZE
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = html_of(client.get(f"{AUDIT}?page=2"))
    assert second.count(f'href="/admin/requests/{request.id}"') == 1


@time_machine.travel(datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc), tick=False)
def test_pages_are_valid_html(client, db, office, admin, tmp_path):
    sign_in(client, admin)
    op = office["people"]["op"]
    client.post(f"{STAFF}/{op.id}", data={"role": "unit_head"})
    op.locked_until = utcnow() + timedelta(minutes=10)  # the member page shows the lock
    db.session.commit()
    pages = {
        "staff": client.get(STAFF),
        "staff added": client.post(STAFF, data={"name": "Hoa", "email": "hoa@org.test",
                                                "role": "operator"}),
        "staff refused": client.post(STAFF, data={"name": "", "email": "x", "role": "x"}),
        "member locked": client.get(f"{STAFF}/{op.id}"),
        "member password": client.post(f"{STAFF}/{op.id}/password"),
        "member refused": client.post(f"{STAFF}/{admin.id}/active", data={"active": "0"}),
        "role refused": client.post(f"{STAFF}/{admin.id}", data={"role": "operator"}),
        "audit": client.get(AUDIT),
        "audit filtered": client.get(f"{AUDIT}?action=staff_created&from=x"),
    }
    assert "Unlock Operator HN" in html_of(pages["member locked"])
    assert html_errors({name: html_of(page) for name, page in pages.items()}, tmp_path) == []
