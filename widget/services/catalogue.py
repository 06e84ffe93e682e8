"""What a site offers: its form groups and published forms (all of the organisation's, or only
those the site was given: Site.shows_all_forms)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from widget.extensions import db
from widget.models import Form, FormGroup, Site
from widget.models.org import site_forms
from widget.services.form_access import shown_in_catalogue


@dataclass
class CatalogueSection:
    group: FormGroup | None  # None: forms in no group
    forms: list[Form]


def site_by_key(key: str) -> Site | None:
    """The site a widget URL names."""
    return db.session.scalar(select(Site).where(Site.key == key))


def _shown_on(site: Site):
    """The condition for the published forms a site shows."""
    # A form with no unit (left so by an older release) would file requests into no inbox.
    condition = ((Form.organization_id == site.organization_id) & Form.is_published.is_(True)
                 & Form.unit_id.is_not(None))
    if not site.shows_all_forms:
        # A form the site was not given is "not found" there, even by its direct address.
        condition &= Form.id.in_(select(site_forms.c.form_id).where(site_forms.c.site_id == site.id))
    return condition


def list_catalogue(site: Site) -> list[CatalogueSection]:
    """The published forms the site shows, grouped and ordered for display."""
    forms = db.session.scalars(
        select(Form).where(_shown_on(site)).order_by(Form.position, Form.id)
    ).all()
    groups = db.session.scalars(
        select(FormGroup)
        .where(FormGroup.organization_id == site.organization_id)
        .order_by(FormGroup.position, FormGroup.id)
    ).all()
    sections = []
    for group in groups:
        grouped = [form for form in forms if form.group_id == group.id and form.current_version]
        if grouped:
            sections.append(CatalogueSection(group, grouped))
    loose = [form for form in forms if form.group_id is None and form.current_version]
    if loose:
        sections.append(CatalogueSection(None, loose))
    return sections


def published_form(site: Site, slug: str) -> Form | None:
    """A published form the site shows, by its slug."""
    form = db.session.scalar(select(Form).where(_shown_on(site), Form.slug == slug))
    return form if form is not None and form.current_version else None


def for_person(sections: list[CatalogueSection], account) -> list[CatalogueSection]:
    """The sections as this person (signed in to `account`, or None) sees them: forms open only
    to named people or agents are left out for everyone else (see form_access)."""
    shown = [CatalogueSection(section.group,
                              [form for form in section.forms if shown_in_catalogue(form, account)])
             for section in sections]
    return [section for section in shown if section.forms]
