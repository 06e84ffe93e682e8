"""Themes: administrators make them (skin, #rrggbb colours, a logo checked on its bytes, header HTML
sanitised, custom CSS filtered), the widget wears the site's theme or the organisation's default
through its own stylesheet, and deleting a theme sends its sites back to the default."""
from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import func, select

from tests import backoffice, test_admin
from tests.test_admin import html_of, sign_in
from tests.test_hostile_input import jpeg, png, webp
from tests.test_notice_settings import CSRF_INPUT, audits
from widget.models import AuditEntry, Form, Site, StaffUser, Theme
from widget.services.themes import ThemeInput, ThemeRefused, contrast_ratio, save_theme
from widget.uploads import configured_store

office, no_csrf = backoffice.office, test_admin.no_csrf
THEMES = "/admin/themes"
WIDGET = "/w/test"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
       b'<script>alert(1)</script></svg>')


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def theme(db, admin):
    return save_theme(admin, None, ThemeInput(
        name="City", skin="soft", colors={"primary": "#aa0000", "background": "#ffffff",
                                          "text": "#111111", "accent": "#eeeeee"})).theme


def form(**fields) -> dict:
    data = {"name": "City portal", "skin": "classic", "color-primary": "#0b5cad",
            "color-background": "#ffffff", "color-text": "#1b1b1b", "color-accent": "#f4f6f8",
            "custom_css": ""}
    return data | fields


