"""The rules every administration page follows, checked on every route the admin blueprint has
(so a page added later is covered without anyone remembering to): only administrators reach the
administration areas (others get "page not found"), no admin page may be framed, and no POST
is accepted without its CSRF token."""
from __future__ import annotations

import re


from admin.hub import SECTIONS
from tests import backoffice
from tests.test_admin import sign_in

office = backoffice.office
# The modules of the administration areas: every view in them is for administrators only.
AREA_MODULES = ("admin.accounts", "admin.deliveries", "admin.integrations", "admin.notices",
                "admin.organisation", "admin.staff_users", "admin.form_builder", "admin.sites",
                "admin.form_groups", "admin.themes", "admin.help_pages", "admin.form_access",
                "admin.upload_limits", "admin.exports", "admin.dashboard", "admin.hub")


def admin_rules(app):
    """(rule, view function) for every admin route but signing in and the stylesheet."""
    return [(rule, app.view_functions[rule.endpoint]) for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("admin.")
            and rule.endpoint not in {"admin.login", "admin.static"}]


def url_of(rule) -> str:
    """The rule's path with every argument filled (1 for numbers, "x" for the rest)."""
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>",
                  lambda match: "1" if match.group(1) in {"int", "float", "id"} else "x", rule.rule)


def test_every_view_of_the_administration_areas_is_for_administrators_only(app):
    area_views = [(rule.endpoint, view) for rule, view in admin_rules(app)
                  if view.__module__ in AREA_MODULES]
    assert len(area_views) >= len(AREA_MODULES)
    # The reports of a unit's work (export, dashboard) are its heads' too, scoped to their units.
    assert [endpoint for endpoint, view in area_views
            if not getattr(view, "administrators_only", False)
            and not getattr(view, "unit_heads_too", False)] == []
    assert {endpoint for endpoint, view in area_views if getattr(view, "unit_heads_too", False)} \
        == {"admin.export_page", "admin.export_download", "admin.dashboard_page"}


def test_operators_find_no_report_of_a_units_work(app, client, office):
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(client, office["people"]["op"])
    for rule, view in admin_rules(client.application):
        if getattr(view, "unit_heads_too", False):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                assert client.open(url_of(rule), method=method).status_code == 404, rule.rule



def test_the_administration_page_links_every_area(client, office):
    sign_in(client, office["people"]["admin"])
    html = client.get("/admin/administration").get_data(as_text=True)
    with client.application.test_request_context():
        from flask import url_for
        for section in SECTIONS:
            assert f'href="{url_for(section.endpoint)}"' in html
    area_modules_with_views = {view.__module__ for _rule, view in admin_rules(client.application)
                               if view.__module__ in AREA_MODULES}
    assert area_modules_with_views == set(AREA_MODULES)


def test_staff_who_are_not_administrators_find_no_administration_page(app, client, office):
    app.config["WTF_CSRF_ENABLED"] = False  # the gate, not the token, is what is checked here
    sign_in(client, office["people"]["head"])
    for rule, view in admin_rules(client.application):
        if not getattr(view, "administrators_only", False):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url_of(rule), method=method)
            assert response.status_code == 404, (method, rule.rule)


def test_no_admin_page_may_be_framed(client, office):
    sign_in(client, office["people"]["admin"])
    for rule, _view in admin_rules(client.application):
        if "GET" not in rule.methods:
            continue
        response = client.get(url_of(rule))
        assert response.headers.get("X-Frame-Options") == "DENY", rule.rule
        assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", ""), \
            rule.rule


def test_no_admin_post_is_taken_without_its_csrf_token(app, client, office):
    sign_in(client, office["people"]["admin"])
    app.config["WTF_CSRF_ENABLED"] = True
    for rule, _view in admin_rules(app):
        if "POST" in rule.methods:
            assert client.post(url_of(rule), data={}).status_code == 400, rule.rule
