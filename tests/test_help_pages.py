"""Help pages: administrators write them per language (bodies sanitised), order, publish and place
them; the widget shows the published ones on its list of forms and beside a form or a group."""
from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests import backoffice, test_admin
from tests.test_admin import html_of, sign_in
from tests.test_notice_settings import CSRF_INPUT, audits
from widget.models import AuditEntry, FormGroup, HelpPage, StaffUser
from widget.services.help_pages import HelpPageInput, save_help_page

office, no_csrf = backoffice.office, test_admin.no_csrf
HELP = "/admin/help"
WIDGET = "/w/test"
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
           '"><svg onload=alert(1)>']


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


def texts(en: str, **others) -> dict:
    return {"en": en} | others


@pytest.fixture
def page(db, admin):
    return save_help_page(admin, None, HelpPageInput(
        titles=texts("Documents you need"), bodies=texts("<p>Bring your <b>ID card</b>.</p>"),
        is_published=True))


def form(**fields) -> dict:
    return {"title-en": "Opening hours", "body-en": "<p>Mon-Fri</p>", "show_on_home": "y",
            "is_published": "y"} | fields


def count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def catalogue(client, lang="en") -> str:
    return html_of(client.get(f"{WIDGET}/{lang}/"))


@pytest.mark.parametrize("who", ["op", "head", "op_xd"])
def test_only_administrators_have_the_help_pages(client, db, office, page, who):
    sign_in(client, office["people"][who])
    for url in (HELP, f"{HELP}/new", f"{HELP}/{page.id}"):
        assert client.get(url).status_code == 404, url
    for url, data in ((HELP, form()), (f"{HELP}/{page.id}", form(**{"title-en": "Sneaky"})),
                      (f"{HELP}/{page.id}/publish", {}), (f"{HELP}/{page.id}/move",
                                                          {"direction": "up"}),
                      (f"{HELP}/{page.id}/delete", {})):
        assert client.post(url, data=data).status_code == 404, url
    stored = db.session.get(HelpPage, page.id)
    assert (count(db, HelpPage), stored.title("en"), stored.is_published) == (
        1, "Documents you need", True)


def test_another_organisations_help_page_is_not_found(client, db, admin, create_site, office):
    other_site = create_site(key="other")
    other_admin = StaffUser(organization_id=other_site.organization_id, email="a@other.test",
                            name="Other", password_hash="x", role="admin")
    db.session.add(other_admin)
    db.session.commit()
    theirs = save_help_page(other_admin, None, HelpPageInput(titles=texts("Theirs"),
                                                             is_published=True))
    their_group = FormGroup(organization_id=other_site.organization_id, titles=texts("G"))
    db.session.add(their_group)
    db.session.commit()
    sign_in(client, admin)
    assert client.get(f"{HELP}/{theirs.id}").status_code == 404
    for url in (f"{HELP}/{theirs.id}", f"{HELP}/{theirs.id}/publish",
                f"{HELP}/{theirs.id}/delete"):
        assert client.post(url, data=form()).status_code == 404, url
    assert db.session.get(HelpPage, theirs.id).is_published
    assert "Theirs" not in html_of(client.get(HELP)) and "Theirs" not in catalogue(client)
    # Nor may a page of ours be placed beside their group.
    refused = client.post(HELP, data=form(group_id=str(their_group.id)))
    assert refused.status_code == 422 and "Please choose a group of this organisation." in \
        html_of(refused)
    assert count(db, HelpPage) == 1


def test_a_get_changes_nothing(client, db, admin, page):
    sign_in(client, admin)
    before = (count(db, AuditEntry), db.session.get(HelpPage, page.id).position)
    for url in (HELP, f"{HELP}/new", f"{HELP}/{page.id}", f"{HELP}/{page.id}/publish",
                f"{HELP}/{page.id}/delete"):
        client.get(url)
    assert (count(db, AuditEntry), db.session.get(HelpPage, page.id).position) == before
    assert db.session.get(HelpPage, page.id).is_published


def test_a_post_without_the_csrf_token_is_refused(app, client, db, admin, page):
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(client, admin)
    token = CSRF_INPUT.search(html_of(client.get(HELP))).group(1)
    for url in (HELP, f"{HELP}/{page.id}/publish", f"{HELP}/{page.id}/delete"):
        assert client.post(url, data=form()).status_code == 400, url
    assert count(db, HelpPage) == 1 and db.session.get(HelpPage, page.id).is_published
    assert client.post(HELP, data=form(csrf_token=token)).status_code == 302
    assert count(db, HelpPage) == 2