def stylesheet(client) -> str:
    response = client.get(f"{WIDGET}/theme.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    return html_of(response)


def count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# --- who may see what ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["op", "head", "op_xd"])
def test_only_administrators_have_the_theme_pages(client, db, office, theme, who):
    sign_in(client, office["people"][who])
    site = office["site"]
    for url in (THEMES, f"{THEMES}/new", f"{THEMES}/{theme.id}", f"{THEMES}/{theme.id}/theme.css",
                f"{THEMES}/{theme.id}/preview/{site.id}/en", f"{THEMES}/{theme.id}/logo"):
        assert client.get(url).status_code == 404, url
    for url, data in ((THEMES, form()), (f"{THEMES}/{theme.id}", form(name="Sneaky")),
                      (f"{THEMES}/{theme.id}/default", {}), (f"{THEMES}/{theme.id}/delete", {})):
        assert client.post(url, data=data).status_code == 404, url
    assert "/admin/themes" not in html_of(client.get("/admin/"))
    stored = db.session.get(Theme, theme.id)
    assert (count(db, Theme), stored.name, stored.is_default) == (1, "City", False)


def test_another_organisations_theme_is_not_found(client, db, admin, create_site):
    other_site = create_site(key="other")
    other_admin = StaffUser(organization_id=other_site.organization_id, email="a@other.test",
                            name="Other", password_hash="x", role="admin")
    db.session.add(other_admin)
    db.session.commit()
    theirs = save_theme(other_admin, None, ThemeInput(name="Theirs")).theme
    sign_in(client, admin)
    for url in (f"{THEMES}/{theirs.id}", f"{THEMES}/{theirs.id}/theme.css"):
        assert client.get(url).status_code == 404
    own_site = db.session.scalars(select(Site).where(Site.key == "test")).one()
    mine = save_theme(admin, None, ThemeInput(name="Mine")).theme
    assert client.get(f"{THEMES}/{mine.id}/preview/{other_site.id}/en").status_code == 404
    assert client.get(f"{THEMES}/{mine.id}/preview/{own_site.id}/en").status_code == 200
    for url in (f"{THEMES}/{theirs.id}", f"{THEMES}/{theirs.id}/default",
                f"{THEMES}/{theirs.id}/delete"):
        assert client.post(url, data=form(name="Stolen")).status_code == 404
    stored = db.session.get(Theme, theirs.id)
    assert (stored.name, stored.is_default) == ("Theirs", False)
    assert "Theirs" not in html_of(client.get(THEMES))


def test_a_get_changes_nothing(client, db, admin, theme, office):
    sign_in(client, admin)
    before = (count(db, AuditEntry), count(db, Theme))
    for url in (THEMES, f"{THEMES}/new", f"{THEMES}/{theme.id}",
                f"{THEMES}/{theme.id}/preview/{office['site'].id}/vi",
                f"{THEMES}/{theme.id}/delete", f"{THEMES}/{theme.id}/default"):
        client.get(url)
    assert (count(db, AuditEntry), count(db, Theme)) == before
    assert not db.session.get(Theme, theme.id).is_default


def test_a_post_without_the_csrf_token_is_refused(app, client, db, admin, theme):
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(client, admin)
    token = CSRF_INPUT.search(html_of(client.get(f"{THEMES}/new"))).group(1)
    for url in (THEMES, f"{THEMES}/{theme.id}/default", f"{THEMES}/{theme.id}/delete"):
        assert client.post(url, data=form()).status_code == 400, url
    assert count(db, Theme) == 1 and not db.session.get(Theme, theme.id).is_default
    assert client.post(THEMES, data=form(csrf_token=token)).status_code == 302
    assert count(db, Theme) == 2


# --- making a theme and wearing it --------------------------------------------------------------

def test_an_administrator_makes_a_default_theme_the_widget_wears(client, db, admin):
    sign_in(client, admin)
    assert client.get(f"{WIDGET}/theme.css").status_code == 404  # no theme: the plain look
    assert "theme.css" not in html_of(client.get(f"{WIDGET}/en/"))
    created = client.post(THEMES, data=form(**{
        "name": "City portal", "skin": "contrast", "color-primary": "#AA0000",
        "header-en": "<p>Welcome to <b>City</b> services</p>", "header-vi": "Xin chào",
        "custom_css": "h1 { font-family: 'Noto Sans', sans-serif; letter-spacing: 1px }"}))
    theme = db.session.scalars(select(Theme)).one()
    assert created.status_code == 302 and created.location.endswith(f"{THEMES}/{theme.id}")
    assert (theme.skin, theme.colors["primary"], theme.is_default) == ("contrast", "#aa0000", False)
    assert [a.action for a in audits(db)] == ["theme_created"]
    assert "The theme is saved." in html_of(client.get(created.location))
    assert "theme.css" not in html_of(client.get(f"{WIDGET}/en/"))  # not chosen by any site yet

    assert client.post(f"{THEMES}/{theme.id}/default").status_code == 302
    assert db.session.get(Theme, theme.id).is_default
    page = html_of(client.get(f"{WIDGET}/en/"))
    link = re.search(r'<link rel="stylesheet" href="(/w/test/theme\.css\?v=[^"]+)">', page)
    assert link, page
    assert "Welcome to <b>City</b> services" in page
    assert "Xin chào" in html_of(client.get(f"{WIDGET}/vi/"))
    css = stylesheet(client)
    assert "--fd-accent: #aa0000;" in css and "min-height: 48px" in css  # colour and skin
    assert 'font-family: "Noto Sans", sans-serif;' in css
    response = client.get(link.group(1))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "public" in response.headers["Cache-Control"] and response.headers["ETag"]
    again = client.get(link.group(1), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert [a.action for a in audits(db)] == ["theme_created", "theme_default"]


def test_a_site_wears_its_own_theme_else_the_default(client, db, admin, theme, office):
    other = save_theme(admin, None, ThemeInput(name="Other", colors={"primary": "#00aa00"})).theme
    sign_in(client, admin)
    client.post(f"{THEMES}/{theme.id}/default")
    assert "--fd-accent: #aa0000;" in stylesheet(client)
    site = db.session.get(Site, office["site"].id)
    site.theme_id = other.id
    db.session.commit()
    assert "--fd-accent: #00aa00;" in stylesheet(client)
    client.post(f"{THEMES}/{other.id}/default")  # only one default at a time
    assert [t.name for t in db.session.scalars(select(Theme).where(Theme.is_default))] == ["Other"]


def test_deleting_a_theme_sends_its_sites_back_to_the_default(client, db, admin, theme, office):
    other = save_theme(admin, None, ThemeInput(name="Other", colors={"primary": "#00aa00"},
                                               logo=PNG)).theme
    logo_key, other_id = other.logo_key, other.id
    site = db.session.get(Site, office["site"].id)
    site.theme_id = other_id
    db.session.commit()
    sign_in(client, admin)
    client.post(f"{THEMES}/{theme.id}/default")
    assert client.post(f"{THEMES}/{other_id}/delete").status_code == 302
    assert db.session.get(Theme, other_id) is None
    assert db.session.get(Site, office["site"].id).theme_id is None
    assert "--fd-accent: #aa0000;" in stylesheet(client)  # the default now
    assert not (configured_store().root / logo_key[:2] / logo_key).exists()
    assert audits(db, "theme_deleted")[0].before["name"] == "Other"


# --- refusals and warnings ----------------------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    ({"name": "  "}, "Please name the theme"),
    ({"skin": "neon"}, "Please choose one of the skins."),
    ({"color-primary": "red"}, "Please give each colour as # and six hexadecimal digits"),
    ({"color-text": "#12345"}, "Please give each colour as #"),
    ({"color-background": "#12345g"}, "Please give each colour as #"),
    ({"color-accent": "rgb(1,2,3)"}, "Please give each colour as #"),
])
def test_bad_input_is_refused_and_changes_nothing(client, db, admin, theme, fields, message):
    sign_in(client, admin)
    before = count(db, AuditEntry)
    for url in (THEMES, f"{THEMES}/{theme.id}"):
        response = client.post(url, data=form(**fields))
        assert response.status_code == 422 and message in html_of(response)
        assert 'aria-invalid="true"' in html_of(response)
    assert count(db, Theme) == 1 and count(db, AuditEntry) == before
    assert db.session.get(Theme, theme.id).name == "City"


