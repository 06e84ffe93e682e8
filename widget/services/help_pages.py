"""Help pages: texts administrators write for citizens, shown by the widget on its home (the
catalogue) and beside one form or one group. Bodies are rich text, stored already sanitised
(widget.sanitize.clean_html); titles are plain text."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from widget.extensions import db
from widget.models import Form, FormGroup, HelpPage, Site, StaffUser
from widget.sanitize import clean_html
from widget.services.access import NotAllowed, organisation_row, require_admin
from widget.services.audit_log import record_change
from widget.textnorm import strip_controls

TITLE_MAX = 200
BODY_MAX = 20_000


class NoSuchHelpPage(NotAllowed):
    """No help page of this organisation has that id (answered as "page not found")."""

    def __init__(self):
        super().__init__(_l("There is no such help page."))


class HelpPageRefused(NotAllowed):
    """Bad input for a help page; `field` names the form field it is about."""

    def __init__(self, message, field_name: str):
        super().__init__(message)
        self.field = field_name


@dataclass
class HelpPageInput:
    """What an administrator typed for a help page."""

    titles: dict = field(default_factory=dict)
    bodies: dict = field(default_factory=dict)
    show_on_home: bool = True
    form_id: int | None = None
    group_id: int | None = None
    is_published: bool = False


def help_pages(admin: StaffUser) -> list[HelpPage]:
    """The organisation's help pages, in the order the widget shows them."""
    require_admin(admin)
    return list(db.session.scalars(select(HelpPage).where(
        HelpPage.organization_id == admin.organization_id)
        .order_by(HelpPage.position, HelpPage.id)))


def help_page_of(admin: StaffUser, page_id: int) -> HelpPage:
    """One of the organisation's help pages, or NoSuchHelpPage."""
    return organisation_row(admin, HelpPage, page_id, NoSuchHelpPage)


def help_page_targets(admin: StaffUser) -> tuple[list[Form], list[FormGroup]]:
    """The forms and groups a help page may be shown beside."""
    require_admin(admin)
    org = admin.organization_id
    return (list(db.session.scalars(select(Form).where(Form.organization_id == org)
                                    .order_by(Form.position, Form.id))),
            list(db.session.scalars(select(FormGroup).where(FormGroup.organization_id == org)
                                    .order_by(FormGroup.position, FormGroup.id))))


def save_help_page(admin: StaffUser, page_id: int | None, typed: HelpPageInput) -> HelpPage:
    """Create (page_id None, placed last) or change a help page. Commits."""
    page = help_page_of(admin, page_id) if page_id is not None else None
    titles = {lang: " ".join(strip_controls(text or "").split())[:TITLE_MAX]
              for lang, text in (typed.titles or {}).items()}
    titles = {lang: text for lang, text in titles.items() if text}
    if not titles:
        raise HelpPageRefused(_l("Please give the help page a title in at least one "
                                 "language."), "titles")
    bodies = {lang: clean_html(strip_controls(text or "")[:BODY_MAX])
              for lang, text in (typed.bodies or {}).items() if (text or "").strip()}
    org = admin.organization_id
    if typed.form_id is not None and db.session.scalar(select(Form.id).where(
            Form.id == typed.form_id, Form.organization_id == org)) is None:
        raise HelpPageRefused(_l("Please choose a form of this organisation."), "form_id")
    if typed.group_id is not None and db.session.scalar(select(FormGroup.id).where(
            FormGroup.id == typed.group_id, FormGroup.organization_id == org)) is None:
        raise HelpPageRefused(_l("Please choose a group of this organisation."), "group_id")
    before = _summary(page) if page is not None else {}
    if page is None:
        last = db.session.scalar(select(func.max(HelpPage.position)).where(
            HelpPage.organization_id == org))
        page = HelpPage(organization_id=org, position=(last or 0) + 1)
        db.session.add(page)
    page.titles, page.bodies = titles, bodies
    page.show_on_home, page.is_published = bool(typed.show_on_home), bool(typed.is_published)
    page.form_id, page.group_id = typed.form_id, typed.group_id
    db.session.flush()
    record_change(admin, "help_page_changed" if before else "help_page_created", before,
                  _summary(page))
    db.session.commit()
    return page


def set_help_page_published(admin: StaffUser, page_id: int, published: bool) -> HelpPage:
    """Publish a help page (the widget shows it) or take it back. Commits."""
    page = help_page_of(admin, page_id)
    if page.is_published != published:
        before = _summary(page)
        page.is_published = published
        record_change(admin, "help_page_published" if published else "help_page_unpublished",
                      before, _summary(page))
        db.session.commit()
    return page


def move_help_page(admin: StaffUser, page_id: int, step: int) -> HelpPage:
    """Move a help page one place earlier (step -1) or later (+1) in the widget. Commits."""
    pages = help_pages(admin)
    index = next((i for i, page in enumerate(pages) if page.id == page_id), None)
    if index is None:
        raise NoSuchHelpPage()
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(pages):
        before = [page.id for page in pages]
        pages[index], pages[target] = pages[target], pages[index]
        # Renumbered whole: older rows may share a position.
        for position, page in enumerate(pages, start=1):
            page.position = position
        record_change(admin, "help_page_moved", {"order": before}, {"order": [page.id for page in pages]})
        db.session.commit()
    return pages[target if 0 <= target < len(pages) else index]


def delete_help_page(admin: StaffUser, page_id: int) -> None:
    """Delete a help page for good. Commits."""
    page = help_page_of(admin, page_id)
    record_change(admin, "help_page_deleted", _summary(page), {})
    db.session.delete(page)
    db.session.commit()


def published_help(site: Site) -> list[HelpPage]:
    """The help pages the widget of a site shows, in order."""
    return list(db.session.scalars(select(HelpPage).where(
        HelpPage.organization_id == site.organization_id, HelpPage.is_published.is_(True))
        .order_by(HelpPage.position, HelpPage.id)))


def _summary(page: HelpPage) -> dict:
    return {"help_page_id": page.id, "titles": dict(page.titles or {}),
            "body_languages": sorted(page.bodies or {}), "show_on_home": page.show_on_home,
            "form_id": page.form_id, "group_id": page.group_id,
            "is_published": page.is_published, "position": page.position}
