"""The administrators' form-group page: adding, renaming, reordering and deleting groups, moving
forms between groups and inside one; the widget's catalogue follows that order. Administrators
only, escaped, valid HTML."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests import backoffice, test_admin
from tests.test_admin import html_of, sign_in
from tests.test_notice_settings import CSRF_INPUT, audits
from tests.vnu import html_errors
from widget.models import Form, FormGroup

office, no_csrf = backoffice.office, test_admin.no_csrf
GROUPS = "/admin/form-groups"
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>']


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def arranged(db, office, create_form):
    """Groups A and B (office's two "Applications" groups renamed), a third form in A, and a
    fourth form in no group."""
    forms = office["forms"]
    group_a, group_b = forms["HN"].group, forms["XD"].group
    group_a.titles, group_a.position = {"en": "Group A", "vi": "Nhóm A"}, 0
    group_b.titles, group_b.position = {"en": "Group B"}, 1
    third = create_form(office["site"], slug="third", group_title=None)
    loose = create_form(office["site"], slug="loose", group_title=None)
    third.group_id, third.position = group_a.id, 1
    db.session.commit()
    return {"a": group_a, "b": group_b, "hn": forms["HN"], "xd": forms["XD"], "third": third,
            "loose": loose}


def titles(db) -> list[str]:
    return [group.title("en") for group in db.session.scalars(
        select(FormGroup).order_by(FormGroup.position, FormGroup.id))]


def catalogue(client) -> list[str]:
    """The headings and form slugs of the widget's catalogue, in the order shown."""
    html = html_of(client.get("/w/test/en/"))
    return re.findall(r"<h2 id=\"group-\d+\">(?:<bdi>)?([^<]+)(?:</bdi>)?</h2>|/f/([a-z-]+)\"", html)


def shown(client) -> list[str]:
    return [heading or slug for heading, slug in catalogue(client)]


def state(db) -> list:
    return [(form.slug, form.group_id, form.position) for form in db.session.scalars(
        select(Form).order_by(Form.id))] + [(g.id, g.titles, g.position) for g in
                                             db.session.scalars(select(FormGroup))]


# --- who may see what ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["op", "head"])
def test_only_administrators_have_the_group_page(client, db, office, arranged, who):
    before = state(db)
    sign_in(client, office["people"][who])
    assert client.get(GROUPS).status_code == 404
    a, hn = arranged["a"].id, arranged["hn"].id
    posts = [(GROUPS, {"title-en": "Sneaky"}), (f"{GROUPS}/{a}", {"title-en": "Sneaky"}),
             (f"{GROUPS}/{a}/move", {"direction": "down"}), (f"{GROUPS}/{a}/delete", {}),
             (f"{GROUPS}/forms/{hn}/group", {"group": ""}),
             (f"{GROUPS}/forms/{hn}/move", {"direction": "down"})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    assert state(db) == before and audits(db) == []


def test_another_organisations_groups_and_forms_are_not_found(client, db, admin, arranged,
                                                             create_site, create_form):
    theirs = create_form(create_site(key="theirs", slug="org-theirs"), slug="theirs",
                         group_title="Theirs")
    before = state(db)
    sign_in(client, admin)
    group = theirs.group_id
    posts = [(f"{GROUPS}/{group}", {"title-en": "Mine"}),
             (f"{GROUPS}/{group}/move", {"direction": "up"}), (f"{GROUPS}/{group}/delete", {}),
             (f"{GROUPS}/forms/{theirs.id}/group", {"group": str(arranged["a"].id)}),
             (f"{GROUPS}/forms/{theirs.id}/move", {"direction": "up"}),
             (f"{GROUPS}/forms/{arranged['hn'].id}/group", {"group": str(group)}),
             (f"{GROUPS}/forms/{arranged['hn'].id}/group", {"group": "abc"}),
             (f"{GROUPS}/999999/delete", {})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    assert state(db) == before and audits(db) == []
    assert "Theirs" not in html_of(client.get(GROUPS))


def test_a_get_changes_nothing_and_posts_need_the_csrf_token(client, app, db, admin, arranged):
    before = state(db)
    sign_in(client, admin)
    assert client.get(GROUPS).status_code == 200
    app.config["WTF_CSRF_ENABLED"] = True
    a = arranged["a"].id
    posts = [(GROUPS, {"title-en": "New"}), (f"{GROUPS}/{a}", {"title-en": "New"}),
             (f"{GROUPS}/{a}/move", {"direction": "down"}), (f"{GROUPS}/{a}/delete", {}),
             (f"{GROUPS}/forms/{arranged['hn'].id}/move", {"direction": "down"})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 400, url
    assert state(db) == before and audits(db) == []
    token = CSRF_INPUT.search(html_of(client.get(GROUPS))).group(1)
    assert client.post(GROUPS, data={"title-en": "New", "csrf_token": token}).status_code == 302


def test_the_administration_page_lists_the_area(client, admin):
    sign_in(client, admin)
    assert f'<a href="{GROUPS}">Form groups</a>' in html_of(client.get("/admin/administration"))


# --- groups -------------------------------------------------------------------------------------

def test_the_page_lists_groups_and_forms_in_order(client, admin, arranged):
    sign_in(client, admin)
    html = html_of(client.get(GROUPS))
    ids = [f'id="group-{arranged[key].id}-title"><bdi>Group {key.upper()}</bdi>' for key in "ab"]
    ids[1:1] = [f'id="form-{arranged[key].id}"' for key in ("hn", "third")]
    ids += [f'id="form-{arranged["xd"].id}"', 'id="ungrouped-title"',
            f'id="form-{arranged["loose"].id}"', 'id="new-title"']
    order = [html.index(text) for text in ids]
    assert order == sorted(order)


def test_creating_a_group_puts_it_last_in_the_widget(client, db, admin, arranged):
    sign_in(client, admin)
    answer = client.post(GROUPS, data={"title-en": "  Permits  ", "title-vi": "Giấy phép",
                                       "title-fa": "", "title-ru": ""})
    assert answer.status_code == 302
    group = db.session.scalar(select(FormGroup).order_by(FormGroup.id.desc()))
    assert group.titles == {"en": "Permits", "vi": "Giấy phép"} and group.position == 2
    assert titles(db) == ["Group A", "Group B", "Permits"]
    [entry] = audits(db, "form_group_created")
    assert entry.after == {"group_id": group.id, "titles": {"en": "Permits", "vi": "Giấy phép"}}
    # An empty group is not in the widget; with a published form it comes last but the loose.
    assert "Permits" not in shown(client)
    client.post(f"{GROUPS}/forms/{arranged['hn'].id}/group", data={"group": str(group.id)})
    assert shown(client) == ["Group A", "third", "Group B", "form-xd", "Permits", "form-hn",
                             "Other forms", "loose"]


@pytest.mark.parametrize("typed, message", [
    ({}, "a title in at least one language"),
    ({"title-en": "   ", "title-vi": "\u202e"}, "a title in at least one language"),
    ({"title-en": "x" * 201}, "at most 200 characters"),
])
def test_a_group_without_a_title_is_refused(client, db, admin, arranged, typed, message):
    before = state(db)
    sign_in(client, admin)
    for url in (GROUPS, f"{GROUPS}/{arranged['a'].id}"):
        answer = client.post(url, data=typed)
        html = html_of(answer)
        assert answer.status_code == 422 and message in html and 'aria-invalid="true"' in html
    assert state(db) == before and audits(db) == []


def test_renaming_a_group_changes_the_widget(client, db, admin, arranged):
    sign_in(client, admin)
    answer = client.post(f"{GROUPS}/{arranged['a'].id}",
                         data={"title-en": "Civil status", "title-fa": "ثبت احوال"})
    assert answer.status_code == 302
    assert db.session.get(FormGroup, arranged["a"].id).titles == {"en": "Civil status",
                                                                  "fa": "ثبت احوال"}
    [entry] = audits(db, "form_group_renamed")
    assert entry.before["titles"] == {"en": "Group A", "vi": "Nhóm A"}
    assert "Civil status" in shown(client)
    assert "ثبت احوال" in html_of(client.get("/w/test/fa/"))


def test_moving_groups_renumbers_them_and_orders_the_widget(client, db, admin, arranged):
    # Old data with ties: the move still works, and positions become 0, 1, 2.
    extra = FormGroup(organization_id=arranged["a"].organization_id, titles={"en": "Group C"},
                      position=1)
    db.session.add(extra)
    db.session.commit()
    sign_in(client, admin)
    assert titles(db) == ["Group A", "Group B", "Group C"]
    assert client.post(f"{GROUPS}/{extra.id}/move", data={"direction": "up"}).status_code == 302
    assert titles(db) == ["Group A", "Group C", "Group B"]
    assert client.post(f"{GROUPS}/{arranged['a'].id}/move",
                       data={"direction": "down"}).status_code == 302
    assert titles(db) == ["Group C", "Group A", "Group B"]
    assert sorted(g.position for g in db.session.scalars(select(FormGroup))) == [0, 1, 2]
    # At the top, up does nothing (and writes nothing); an unknown direction is a bad request.
    assert client.post(f"{GROUPS}/{extra.id}/move", data={"direction": "up"}).status_code == 302
    assert titles(db) == ["Group C", "Group A", "Group B"]
    assert client.post(f"{GROUPS}/{extra.id}/move", data={"direction": "x"}).status_code == 400
    assert len(audits(db, "form_group_moved")) == 2
    assert shown(client)[:4] == ["Group A", "form-hn", "third", "Group B"]


def test_deleting_a_group_keeps_its_forms_ungrouped(client, db, admin, arranged):
    sign_in(client, admin)
    a = arranged["a"].id
    assert client.post(f"{GROUPS}/{a}/delete").status_code == 302
    assert db.session.get(FormGroup, a) is None
    assert db.session.scalar(select(func.count(Form.id))) == 4
    assert [(f.slug, f.position) for f in db.session.scalars(
        select(Form).where(Form.group_id.is_(None)).order_by(Form.position))] == [
        ("loose", 0), ("form-hn", 1), ("third", 2)]
    [entry] = audits(db, "form_group_deleted")
    assert entry.before["forms"] == ["form-hn", "third"]
    assert shown(client) == ["Group B", "form-xd", "Other forms", "loose", "form-hn", "third"]
    assert db.session.get(FormGroup, arranged["b"].id).position == 0


# --- forms inside groups ------------------------------------------------------------------------

def test_moving_a_form_into_another_group_and_inside_it(client, db, admin, arranged):
    sign_in(client, admin)
    hn, b = arranged["hn"].id, arranged["b"].id
    assert client.post(f"{GROUPS}/forms/{hn}/group", data={"group": str(b)}).status_code == 302
    assert shown(client) == ["Group A", "third", "Group B", "form-xd", "form-hn",
                             "Other forms", "loose"]
    assert db.session.get(Form, arranged["third"].id).position == 0  # group A renumbered
    assert client.post(f"{GROUPS}/forms/{hn}/move", data={"direction": "up"}).status_code == 302
    assert shown(client)[2:5] == ["Group B", "form-hn", "form-xd"]
    assert client.post(f"{GROUPS}/forms/{hn}/move",
                       data={"direction": "up"}).status_code == 302  # already first
    assert client.post(f"{GROUPS}/forms/{hn}/group", data={"group": ""}).status_code == 302
    assert shown(client)[-3:] == ["Other forms", "loose", "form-hn"]
    assert [entry.action for entry in audits(db)] == [
        "form_group_form_placed", "form_group_form_moved", "form_group_form_placed"]


def test_hostile_titles_are_stored_as_text_and_escaped(client, db, admin, arranged):
    sign_in(client, admin)
    for text in HOSTILE:
        assert client.post(GROUPS, data={"title-en": text}).status_code == 302
    client.post(f"{GROUPS}/{arranged['a'].id}", data={"title-en": HOSTILE[2]})
    stored = {group.titles["en"] for group in db.session.scalars(select(FormGroup))}
    assert set(HOSTILE) <= stored
    html = html_of(client.get(GROUPS))
    widget = html_of(client.get("/w/test/en/"))
    for text in HOSTILE:
        assert text not in html and str(escape(text)) in html
        assert text not in widget
    assert str(escape(HOSTILE[2])) in widget
    refused = client.post(f"{GROUPS}/{arranged['b'].id}",
                          data={"title-en": HOSTILE[1] + "x" * 200})
    assert refused.status_code == 422 and HOSTILE[1] not in html_of(refused)


def test_the_page_is_valid_html(client, db, admin, arranged, tmp_path):
    sign_in(client, admin)
    client.post(GROUPS, data={"title-en": HOSTILE[2]})  # an empty group
    pages = {"groups": client.get(GROUPS), "refused": client.post(GROUPS, data={}),
             "refused rename": client.post(f"{GROUPS}/{arranged['a'].id}", data={})}
    assert [page.status_code for page in pages.values()] == [200, 422, 422]
    assert html_errors({name: html_of(page) for name, page in pages.items()}, tmp_path) == []
