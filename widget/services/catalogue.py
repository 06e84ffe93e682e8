"""What a site offers: its form groups and published forms."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from widget.extensions import db
from widget.models import Form, FormGroup, Site
from widget.services.form_access import shown_in_catalogue


@dataclass
class CatalogueSection:
    group: FormGroup | None  # None: forms in no group
    forms: list[Form]


def site_by_key(key: str) -> Site | None:
    """The site a widget URL names."""
    return db.session.scalar(select(Site).where(Site.key == key))


def list_catalogue(site: Site) -> list[CatalogueSection]:
    """The published forms of the site's organisation, grouped and ordered for display."""
    forms = db.session.scalars(
        select(Form)
        .where(Form.organization_id == site.organization_id, Form.is_published.is_(True))
        .order_by(Form.position, Form.id)
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
    """A published form of the site's organisation, by its slug."""
    form = db.session.scalar(
        select(Form).where(
            Form.organization_id == site.organization_id, Form.slug == slug,
            Form.is_published.is_(True),
        )
    )
    return form if form is not None and form.current_version else None


def for_person(sections: list[CatalogueSection], account) -> list[CatalogueSection]:
    """The sections as this person (signed in to `account`, or None) sees them: forms open only
    to named people or agents are left out for everyone else (see form_access)."""
    shown = [CatalogueSection(section.group,
                              [form for form in section.forms if shown_in_catalogue(form, account)])
             for section in sections]
    return [section for section in shown if section.forms]
