"""Fixtures for back-office tests: two units with their staff, requests, a settable clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from widget import codes
from widget.extensions import db as _db
from widget.models import Request, RequestStatus as S, Role, Unit
from widget.services.staff import create_staff

HANOI = timedelta(hours=7)
PASSWORD = "correct horse battery"


def at(text: str) -> datetime:
    """A UTC moment from 'YYYY-MM-DD HH:MM' given in Hanoi time (UTC+7)."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc) - HANOI


@pytest.fixture
def clock(frozen_clock):
    """set_now('YYYY-MM-DD HH:MM' in Hanoi): stop the clock at that moment, for everything."""
    def set_now(text: str):
        moment = at(text)
        frozen_clock.move_to(moment, tick=False)
        return moment
    return set_now


# The fields of each unit's form: a name, a message, a file and the contacts notices go to.
FIELDS = [
    {"key": "name", "type": "text", "required": True, "max_length": 100},
    {"key": "message", "type": "long_text"},
    {"key": "proof", "type": "file"},
    {"key": "email", "type": "email"},
    {"key": "phone", "type": "phone"},
]


def build_office(create_site, create_form) -> dict:
    """Units HN and XD with an operator and a head each, an administrator, and a form per unit
    (create_site, create_form: conftest's new_site and new_form, or the fixtures)."""
    site = create_site()
    org = site.organization
    units = {code: Unit(organization_id=org.id, code=code, names={"en": f"Unit {code}"})
             for code in ("HN", "XD")}
    _db.session.add_all(units.values())
    _db.session.commit()
    people = {
        "op": create_staff(org, "op@hn.test", "Operator HN", PASSWORD, Role.OPERATOR, [units["HN"]]),
        "head": create_staff(org, "head@hn.test", "Head HN", PASSWORD, Role.UNIT_HEAD, [units["HN"]]),
        "op_xd": create_staff(org, "op@xd.test", "Operator XD", PASSWORD, Role.OPERATOR, [units["XD"]]),
        "admin": create_staff(org, "admin@org.test", "Admin", PASSWORD, Role.ADMIN),
    }
    forms = {}
    for code, unit in units.items():
        forms[code] = create_form(site, slug=f"form-{code.lower()}", fields=FIELDS)
        forms[code].unit_id = unit.id
    _db.session.commit()
    return {"site": site, "org": org, "units": units, "people": people, "forms": forms}


@pytest.fixture
def office(db, create_site, create_form):
    """Units HN and XD with an operator and a head each, an administrator, and a form per unit."""
    return build_office(create_site, create_form)


@pytest.fixture
def received(db, office):
    """A received request of unit HN, due Friday 23 October 2026 at 17:00 (Hanoi)."""
    def make(unit="HN", due="2026-10-23 17:00", answers=None, language="en"):
        request = Request(organization_id=office["org"].id, site_id=office["site"].id,
                          unit_id=office["units"][unit].id,
                          form_version_id=office["forms"][unit].versions[0].id,
                          status=S.RECEIVED.value, code=codes.generate(),
                          answers=answers or {"name": "Lan"}, language=language,
                          submitted_at=at("2026-10-16 09:00"), due_at=at(due))
        db.session.add(request)
        db.session.commit()
        return request
    return make


def local(moment: datetime) -> str:
    """A UTC moment as 'YYYY-MM-DD HH:MM' in Hanoi time."""
    return (moment.replace(tzinfo=timezone.utc) + HANOI).strftime("%Y-%m-%d %H:%M")