def test_a_published_page_reaches_the_widget_and_an_unpublished_one_does_not(client, db, admin):
    sign_in(client, admin)
    assert client.post(HELP, data=form(**{"title-vi": "Giờ làm việc",
                                          "body-vi": "<p>Thứ Hai</p>"})).status_code == 302
    assert client.post(HELP, data=form(**{"title-en": "Draft advice", "is_published": ""})
                       ).status_code == 302
    page = catalogue(client)
    assert "Opening hours" in page and "<p>Mon-Fri</p>" in page and "Draft advice" not in page
    assert "Giờ làm việc" in catalogue(client, "vi") and "<p>Thứ Hai</p>" in catalogue(client, "vi")
    assert "Opening hours" in catalogue(client, "ru")  # no Russian text: the English one
    draft = db.session.scalars(select(HelpPage).where(HelpPage.is_published.is_(False))).one()
    assert client.post(f"{HELP}/{draft.id}/publish", data={"published": "y"}).status_code == 302
    assert "Draft advice" in catalogue(client)
    opening = db.session.scalars(select(HelpPage).order_by(HelpPage.id)).first()
    client.post(f"{HELP}/{opening.id}/publish", data={"published": ""})
    assert "Opening hours" not in catalogue(client)
    assert [a.action for a in audits(db)] == ["help_page_created", "help_page_created",
                                              "help_page_published", "help_page_unpublished"]


def test_pages_show_beside_their_form_and_group_in_order(client, db, admin, office):
    hn = office["forms"]["HN"]
    sign_in(client, admin)
    client.post(HELP, data=form(**{"title-en": "About HN", "show_on_home": "",
                                   "form_id": str(hn.id)}))
    client.post(HELP, data=form(**{"title-en": "About the group", "show_on_home": "",
                                   "group_id": str(hn.group_id)}))
    client.post(HELP, data=form(**{"title-en": "First on home"}))
    client.post(HELP, data=form(**{"title-en": "Second on home"}))
    form_page = html_of(client.get(f"{WIDGET}/en/f/{hn.slug}"))
    assert "About HN" in form_page and "First on home" not in form_page
    assert "About HN" not in html_of(client.get(f"{WIDGET}/en/f/{office['forms']['XD'].slug}"))
    home = catalogue(client)
    assert "About HN" not in home and "About the group" in home
    assert home.index("First on home") < home.index("Second on home")
    second = db.session.scalars(select(HelpPage).where(HelpPage.titles["en"].as_string()
                                                       == "Second on home")).one()
    assert client.post(f"{HELP}/{second.id}/move", data={"direction": "up"}).status_code == 302
    home = catalogue(client)
    assert home.index("Second on home") < home.index("First on home")
    assert client.post(f"{HELP}/{second.id}/move", data={"direction": "sideways"}
                       ).status_code == 400
    assert audits(db, "help_page_moved")


def test_a_title_is_required_and_nothing_changes_without_one(client, db, admin, page):
    sign_in(client, admin)
    before = count(db, AuditEntry)
    for url in (HELP, f"{HELP}/{page.id}"):
        response = client.post(url, data=form(**{"title-en": "   "}))
        assert response.status_code == 422
        assert "Please give the help page a title in at least one language." in html_of(response)
        assert 'aria-invalid="true"' in html_of(response)
    refused = client.post(HELP, data=form(form_id="abc"))
    assert refused.status_code == 422 and "Please choose a form of this organisation." in \
        html_of(refused)
    assert count(db, HelpPage) == 1 and count(db, AuditEntry) == before
    assert db.session.get(HelpPage, page.id).title("en") == "Documents you need"


def test_deleting_a_page_takes_it_off_the_widget(client, db, admin, page):
    sign_in(client, admin)
    assert "Documents you need" in catalogue(client)
    assert client.post(f"{HELP}/{page.id}/delete").status_code == 302
    assert count(db, HelpPage) == 0 and "Documents you need" not in catalogue(client)
    assert audits(db, "help_page_deleted")[0].before["titles"] == {"en": "Documents you need"}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_never_reaches_the_widget_as_markup(client, db, admin, office, hostile):
    sign_in(client, admin)
    client.post(HELP, data=form(**{f"title-{lang}": hostile for lang in ("en", "vi", "fa", "ru")}
                                | {f"body-{lang}": hostile + "<p>safe</p>"
                                   for lang in ("en", "vi", "fa", "ru")}
                                | {"form_id": str(office["forms"]["HN"].id)}))
    stored = db.session.scalars(select(HelpPage)).one()
    assert stored.title("fa") == hostile
    for body in stored.bodies.values():
        assert "<script" not in body and "onerror" not in body and "onload" not in body
        assert "<p>safe</p>" in body
    for url in (HELP, f"{HELP}/{stored.id}"):
        assert hostile not in html_of(client.get(url)), url
        assert str(escape(hostile)) in html_of(client.get(url)), url
    for url in (f"{WIDGET}/en/", f"{WIDGET}/fa/", f"{WIDGET}/en/f/{office['forms']['HN'].slug}"):
        widget = html_of(client.get(url))
        # As text, escaped, they are harmless; as markup they would run.
        assert "<script>alert" not in widget and "<img src=x" not in widget, url
        assert "<svg" not in widget, url
        assert str(escape(hostile)) in widget and "<p>safe</p>" in widget, url
