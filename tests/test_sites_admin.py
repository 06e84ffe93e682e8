"""The administrators' embedding-site pages: registering a site (its key made once), editing its
origins (which the widget's frame-ancestors then lists), its snippet, the forms it shows (which
the widget then offers, and nothing else), removing it. Administrators only, escaped, valid HTML."""
from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests import backoffice, test_admin
from tests.test_admin import html_of, sign_in
from tests.test_notice_settings import CSRF_INPUT, audits
from tests.vnu import html_errors
from widget.models import AuditEntry, Form, Request, Site
from widget.models.branding import Theme
from widget.services.sites import SiteSettings, create_site

office, received, no_csrf = backoffice.office, backoffice.received, test_admin.no_csrf
SITES = "/admin/sites"
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>']


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


def settings(name="City website", origins="https://city.example", language="vi", theme=None):
    return {"name": name, "origins": origins, "default_language": language,
            "theme": "" if theme is None else str(theme)}


def frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if "frame-ancestors" in part)


def sites(db) -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.id)))


# --- who may see what ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["op", "head"])
def test_only_administrators_have_the_site_pages(client, db, office, who):
    site = office["site"]
    sign_in(client, office["people"][who])
    for url in (SITES, f"{SITES}/{site.id}"):
        assert client.get(url).status_code == 404, url
    posts = [(SITES, settings()), (f"{SITES}/{site.id}", settings()),
             (f"{SITES}/{site.id}/forms", {"shows": "chosen"}), (f"{SITES}/{site.id}/delete", {})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    assert [(s.name, s.allowed_origins) for s in sites(db)] == [("Site test",
                                                                ["http://localhost:8000"])]
    assert audits(db) == []
    assert SITES not in html_of(client.get("/admin/administration"))


def test_the_administration_page_lists_the_area(client, admin):
    sign_in(client, admin)
    html = html_of(client.get("/admin/administration"))
    assert f'<a href="{SITES}">Embedding sites</a>' in html
    assert html.index("Form groups") < html.index("Embedding sites")  # order 25, then 40


def test_another_organisations_site_is_not_found(client, db, admin, create_site):
    theirs = create_site(key="theirs", slug="org-theirs", origins=("https://theirs.example",))
    sign_in(client, admin)
    assert client.get(f"{SITES}/{theirs.id}").status_code == 404
    assert client.get(f"{SITES}/999999").status_code == 404
    for url, data in ((f"{SITES}/{theirs.id}", settings()),
                      (f"{SITES}/{theirs.id}/forms", {"shows": "all"}),
                      (f"{SITES}/{theirs.id}/delete", {})):
        assert client.post(url, data=data).status_code == 404, url
    assert "theirs" not in html_of(client.get(SITES))
    theirs = db.session.get(Site, theirs.id)
    assert theirs.allowed_origins == ["https://theirs.example"] and audits(db) == []


def test_a_get_changes_nothing(client, db, admin, office):
    sign_in(client, admin)
    for url in (SITES, f"{SITES}/{office['site'].id}"):
        assert client.get(url).status_code == 200
    assert audits(db) == [] and len(sites(db)) == 1


def test_posts_need_the_csrf_token(client, app, db, admin, office):
    sign_in(client, admin)
    app.config["WTF_CSRF_ENABLED"] = True
    site = office["site"]
    posts = [(SITES, settings()), (f"{SITES}/{site.id}", settings(name="Renamed")),
             (f"{SITES}/{site.id}/forms", {"shows": "all"})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 400, url
    assert client.post(f"{SITES}/{site.id}/delete").status_code == 400
    assert len(sites(db)) == 1 and audits(db) == []
    token = CSRF_INPUT.search(html_of(client.get(SITES))).group(1)
    assert client.post(SITES, data=settings() | {"csrf_token": token}).status_code == 302
    assert len(sites(db)) == 2


# --- registering and editing --------------------------------------------------------------------

def test_registering_a_site_makes_its_key_and_shows_the_snippet(client, db, admin, app):
    sign_in(client, admin)
    answer = client.post(SITES, data=settings(origins="HTTPS://City.Example/\n\n"
                                                      "http://localhost:8000\nhttps://city.example"))
    site = sites(db)[-1]
    assert answer.status_code == 302 and answer.location.endswith(f"{SITES}/{site.id}")
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", site.key)
    assert (site.name, site.default_language, site.theme_id, site.shows_all_forms) == (
        "City website", "vi", None, True)
    assert site.allowed_origins == ["https://city.example", "http://localhost:8000"]
    [entry] = audits(db, "site_created")
    assert entry.after["key"] == site.key and entry.staff_user_id == admin.id
    html = html_of(client.get(answer.location))
    assert "The site is registered." in html
    loader = f"{app.config['FRONTDESK_PUBLIC_URL'].rstrip('/')}/static/embed.js"
    snippet = f'<script src="{loader}" data-site="{site.key}" async></script>'
    assert f"<code>{escape(snippet)}</code>" in html
    assert escape(f'data-site="{site.key}" data-form="form-hn" async></script>') in html
    assert f"/w/{site.key}/?form=form-hn</code>" in html
    # The snippet really opens the widget: the key finds the site, the form opens.
    assert client.get(f"/w/{site.key}/?form=form-hn").location.endswith(
        f"/w/{site.key}/vi/f/form-hn")


def test_two_sites_never_share_a_key(db, admin):
    keys = {create_site(admin, SiteSettings(f"S{n}", "https://s.example", "en", None),
                        ["en"]).key for n in range(5)}
    assert len(keys) == 5


def test_the_key_is_never_edited(client, db, admin, office):
    site = office["site"]
    sign_in(client, admin)
    answer = client.post(f"{SITES}/{site.id}", data=settings(name="New name") | {"key": "mine"})
    assert answer.status_code == 302
    site = db.session.get(Site, site.id)
    assert (site.key, site.name) == ("test", "New name")
    assert 'name="key"' not in html_of(client.get(f"{SITES}/{site.id}"))


def test_edited_origins_are_exactly_the_widget_frame_ancestors(client, db, admin, office):
    site = office["site"]
    assert frame_ancestors(client.get("/w/test/en/")) == "frame-ancestors http://localhost:8000"
    sign_in(client, admin)
    answer = client.post(f"{SITES}/{site.id}", data=settings(
        origins="https://city.example\r\nhttps://www.city.example:8443"))
    assert answer.status_code == 302
    [entry] = audits(db, "site_updated")
    assert entry.before["allowed_origins"] == ["http://localhost:8000"]
    assert entry.after["allowed_origins"] == ["https://city.example", "https://www.city.example:8443"]
    assert frame_ancestors(client.get("/w/test/en/")) == (
        "frame-ancestors https://city.example https://www.city.example:8443")
    # The back office itself is still never framed.
    assert frame_ancestors(client.get(SITES)) == "frame-ancestors 'none'"


@pytest.mark.parametrize("field, value, message", [
    ("name", "   ", "Please name the site"),
    ("name", "x" * 201, "at most 200 characters"),
    ("origins", "", "at least one website"),
    ("origins", "https://city.example/path", "is not a web origin"),
    ("origins", "https://*.city.example", "is not a web origin"),
    ("origins", "city.example", "is not a web origin"),
    ("origins", "javascript:alert(1)", "is not a web origin"),
    ("origins", "https://city.example; script-src *", "is not a web origin"),
    ("origins", "https://city.example:99999", "is not a web origin"),
    ("origins", "ftp://city.example", "is not a web origin"),
    ("origins", "\n".join(f"https://s{n}.example" for n in range(21)), "at most 20 origins"),
    ("default_language", "de", "one of the languages offered"),
    ("theme", "abc", "one of your organisation"),
    ("theme", "999999", "one of your organisation"),
])
def test_bad_input_is_refused_and_changes_nothing(client, db, admin, office, field, value,
                                                  message):
    site = office["site"]
    sign_in(client, admin)
    typed = settings() | {field: value}
    for url in (SITES, f"{SITES}/{site.id}"):
        answer = client.post(url, data=typed)
        html = html_of(answer)
        assert answer.status_code == 422 and message in html, url
        assert 'aria-invalid="true"' in html and "Nothing was saved" in html
        if field == "name" and value.strip():
            assert f'value="{value}"' in html  # what was typed stays
    assert [(s.name, s.allowed_origins, s.default_language) for s in sites(db)] == [
        ("Site test", ["http://localhost:8000"], "en")]
    assert audits(db) == []


def test_another_organisations_theme_is_refused_and_an_own_one_is_kept(client, db, admin, office,
                                                                       create_site):
    other = create_site(key="other", slug="org-other").organization
    theirs = Theme(organization_id=other.id, name="Theirs")
    ours = Theme(organization_id=office["org"].id, name="Ours")
    db.session.add_all([theirs, ours])
    db.session.commit()
    sign_in(client, admin)
    site = office["site"]
    page = html_of(client.get(f"{SITES}/{site.id}"))
    assert ">Ours</option>" in page and "Theirs" not in page
    assert client.post(f"{SITES}/{site.id}", data=settings(theme=theirs.id)).status_code == 422
    assert client.post(f"{SITES}/{site.id}", data=settings(theme=ours.id)).status_code == 302
    assert db.session.get(Site, site.id).theme_id == ours.id
    assert client.post(f"{SITES}/{site.id}", data=settings()).status_code == 302
    assert db.session.get(Site, site.id).theme_id is None


def test_hostile_names_are_stored_as_text_and_escaped(client, db, admin, office):
    sign_in(client, admin)
    for text in HOSTILE:
        assert client.post(SITES, data=settings(name=text)).status_code == 302
        created = sites(db)[-1]
        assert created.name == text
        for url in (SITES, f"{SITES}/{created.id}"):
            html = html_of(client.get(url))
            assert text not in html and str(escape(text)) in html, url
    # A hostile origin is refused, and quoted back escaped.
    answer = client.post(SITES, data=settings(origins=HOSTILE[2]))
    assert answer.status_code == 422 and HOSTILE[2] not in html_of(answer)
    assert str(escape(HOSTILE[2].lower())) in html_of(answer)
    for text in HOSTILE:  # nor in the textarea it stays in
        answer = client.post(f"{SITES}/{office['site'].id}", data=settings(origins=text))
        assert answer.status_code == 422 and text not in html_of(answer)


# --- which forms a site shows -------------------------------------------------------------------

def test_a_site_shows_only_its_chosen_forms_in_the_widget(client, db, admin, office):
    site, forms = office["site"], office["forms"]
    sign_in(client, admin)
    assert "Form-Xd" in html_of(client.get("/w/test/en/"))
    answer = client.post(f"{SITES}/{site.id}/forms",
                         data={"shows": "chosen", "forms": [str(forms["HN"].id)]})
    assert answer.status_code == 302
    [entry] = audits(db, "site_forms_changed")
    assert entry.before == {"site_id": site.id, "shows_all_forms": True, "forms": []}
    assert entry.after == {"site_id": site.id, "shows_all_forms": False, "forms": ["form-hn"]}
    catalogue = html_of(client.get("/w/test/en/"))
    assert "Form-Hn" in catalogue and "Form-Xd" not in catalogue
    # Not shown is not found: by its address, by the loader's ?form= and on POST.
    assert client.get("/w/test/en/f/form-xd").status_code == 404
    assert client.get("/w/test/en/f/form-hn").status_code == 200
    assert client.get("/w/test/?form=form-xd").location.endswith("/w/test/en/")
    sent = client.post("/w/test/en/f/form-xd", data={"name": "Lan"},
                       headers={"Sec-Fetch-Site": "same-origin"})
    assert sent.status_code == 404
    assert db.session.scalar(select(func.count(Request.id))) == 0
    # Back to every form: the list is kept for next time, and the widget shows both again.
    assert client.post(f"{SITES}/{site.id}/forms", data={
        "shows": "all", "forms": [str(forms["HN"].id)]}).status_code == 302
    assert db.session.get(Site, site.id).shows_all_forms
    assert "Form-Xd" in html_of(client.get("/w/test/en/"))
    assert client.get("/w/test/en/f/form-xd").status_code == 200


def test_choosing_no_form_or_another_organisations_form_is_refused(client, db, admin, office,
                                                                   create_site, create_form):
    other_site = create_site(key="other", slug="org-other")
    theirs = create_form(other_site, slug="theirs")
    site = office["site"]
    sign_in(client, admin)
    answer = client.post(f"{SITES}/{site.id}/forms", data={"shows": "chosen"})
    assert answer.status_code == 422 and "Please choose at least one form" in html_of(answer)
    for value in (str(theirs.id), "abc"):
        answer = client.post(f"{SITES}/{site.id}/forms",
                             data={"shows": "chosen", "forms": [value]})
        assert answer.status_code == 422 and "forms of this organisation" in html_of(answer)
    assert db.session.get(Site, site.id).shows_all_forms and audits(db) == []
    assert "Theirs" not in html_of(client.get(f"{SITES}/{site.id}"))


# --- removing -----------------------------------------------------------------------------------

def test_a_site_with_requests_cannot_be_removed(client, db, admin, office, received):
    received()
    site = office["site"]
    sign_in(client, admin)
    answer = client.post(f"{SITES}/{site.id}/delete")
    assert answer.status_code == 422 and "cannot be removed" in html_of(answer)
    assert db.session.get(Site, site.id) is not None and audits(db) == []
    assert "<td>1</td>" in html_of(client.get(SITES))


def test_an_unused_site_is_removed(client, db, admin, office):
    sign_in(client, admin)
    client.post(SITES, data=settings())
    new, form_id = sites(db)[-1], office["forms"]["HN"].id
    new_id, key = new.id, new.key
    client.post(f"{SITES}/{new_id}/forms", data={"shows": "chosen", "forms": [str(form_id)]})
    answer = client.post(f"{SITES}/{new_id}/delete")
    assert answer.status_code == 302 and answer.location.endswith(SITES)
    assert db.session.get(Site, new_id) is None
    assert [entry.action for entry in audits(db)] == ["site_created", "site_forms_changed",
                                                      "site_deleted"]
    assert client.get(f"/w/{key}/en/").status_code == 404
    assert db.session.get(Form, form_id) is not None  # forms stay


# --- the pages themselves -----------------------------------------------------------------------

def test_the_pages_are_valid_html(client, db, admin, office, tmp_path):
    sign_in(client, admin)
    client.post(SITES, data=settings(name=HOSTILE[2]))
    new = sites(db)[-1]
    pages = {"list": client.get(SITES), "site": client.get(f"{SITES}/{new.id}"),
             "refused": client.post(SITES, data=settings(origins="nope")),
             "refused edit": client.post(f"{SITES}/{new.id}", data=settings(name="")),
             "refused forms": client.post(f"{SITES}/{new.id}/forms", data={"shows": "chosen"})}
    assert [page.status_code for page in pages.values()] == [200, 200, 422, 422, 422]
    assert html_errors({name: html_of(page) for name, page in pages.items()}, tmp_path) == []
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 1