COLOUR_REFUSAL = "Please give each colour as # and six hexadecimal digits, for example #0b5cad."


def test_a_refusal_is_translated(client, db, admin):
    sign_in(client, admin)
    response = client.post(THEMES, data=form(**{"color-primary": "blue"}),
                           headers={"Accept-Language": "vi"})
    page = html_of(response)
    assert response.status_code == 422 and '<html lang="vi"' in page
    with force_locale("vi"):
        refusal = str(escape(gettext(COLOUR_REFUSAL)))
    assert refusal != COLOUR_REFUSAL and refusal in page and COLOUR_REFUSAL not in page


def test_low_contrast_is_saved_with_a_warning(client, db, admin):
    sign_in(client, admin)
    response = client.post(THEMES, data=form(**{"color-text": "#999999"}),
                           follow_redirects=True)
    assert "below the 4.5:1 that WCAG AA asks for" in html_of(response)
    assert db.session.scalars(select(Theme)).one().colors["text"] == "#999999"
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48


# --- logos --------------------------------------------------------------------------------------

def test_a_png_logo_is_served_as_an_image(client, db, admin, theme):
    sign_in(client, admin)
    response = client.post(f"{THEMES}/{theme.id}", data=form(logo=(__import__("io").BytesIO(PNG),
                                                                    "logo.png")),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    client.post(f"{THEMES}/{theme.id}/default")
    page = html_of(client.get(f"{WIDGET}/en/"))
    src = re.search(r'<img class="theme-logo" src="([^"]+)" alt="">', page).group(1)
    logo = client.get(src)
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == PNG
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in logo.headers["Cache-Control"]
    # Saved from the page, it is an image by name too, whatever name it was uploaded under.
    preview = client.get(f"{THEMES}/{theme.id}/logo")
    for served in (logo, preview):
        assert served.headers["Content-Disposition"] == (
            "inline; filename=\"logo.png\"; filename*=UTF-8''logo.png")


@pytest.mark.parametrize("data, filename, message", [
    (SVG, "logo.svg", "SVG is not accepted"),
    (b"<html><script>alert(1)</script></html>", "logo.png", "must be a PNG, JPEG or WebP"),
])
def test_a_logo_that_is_no_safe_image_is_refused(client, db, admin, theme, data, filename,
                                                 message):
    import io
    sign_in(client, admin)
    response = client.post(f"{THEMES}/{theme.id}", data=form(logo=(io.BytesIO(data), filename)),
                           content_type="multipart/form-data")
    assert response.status_code == 422 and message in html_of(response)
    assert db.session.get(Theme, theme.id).logo_key is None
    assert client.get(f"{THEMES}/{theme.id}/logo").status_code == 404


@pytest.mark.parametrize("data, reason", [
    (png(50000, 50000), "the image is too large (more than 40 megapixels)."),
    (jpeg(60000, 60000), "the image is too large (more than 40 megapixels)."),
    (webp(16000, 16000), "the image is too large (more than 40 megapixels)."),
    (b"\xff\xd8\xff\xe0" + b"\xff" * 300_000, "the image is damaged."),
], ids=["png pixel flood", "jpeg pixel flood", "webp pixel flood", "jpeg without a size"])
def test_a_logo_gets_the_pixel_check_attachments_get(client, db, admin, theme, data, reason):
    """A few bytes declaring billions of pixels would make every citizen's browser hold
    gigabytes to draw the logo: refused as an attached file would be, and nothing kept."""
    sign_in(client, admin)
    response = client.post(f"{THEMES}/{theme.id}", data=form(logo=(io.BytesIO(data), "logo.png")),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert f"The logo cannot be used: {reason}" in html_of(response)
    assert db.session.get(Theme, theme.id).logo_key is None
    assert not any(configured_store().root.rglob("*"))


def test_a_logo_over_512_kb_is_refused(db, admin, theme):
    # Through the service: the test client would spool so large a body to a temporary file it
    # never closes.
    with pytest.raises(ThemeRefused, match="larger than 512 KB"):
        save_theme(admin, theme.id, ThemeInput(name="City", logo=PNG + b"\x00" * 512 * 1024))
    assert db.session.get(Theme, theme.id).logo_key is None
    assert not any(configured_store().root.rglob("*"))
    saved = save_theme(admin, theme.id, ThemeInput(name="City", logo=PNG + b"\x00" * 400_000))
    assert saved.theme.logo_type == "image/png"


# --- valid pages --------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_branding_pages_are_valid_html(app, client, db, tmp_path, language):
    from tests.pages import branding_pages
    from tests.vnu import html_errors
    from widget.demo import load_demo_data

    load_demo_data()
    admin = db.session.scalar(select(StaffUser).where(StaffUser.email == "admin@demo.frontdesk"))
    sign_in(client, admin)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    pages = branding_pages(client, admin)
    assert {name: response.status_code for name, (response, _) in pages.items()} == {
        name: status for name, (_, status) in pages.items()}
    preview = pages["theme preview"][0]
    assert "frame-ancestors http://localhost" in preview.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in preview.headers
    assert "/admin/themes/" in html_of(preview) and "theme.css" in html_of(preview)
    html = {name: html_of(response) for name, (response, _) in pages.items()}
    # The widget wearing the demo theme, with a help page beside the form.
    slug = db.session.scalar(select(Form.slug).order_by(Form.id))
    html["widget catalogue"] = html_of(client.get(f"/w/demo/{language}/"))
    html["widget form"] = html_of(client.get(f"/w/demo/{language}/f/{slug}"))
    assert "theme.css" in html["widget catalogue"] and "help-form" in html["widget form"]
    assert html_errors(html, tmp_path) == []


def test_the_administration_page_lists_themes_and_help_pages(client, admin):
    sign_in(client, admin)
    page = html_of(client.get("/admin/administration"))
    assert 'href="/admin/themes"' in page and 'href="/admin/help"' in page
    assert page.index('href="/admin/themes"') < page.index('href="/admin/help"')


HOSTILE_CSS = ("@import url(https://evil.example/x.css);\nh1 { color: #abcdef }\n"
               "p { background: url(javascript:alert(1)) }\n</style><script>alert(1)</script>")


def test_changes_are_previewed_before_they_are_saved(client, db, admin, theme, office):
    sign_in(client, admin)
    before = count(db, AuditEntry)
    response = client.post(f"{THEMES}/preview", data=form(**{
        "theme": str(theme.id), "preview_site": str(office["site"].id), "preview_lang": "fa",
        "color-primary": "#123456", "custom_css": HOSTILE_CSS}))
    page = html_of(response)
    assert response.status_code == 200 and '<html lang="fa" dir="rtl"' in page
    nonce = re.search(r'<style nonce="([^"]+)">', page).group(1)
    policy = response.headers["Content-Security-Policy"]
    # Only that one inline style may apply; the frame is the edit page's, on this server only.
    assert f"style-src 'self' 'nonce-{nonce}'" in policy and "script-src 'self';" in policy
    assert "frame-ancestors http://localhost" in policy
    style = page.split(f'<style nonce="{nonce}">', 1)[1].split("</style>", 1)[0]
    assert "#123456" in style and "#abcdef" in style
    for hostile in ("@import", "evil.example", "javascript", "<script", "alert"):
        assert hostile not in style
    assert "<script>alert" not in page
    # Nothing was saved.
    db.session.expire_all()
    assert db.session.get(Theme, theme.id).colors["primary"] == "#aa0000"
    assert db.session.get(Theme, theme.id).custom_css == ""
    assert count(db, AuditEntry) == before
    # The saved theme's own preview still shows the saved colour.
    saved = client.get(f"{THEMES}/{theme.id}/theme.css").get_data(as_text=True)
    assert "#aa0000" in saved and "#123456" not in saved


def test_a_preview_of_bad_changes_says_why_and_saves_nothing(client, db, admin, theme, office):
    sign_in(client, admin)
    response = client.post(f"{THEMES}/preview", data=form(**{
        "theme": str(theme.id), "preview_site": str(office["site"].id), "preview_lang": "en",
        "color-primary": "red"}))
    assert response.status_code == 422 and COLOUR_REFUSAL in html_of(response)
    # The refusal shows inside the edit page's frame, like the preview it replaces.
    assert "frame-ancestors http://localhost" in response.headers["Content-Security-Policy"]
    db.session.expire_all()
    assert db.session.get(Theme, theme.id).colors["primary"] == "#aa0000"


def test_another_organisations_site_or_theme_is_not_previewed(client, db, admin, theme, office,
                                                               create_site):
    other = create_site(key="other")
    sign_in(client, admin)
    for fields in ({"theme": str(theme.id), "preview_site": str(other.id)},
                   {"theme": "999999", "preview_site": str(office["site"].id)}):
        response = client.post(f"{THEMES}/preview", data=form(**fields, preview_lang="en"))
        assert response.status_code == 404
