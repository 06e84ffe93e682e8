"""The administrators' dashboard: its numbers against known requests (days in the organisation's
time zone, statuses, closed on time, overdue by unit), charts as accessible inline SVG with
escaped labels, mirrored in Persian. Administrators, and unit heads for their own units;
reading it changes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape

from tests import backoffice, test_admin, test_notice_settings
from tests.backoffice import at
from tests.test_admin import HOSTILE, html_of, sign_in
from tests.test_notice_settings import audits
from tests.vnu import html_errors
from widget import codes
from widget.models import Request
from widget.models._types import utcnow
from widget.services.access import AdministratorsOnly, NotAllowed
from widget.services.dashboard import dashboard

office, no_csrf = backoffice.office, test_admin.no_csrf
commits = test_notice_settings.commits
DASHBOARD = "/admin/dashboard"
NOW = at("2026-10-31 12:00")  # Saturday 31 October 2026, noon in Hanoi
HOSTILE_ALL = HOSTILE + ['"><svg onload=alert(1)>']


@pytest.fixture
def admin(office):
    return office["people"]["admin"]


@pytest.fixture
def make(db, office):
    """A sent request of unit HN or XD, sent at a Hanoi time."""
    def create(unit="HN", status="received", sent="2026-10-30 09:00", due=None, closed=None,
               organization=None, form_version_id=None):
        request = Request(organization_id=organization or office["org"].id,
                          site_id=office["site"].id, unit_id=office["units"][unit].id,
                          form_version_id=form_version_id or office["forms"][unit].versions[0].id,
                          status=status, code=codes.generate(), answers={"name": "Lan"},
                          submitted_at=at(sent), due_at=at(due) if due else None,
                          closed_at=at(closed) if closed else None)
        db.session.add(request)
        db.session.commit()
        return request
    return create


def test_requests_per_day_per_form_count_the_organisations_days(db, office, admin, make):
    make(sent="2026-10-31 00:30")              # after midnight in Hanoi: the 31st (UTC: the 30th)
    make(sent="2026-10-30 23:30")              # the 30th (UTC: the 30th too)
    make(unit="XD", sent="2026-10-30 07:00")   # the 30th (UTC: the 30th at midnight)
    make(unit="XD", sent="2026-10-25 06:59")   # the 25th: the first day of a 7-day period
    make(sent="2026-10-24 23:59")              # the day before the period: not counted
    make(status="draft", sent="2026-10-30 10:00")  # drafts are no requests
    data = dashboard(admin, 7, "en", now=NOW)
    assert data.first_day.isoformat() == "2026-10-25" and data.last_day.isoformat() == "2026-10-31"
    per_form = {series.title: series.per_day for series in data.forms}
    assert per_form == {"Form-Hn": [0, 0, 0, 0, 0, 1, 1], "Form-Xd": [1, 0, 0, 0, 0, 1, 0]}
    assert data.received == 4


def test_status_mix_on_time_share_and_overdue_units(db, office, admin, make):
    # Sent in the period, by status now.
    make(status="received", due="2026-10-30 17:00")                  # overdue now (HN)
    make(status="in_progress", due="2026-11-05 17:00")               # open, not overdue
    make(unit="XD", status="paused", due="2026-10-29 17:00")         # overdue now (XD)
    make(unit="XD", status="registered", sent="2026-07-01 09:00", due="2026-07-15 17:00")  # old
    make(status="closed", due="2026-10-20 17:00", closed="2026-10-20 16:00")  # on time
    make(status="closed", due="2026-10-20 17:00", closed="2026-10-21 09:00")  # late
    make(status="closed", due="2026-10-01 17:00", closed="2026-09-30 10:00")  # September, on time
    make(status="closed", closed="2026-10-15 10:00")                          # no deadline
    make(status="result_ready", due="2026-10-20 17:00")  # answered but not closed: not counted
    data = dashboard(admin, 90, "en", now=NOW)
    assert data.statuses == {"received": 1, "in_progress": 1, "paused": 1, "closed": 4,
                             "result_ready": 1}  # not the one sent in July
    shares = {month.month.isoformat(): (month.closed, month.on_time) for month in data.months}
    assert shares == {"2026-08-01": (0, 0), "2026-09-01": (1, 1), "2026-10-01": (2, 1)}
    assert (data.overall.closed, data.overall.on_time) == (3, 2)
    assert round(data.overall.percent) == 67
    # Overdue: open past the deadline now, whenever sent (the July one too).
    assert data.overdue_units == [("Unit XD", 2), ("Unit HN", 1)]
    week = dashboard(admin, 7, "en", now=NOW)
    assert week.statuses == {"received": 1, "in_progress": 1, "paused": 1, "closed": 4,
                             "result_ready": 1}
    assert (week.overall.closed, week.overall.on_time) == (0, 0) and week.overall.percent is None
    assert week.overdue_units == data.overdue_units


def test_other_organisations_are_not_counted(db, office, admin, make, create_site, create_form):
    other_site = create_site("other", slug="other-org")
    theirs = create_form(other_site, slug="theirs")
    make(organization=other_site.organization_id, form_version_id=theirs.versions[0].id,
         due="2026-10-30 17:00")
    data = dashboard(admin, 30, "en", now=NOW)
    assert data.forms == [] and data.statuses == {} and data.overdue_units == []


def test_only_administrators_and_known_periods(db, office, admin):
    with pytest.raises(AdministratorsOnly):
        dashboard(office["people"]["op"], 30, "en")
    with pytest.raises(NotAllowed):
        dashboard(admin, 31, "en")


@pytest.mark.parametrize("who", ["op", "op_xd"])
def test_other_staff_get_page_not_found(client, office, who):
    sign_in(client, office["people"][who])
    for url in (DASHBOARD, f"{DASHBOARD}?days=7"):
        response = client.get(url)
        assert response.status_code == 404 and "Page not found" in html_of(response)


@pytest.mark.awkward_hours  # "the last 30 days" and "overdue" are read from the clock
def test_the_page_shows_charts_and_the_same_numbers(client, db, office, admin, make, commits):
    now = utcnow()
    for _ in range(3):
        make(due="2000-01-01 10:00").submitted_at = now - timedelta(hours=1)
    closed = make(status="closed")
    closed.submitted_at = now - timedelta(hours=3)  # the fixture's default day is long past
    closed.due_at, closed.closed_at = now + timedelta(days=1), now - timedelta(hours=2)
    db.session.commit()
    sign_in(client, admin)
    commits.clear()
    response = client.get(DASHBOARD)
    html = html_of(response)
    assert response.status_code == 200 and commits == [] and audits(db) == []
    # Four charts, each drawn for a screen and for a phone (one shows), each an image with a name...
    assert html.count('role="img"') == 8
    for chart in ("chart-per-day", "chart-statuses", "chart-on-time", "chart-overdue"):
        for drawn in (chart, f"{chart}-narrow"):
            assert f'aria-labelledby="{drawn}-title {drawn}-desc"' in html
            assert f'<title id="{drawn}-title">' in html
    assert html.count("<details>") == html.count("<table>") == 4  # ...and its numbers in a table
    assert '<option value="30" selected>' in html
    assert "4 requests received." in html
    assert "Closed no later than their deadline: 100% overall." in html
    assert '<th scope="row"><bdi>Unit HN</bdi></th><td>3</td>' in html
    assert 'href="/admin/dashboard"' in html_of(client.get("/admin/administration"))


def test_a_period_that_makes_no_sense_is_left_out(client, admin):
    sign_in(client, admin)
    html = html_of(client.get(f"{DASHBOARD}?days=12"))
    assert "Please choose 7, 30 or 90 days." in html
    assert '<option value="30" selected>' in html
    assert '<option value="7" selected>' in html_of(client.get(f"{DASHBOARD}?days=7"))


def test_form_titles_and_unit_names_are_escaped_in_the_charts(client, db, office, admin, make):
    sign_in(client, admin)
    for text in HOSTILE_ALL:
        office["forms"]["HN"].titles = {"en": text}
        office["units"]["HN"].names = {"en": text}
        db.session.commit()
        request = make(due="2000-01-01 10:00")
        request.submitted_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        html = html_of(client.get(DASHBOARD))
        assert text not in html
        svg = html[html.index('id="chart-per-day"'):]
        svg = svg[:svg.index("</svg>")]
        assert str(escape(text)) in svg  # in the bars' titles
        overdue = html[html.index('id="chart-overdue"'):]
        assert str(escape(text)) in overdue[:overdue.index("</svg>")]


def test_charts_are_mirrored_in_persian_and_the_pages_are_valid(client, db, admin, make,
                                                               tmp_path):
    for hours in (1, 30, 80):
        make(due="2000-01-01 10:00").submitted_at = utcnow() - timedelta(hours=hours)
    db.session.commit()
    sign_in(client, admin)
    pages = {}
    for language in ("en", "fa"):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        pages[language] = html_of(client.get(f"{DASHBOARD}?days=7"))
    assert 'direction="rtl"' in pages["fa"] and 'direction="rtl"' not in pages["en"]
    assert 'direction="ltr"' in pages["en"]
    assert html_errors(pages | {"bad period": html_of(client.get(f"{DASHBOARD}?days=x"))},
                       tmp_path) == []


@pytest.mark.parametrize("who", ["admin", "head"])
def test_unit_heads_see_the_dashboard_of_their_own_units(client, db, office, make, frozen_clock,
                                                         who):
    frozen_clock.move_to(NOW, tick=False)
    make(status="registered", due="2026-10-30 17:00")   # HN, overdue
    make(unit="XD", status="registered", due="2026-10-30 17:00")
    make(unit="XD")
    data = dashboard(office["people"][who], 7, "en", NOW)
    expected = 3 if who == "admin" else 1
    assert data.received == expected
    assert sum(series.total for series in data.forms) == expected
    assert {name for name, _count in data.overdue_units} == (
        {"Unit HN", "Unit XD"} if who == "admin" else {"Unit HN"})
    sign_in(client, office["people"][who])
    html = html_of(client.get(DASHBOARD))
    assert ("Unit XD" in html) == (who == "admin")
