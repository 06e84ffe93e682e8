"""Every kind of widget page, rendered through the test client, for checks that span them all."""
from __future__ import annotations

import io
import re

from tests.conftest import form_token, tracking_code
from widget.demo import load_demo_data

RESUME_CODE = re.compile(r'<strong class="code" dir="ltr">([0-9A-Z-]+)</strong>')


def widget_pages(client, language: str) -> dict[str, str]:
    """{page name: HTML} for each page a person can reach, in one language (demo data)."""
    load_demo_data()
    base = f"/w/demo/{language}"
    pages = {}

    def keep(name, response):
        pages[name] = response.get_data(as_text=True)
        return pages[name]

    keep("catalogue", client.get(f"{base}/"))
    for slug in ("birth-registration", "construction-permit", "complaint", "insurance-card"):
        keep(f"form {slug}", client.get(f"{base}/f/{slug}"))
    token = form_token(pages["form construction-permit"])
    keep("form with errors", client.post(f"{base}/f/construction-permit", data={
        "form_token": token, "floor_area": "abc", "phone": "12"}))
    keep("form with a held file", client.post(f"{base}/f/construction-permit", data={
        "form_token": form_token(pages["form with errors"]), "floor_area": "abc",
        "drawings": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "drawings.pdf")},
        content_type="multipart/form-data"))
    assert 'class="attached"' in pages["form with a held file"]  # held for the page
    draft_page = keep("draft saved", client.post(f"{base}/f/construction-permit", data={
        "form_token": token, "action": "draft", "applicant": "Nguyễn Văn A"}))
    receipt = keep("receipt", client.post(f"{base}/f/construction-permit", data={
        "form_token": form_token(draft_page), "applicant": "Nguyễn Văn A", "address": "12 Lê Lợi",
        "floor_area": "120", "documents": ["land", "drawings"], "phone": "0912345678",
        "confirm": "y", "description": "Two floors"}))
    keep("track", client.get(f"{base}/track"))
    keep("track typo", client.post(f"{base}/track", data={"code": "7K3M-9QX2-HR4T-B6"}))
    keep("track unknown", client.post(f"{base}/track", data={"code": "0000-0000-0000-00"}))
    keep("status", client.post(f"{base}/track", data={"code": tracking_code(receipt)}))
    for name, code in demo_codes().items():
        keep(f"status {name}", client.post(f"{base}/track", data={"code": code}))
    keep("recover", client.get(f"{base}/recover"))
    keep("recover refused", client.post(f"{base}/recover", data={"contact": "hello"}))
    keep("recover asked", client.post(f"{base}/recover", data={"contact": "lan@example.org"}))
    keep("resume", client.get(f"{base}/resume"))
    keep("resume unknown", client.post(f"{base}/resume", data={"code": "0000-0000-0000-00"}))
    resume_code = RESUME_CODE.search(keep("draft to resume", client.post(
        f"{base}/f/complaint", data={"form_token": form_token(pages["form complaint"]),
                                     "action": "draft", "message": "Half"}))).group(1)
    keep("resumed draft", client.post(f"{base}/resume", data={"code": resume_code}))
    keep("spam refused", client.post(f"{base}/f/complaint", data={
        "form_token": form_token(pages["form complaint"]), "website": "x"}))
    keep("not found", client.get(f"{base}/f/no-such-form"))
    pages.update(verification_pages(client, language))
    pages.update(account_pages(client, language))
    return pages


def verification_pages(client, language: str) -> dict[str, str]:
    """The public page that verifies the demo letter: asked for a code, the letter, a genuine
    and a changed file, an unknown code."""
    import io

    from sqlalchemy import select

    from widget.extensions import db
    from widget.models import Letter
    from widget.uploads import configured_store

    letter = db.session.scalars(select(Letter).where(Letter.verification_code.is_not(None))).first()
    document = configured_store().read(letter.document.storage_key)
    base = f"/v/{letter.verification_code}?lang={language}"

    def compare(data: bytes):
        return client.post(base, data={"document": (io.BytesIO(data), "letter.pdf")},
                           content_type="multipart/form-data")
    responses = {"verify": client.get(f"/v/?lang={language}"), "verified letter": client.get(base),
                 "verified file": compare(document), "changed file": compare(document + b" "),
                 "verify unknown": client.get(f"/v/00000000000000000?lang={language}")}
    expected = {"changed file": 422, "verify unknown": 404}
    assert {name: r.status_code for name, r in responses.items()} == {
        name: expected.get(name, 200) for name in responses}
    return {name: response.get_data(as_text=True) for name, response in responses.items()}


def account_pages(client, language: str) -> dict[str, str]:
    """The pages of people with an account: signing up, in and back in, then the demo card
    holder's cabinet and profile, and the agent's cabinet."""
    base = f"/w/demo/{language}/account"
    pages = {}

    def keep(name, response):
        pages[name] = response.get_data(as_text=True)
        return pages[name]

    keep("sign up", client.get(f"{base}/signup"))
    keep("sign up refused", client.post(f"{base}/signup", data={
        "name": "", "contact": "nope", "password": "short"}))
    keep("confirm code", client.post(f"{base}/signup", data={
        "name": "Vũ Thị Mơ", "contact": f"mo-{language}@example.org", "password": "a long pass phrase"}))
    keep("confirm code wrong", client.post(f"{base}/confirm", data={"challenge": "x", "code": "1"}))
    keep("confirm link", client.get(f"{base}/confirm?t=abc"))
    keep("confirm link used", client.post(f"{base}/confirm", data={"t": "abc"}))
    keep("sign in", client.get(f"{base}/signin"))
    keep("sign in failed", client.post(f"{base}/signin", data={"contact": "x@example.org",
                                                              "password": "wrong password"}))
    keep("forgot", client.get(f"{base}/forgot"))
    keep("reset code", client.post(f"{base}/forgot", data={"contact": "lan@example.com"}))
    keep("reset refused", client.post(f"{base}/reset", data={"challenge": "x", "code": "1",
                                                            "password": "short"}))
    client.post(f"{base}/signin", data={"contact": "lan@example.com", "password": "frontdesk-demo"})
    cabinet = keep("cabinet", client.get(f"{base}/"))
    keep("notifications", client.get(f"{base}/notifications"))
    request_id = re.search(r'/account/requests/(\d+)"', cabinet).group(1)
    draft_id = re.search(r'/account/drafts/(\d+)"', cabinet).group(1)
    keep("own request", client.get(f"{base}/requests/{request_id}"))
    keep("own draft", client.get(f"{base}/drafts/{draft_id}"))
    keep("profile", client.get(f"{base}/profile"))
    keep("profile refused", client.post(f"{base}/details", data={"field": "name", "new_value": ""}))
    keep("contact code", client.post(f"{base}/contact", data={"contact": f"lan-{language}@example.org"}))
    keep("contact refused", client.post(f"{base}/contact", data={"contact": "lan@example.com"}))
    keep("claim", client.get(f"{base}/claim"))
    keep("claim refused", client.post(f"{base}/claim", data={"code": "0000-0000-0000-00"}))
    client.post(f"{base}/signout")
    client.post(f"{base}/signin", data={"contact": "agent@demo.frontdesk", "password": "frontdesk-demo"})
    keep("agent cabinet", client.get(f"{base}/"))
    client.post(f"{base}/signout")
    return pages


def demo_codes() -> dict[str, str]:
    """Tracking codes of demo requests whose status pages show the most: paused, refused, an
    answer letter, a message thread, closed."""
    from sqlalchemy import select

    from widget.extensions import db
    from widget.models import Request

    codes = {}
    for req in db.session.scalars(select(Request).where(Request.code.is_not(None))
                                  .order_by(Request.id)):
        shows = ("letter" if req.letters else "messages" if req.messages else req.status)
        if shows in ("paused", "refused", "closed", "letter", "messages"):
            codes.setdefault(shows, req.code)
    assert codes.keys() == {"paused", "refused", "closed", "letter", "messages"}
    return codes


def back_office_pages(client, language: str) -> dict[str, str]:
    """{page name: HTML} for each back-office page, read by the demo administrator in one
    language (demo data: a request in every status)."""
    from sqlalchemy import select

    from widget.extensions import db
    from widget.models import Form, Request, StaffUser

    load_demo_data()
    client.application.config["WTF_CSRF_ENABLED"] = False
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    pages = {"login": client.get("/admin/login"),
             "login failed": client.post("/admin/login", data={"email": "x@y.z", "password": "no"})}
    admin = db.session.scalar(select(StaffUser).where(StaffUser.email == "admin@demo.frontdesk"))
    from widget.services.staff_sessions import start_session
    token = start_session(admin, 1)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
    for view in ("new", "mine", "waiting_for_us", "waiting_for_person", "overdue", "due_soon",
                 "paused", "all"):
        pages[f"inbox {view}"] = client.get(f"/admin/?view={view}")
    pages["inbox bad filters"] = client.get("/admin/?view=all&form=x&from=someday&status=nope")
    # Not the demo card holder's draft: staff never see drafts (it is "not found").
    for req in db.session.scalars(select(Request).where(Request.status != "draft")
                                  .order_by(Request.id)):
        pages[f"request {req.status} {req.id}"] = client.get(
            f"/admin/requests/{req.id}?letter_template=supplement")
        if req.status == "in_progress":
            pages["refused action"] = client.post(f"/admin/requests/{req.id}/deadline", data={
                "deadline-version": req.lock_version, "deadline-day": "someday"})
            pages["conflict"] = client.post(f"/admin/requests/{req.id}/pause", data={
                "pause-version": req.lock_version + 7, "pause-reason": "inspection"})
    received = db.session.scalar(select(Request).where(Request.status == "received")
                                 .order_by(Request.id))
    registered = client.post(f"/admin/requests/{received.id}/register",
                             data={"register-version": received.lock_version})
    assert registered.status_code == 302, "the demo request could not be registered"
    pages["request with notifications"] = client.get(f"/admin/requests/{received.id}")
    pages["dead letters"] = client.get("/admin/notifications/dead")
    pages["who was notified"] = client.get("/admin/notifications/report")
    pages["notification settings"] = client.get("/admin/notifications/settings")
    pages["sms wording"] = client.get(f"/admin/notifications/settings/registered/sms/{language}")
    pages["email wording"] = client.get(
        f"/admin/notifications/settings/result_ready.post/email/{language}")
    pages["refused wording"] = client.post(
        f"/admin/notifications/settings/registered/sms/{language}", data={"body": "{nope}"})
    pages["letter templates"] = client.get("/admin/letter-templates")
    pages["letter template"] = client.get(f"/admin/letter-templates/refusal/{language}")
    pages["refused letter template"] = client.post(
        f"/admin/letter-templates/refusal/{language}", data={"title": "{nope}", "body": "{"})
    pages.update(account_admin_pages(client))
    pages.update(integration_pages(client, admin))
    pages["administration"] = client.get("/admin/administration")
    area_expected = {}
    for area in ADMIN_AREAS:
        for name, (response, status) in area(client, admin).items():
            pages[name], area_expected[name] = response, status
    pages.update(staff_notice_pages(client, admin, received))
    pages["not found"] = client.get("/admin/requests/999999")
    pages["desk"] = client.get("/admin/requests/new")
    # Unpublished forms (a new one of the form builder's) are not offered at the desk: 404.
    for slug in db.session.scalars(select(Form.slug).where(Form.is_published.is_(True))):
        pages[f"desk {slug}"] = client.get(f"/admin/requests/new?form={slug}&channel=post")
    pages["desk errors"] = client.post("/admin/requests/new?form=complaint",
                                       data={"desk-language": language})
    sent = client.post("/admin/requests/new?form=complaint", data={
        "desk-language": language, "topic": "delay", "email": "hoa@example.org",
        "message": "Đường trước nhà bị ngập sau mưa."})
    assert sent.status_code == 302, "the desk entry was not sent"
    pages["desk receipt"] = client.get(sent.location)
    expected = {"login failed": 422, "inbox bad filters": 200, "refused action": 422,
                "refused wording": 422, "refused letter template": 422,
                "detail change refused": 422, "system refused": 422,
                "webhook refused": 422, "form approval refused": 422,
                "conflict": 409, "not found": 404, "desk errors": 422,
                "my notices refused": 422} | area_expected
    assert {name: response.status_code for name, response in pages.items()} == {
        name: expected.get(name, 200) for name in pages}
    return {name: response.get_data(as_text=True) for name, response in pages.items()}


def staff_notice_pages(client, staff, request) -> dict:
    """{page name: response} for a staff member's own pages, with one notice of every kind."""
    from widget.models import StaffNoticeKind
    from widget.notify.staff_notices import tell

    for kind in StaffNoticeKind:
        tell(staff, kind.value, request, None, {"window": "3h"})
    tell(staff, "new_in_unit", request, None, {"from_unit_id": request.unit_id, "reason": "Nhầm đơn vị"})
    from widget.extensions import db
    db.session.commit()
    return {"for me": client.get("/admin/for-me"),
            "for me unread": client.get("/admin/for-me?show=unread"),
            "my notices": client.get("/admin/me/notices"),
            "my notices refused": client.post("/admin/me/notices", data={"on": "nope:email"})}


def account_admin_pages(client) -> dict:
    """{page name: response} for the administrators' account pages, with two changes of
    registered details waiting for the demo card holder (one of them a date that is no date)."""
    from sqlalchemy import select

    from widget.demo import DEMO_AGENT, DEMO_CITIZEN
    from widget.extensions import db
    from widget.models import Account
    from widget.services.cabinet import ask_detail_change

    citizen, agent = (db.session.scalar(select(Account).where(Account.email == spec["email"]))
                      for spec in (DEMO_CITIZEN, DEMO_AGENT))
    ask_detail_change(citizen, "name", "Lê Thị Lan Anh", "Đổi tên sau khi kết hôn.")
    no_date = ask_detail_change(citizen, "birth_date", "31/02/1990", "")
    return {
        "accounts": client.get("/admin/accounts"),
        "accounts search": client.get("/admin/accounts?q=lê"),
        "account": client.get(f"/admin/accounts/{citizen.id}"),
        "agent account": client.get(f"/admin/accounts/{agent.id}"),
        "detail changes": client.get("/admin/accounts/changes"),
        "detail change refused": client.post(f"/admin/accounts/changes/{no_date.id}",
                                             data={"decision": "approve"}),
    }


def integration_pages(client, admin) -> dict:
    """{page name: response} for the administrators' integration pages: two connected systems
    (one revoked), a new one with its key and signing secret shown once, and two forms waiting
    for approval, one of them a new version of the demo's complaint form."""
    from sqlalchemy import select

    from widget.extensions import db
    from widget.models import Form
    from widget.services.api_clients import create_api_client, revoke_api_client
    from widget.services.form_proposals import propose_form

    def texts(en, vi, fa, ru):
        return {"en": en, "vi": vi, "fa": fa, "ru": ru}

    unit = admin.organization.units[0]
    documents = create_api_client(admin, "Hệ thống văn bản", [unit.id], "https://docs.example/in",
                                  ["received", "closed", "citizen_message"])[0]
    revoke_api_client(admin, create_api_client(admin, "CRM", [])[0].id)
    complaint = db.session.scalar(select(Form).where(Form.slug == "complaint"))
    fields = [{"key": field.key, "type": field.type, "required": field.required,
               "labels": field.labels, "choices": field.choices}
              for field in complaint.current_version.fields if field.key != "call_back"]
    fields[1]["required"] = False                      # "message" becomes optional
    fields[2]["type"] = "long_text"                    # "name" takes a longer text
    fields[0]["labels"] = texts("Subject", "Chủ đề", "عنوان", "Предмет")
    fields.append({"key": "address", "type": "text", "required": True,
                   "labels": texts("Address", "Địa chỉ", "نشانی", "Адрес")})
    propose_form(documents, {"slug": "complaint", "processing_days": 15,
                             "titles": complaint.titles, "fields": fields})
    water = propose_form(documents, {
        "slug": "water-connection", "processing_days": 7,
        "titles": texts("Water connection", "Đấu nối cấp nước", "انشعاب آب",
                        "Подключение к водопроводу"),
        "fields": [{"key": "address", "type": "text", "required": True,
                    "labels": texts("Address", "Địa chỉ", "نشانی", "Адрес")},
                   {"key": "meter", "type": "number",
                    "labels": texts("Meter number", "Số đồng hồ", "شماره کنتور",
                                    "Номер счётчика")}]})
    return {
        "integrations": client.get("/admin/integrations"),
        "system connected": client.post("/admin/integrations", data={
            "name": "Một cửa", "units": [str(unit.id)], "webhook_url": "https://crm.example/in",
            "events": ["received", "refused"]}),
        "system refused": client.post("/admin/integrations", data={"name": ""}),
        "webhook refused": client.post(f"/admin/integrations/{documents.id}/webhook",
                                       data={"webhook_url": "ftp://docs.example/in"}),
        "signing secret": client.post(f"/admin/integrations/{documents.id}/secret"),
        "form approvals": client.get("/admin/forms/proposals"),
        "form approval refused": client.post(f"/admin/forms/proposals/{water.id}",
                                             data={"decision": "reject", "reason": ""}),
    }


# The administration areas' pages: {page name: (response, the status it must have)}. Each area
# fills its own function; back_office_pages checks the statuses and feeds the HTML to the checks.
def organisation_pages(client, admin) -> dict:
    """Organisation settings, units, staff users and the audit log: each page, a refusal on
    each form, a temporary password shown once, and the log filtered."""
    unit = sorted(admin.organization.units, key=lambda u: u.code)[0]
    operator = next(iter(_demo_operators(admin)))
    names = {"name-en": "Archive", "name-vi": "Lưu trữ", "name-fa": "بایگانی", "name-ru": "Архив"}
    return {
        "organisation": (client.get("/admin/organisation"), 200),
        "organisation refused": (client.post("/admin/organisation", data={
            "name-en": "", "country": "XX", "timezone": "Mars/Base", "day_start": "18:00",
            "day_end": "08:00", "closed_days": "someday", "sms_max_segments": "40",
            "theme_color": "blue"}), 422),
        "units": (client.get("/admin/organisation/units"), 200),
        "unit refused": (client.post("/admin/organisation/units", data={
            "code": unit.code, "kind": "department"} | names), 422),
        "unit": (client.get(f"/admin/organisation/units/{unit.id}"), 200),
        "unit close refused": (client.post(f"/admin/organisation/units/{unit.id}/active",
                                           data={"active": "0"}), 422),
        "staff": (client.get("/admin/staff"), 200),
        "staff added": (client.post("/admin/staff", data={
            "name": "Vũ Thị Hoa", "email": "hoa@demo.frontdesk", "role": "operator",
            "units": [str(unit.id)]}), 200),
        "staff refused": (client.post("/admin/staff", data={
            "name": "", "email": "nobody", "role": "operator"}), 422),
        "staff member": (client.get(f"/admin/staff/{operator.id}"), 200),
        "staff password": (client.post(f"/admin/staff/{operator.id}/password"), 200),
        "staff self refused": (client.post(f"/admin/staff/{admin.id}/active",
                                           data={"active": "0"}), 422),
        "audit": (client.get("/admin/audit"), 200),
        "audit filtered": (client.get("/admin/audit?action=staff_created&from=2000-01-01"
                                      "&to=someday"), 200),
    }


def _demo_operators(admin):
    from sqlalchemy import select

    from widget.extensions import db
    from widget.models import StaffUser

    return db.session.scalars(select(StaffUser).where(
        StaffUser.organization_id == admin.organization_id, StaffUser.role == "operator",
        StaffUser.is_system.is_(False)).order_by(StaffUser.id))


def builder_pages(client, admin) -> dict:
    """The form list, the form builder with a draft version, the preview in every language, a
    new form, and refused changes."""
    from sqlalchemy import select

    from widget.extensions import db
    from widget.models import Form

    permit = db.session.scalar(select(Form).where(Form.slug == "construction-permit"))
    base = f"/admin/forms/{permit.id}"
    pages = {"forms": (client.get("/admin/forms"), 200),
             "form builder published": (client.get(base), 200)}
    client.post(f"{base}/settings", data={
        "title_en": permit.titles["en"], "title_vi": permit.titles.get("vi", ""),
        "processing_days": str(permit.processing_days), "unit_id": str(permit.unit_id),
        "fee": "150000", "handovers": ["desk", "post", "online"], "is_published": "1"})
    client.post(f"{base}/fields", data={
        "key": "storeys", "type": "choice", "label_en": "Storeys", "label_vi": "Số tầng",
        "label_fa": "طبقات", "label_ru": "Этажи", "choices": "1 | One | Một | یک | Один\n"
                                                        "2 | Two | Hai | دو | Два"})
    pages["form builder draft"] = (client.get(base), 200)
    for code in ("en", "vi", "fa", "ru"):
        pages[f"form preview draft {code}"] = (client.get(f"{base}/preview/draft/{code}"), 200)
    pages["form preview current"] = (client.get(f"{base}/preview/current/fa"), 200)
    pages["form field refused"] = (client.post(f"{base}/fields", data={
        "key": "Storeys!", "type": "choice", "choices": "x"}), 422)
    pages["form settings refused"] = (client.post(f"{base}/settings", data={
        "title_en": "Permit", "processing_days": "0"}), 422)
    pages["form create refused"] = (client.post("/admin/forms", data={"slug": "No Slug"}), 422)
    # What an administrator types is data, not interface: a Vietnamese title, as the demo's.
    created = client.post("/admin/forms", data={"slug": "cap-nuoc", "title_vi": "Cấp nước"})
    pages["new form"] = (client.get(created.location), 200)
    pages["form publish refused"] = (client.post(f"{created.location}/publish"), 422)
    return pages


def site_pages(client, admin) -> dict:
    """Embedding sites with their snippet, and form groups."""
    from sqlalchemy import select

    from widget.extensions import db
    from widget.models import Form, Site

    registered = client.post("/admin/sites", data={
        "name": "Cổng thông tin phường", "origins": "https://phuong.example\nhttp://localhost:8000",
        "default_language": "vi", "theme": ""})
    assert registered.status_code == 302, "the site was not registered"
    site = db.session.scalar(select(Site).where(Site.name == "Cổng thông tin phường"))
    complaint = db.session.scalar(select(Form.id).where(Form.slug == "complaint"))
    chosen = client.post(f"/admin/sites/{site.id}/forms",
                         data={"shows": "chosen", "forms": [str(complaint)]})
    assert chosen.status_code == 302, "the site's forms were not saved"
    group = db.session.scalar(
        select(Form.group_id).where(Form.slug == "complaint"))
    return {
        "sites": (client.get("/admin/sites"), 200),
        "site": (client.get(f"/admin/sites/{site.id}"), 200),
        "site refused": (client.post("/admin/sites", data={
            "name": "Trang", "origins": "ftp://phuong.example", "default_language": "vi"}), 422),
        "site forms refused": (client.post(f"/admin/sites/{site.id}/forms",
                                           data={"shows": "chosen"}), 422),
        "form groups": (client.get("/admin/form-groups"), 200),
        "form group refused": (client.post("/admin/form-groups", data={}), 422),
        "form group rename refused": (client.post(f"/admin/form-groups/{group}", data={}), 422),
    }


def branding_pages(client, admin) -> dict:
    """Themes with the live preview, and help pages."""
    from sqlalchemy import select

    from widget.extensions import db
    from widget.models import Form
    from widget.services.help_pages import HelpPageInput, save_help_page
    from widget.services.themes import ThemeInput, make_default, save_theme

    site = admin.organization.sites[0]
    # A 120 x 40 PNG's header: logos get the pixel check, so it declares its size.
    logo = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (120).to_bytes(4, "big")
            + (40).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00" + b"\x00" * 40)
    theme = save_theme(admin, None, ThemeInput(
        name="Cổng dịch vụ công", skin="soft", logo=logo,
        colors={"primary": "#7a1f1f", "background": "#fffdf8", "text": "#222222",
                "accent": "#f3ece0"},
        header_html={"en": "<p>Public services of <b>the city</b></p>",
                     "vi": "<p>Dịch vụ công của <b>thành phố</b></p>",
                     "fa": "<p>خدمات عمومی <b>شهر</b></p>",
                     "ru": "<p>Городские <b>услуги</b></p>"},
        custom_css="h1 { letter-spacing: .02em }")).theme
    save_theme(admin, None, ThemeInput(name="Tương phản thấp", skin="compact",
                                       colors={"text": "#999999"}))
    make_default(admin, theme.id)
    form = db.session.scalars(select(Form).where(Form.organization_id == admin.organization_id)
                              .order_by(Form.id)).first()
    texts = {"en": "What to bring", "vi": "Cần mang theo gì", "fa": "چه همراه داشته باشید",
             "ru": "Что взять с собой"}
    page = save_help_page(admin, None, HelpPageInput(
        titles=texts, bodies={lang: f"<p>{text}: <b>ID</b></p>" for lang, text in texts.items()},
        form_id=form.id, is_published=True))
    save_help_page(admin, None, HelpPageInput(titles={
        "en": "Opening hours", "vi": "Giờ làm việc", "fa": "ساعت کاری", "ru": "Часы работы"}))
    language = client.environ_base.get("HTTP_ACCEPT_LANGUAGE", "en")
    return {
        "themes": (client.get("/admin/themes"), 200),
        "new theme": (client.get("/admin/themes/new"), 200),
        "theme": (client.get(f"/admin/themes/{theme.id}?site={site.id}&lang={language}"), 200),
        "theme refused": (client.post(f"/admin/themes/{theme.id}", data={
            "name": "Cổng", "skin": "soft", "color-primary": "red"}), 422),
        "theme preview": (client.get(
            f"/admin/themes/{theme.id}/preview/{site.id}/{language}"), 200),
        "help pages": (client.get("/admin/help"), 200),
        "new help page": (client.get("/admin/help/new"), 200),
        "help page": (client.get(f"/admin/help/{page.id}"), 200),
        "help page refused": (client.post("/admin/help", data={"title-en": " "}), 422),
    }


def access_pages(client, admin) -> dict:
    """Per-form access, account groups, upload limits."""
    from sqlalchemy import select

    from widget.demo import DEMO_AGENT, DEMO_CITIZEN
    from widget.extensions import db
    from widget.models import Account, Form
    from widget.services.account_groups import add_members, create_group

    complaint = db.session.scalar(select(Form).where(Form.slug == "complaint"))
    people = [db.session.scalar(select(Account).where(Account.email == spec["email"]))
              for spec in (DEMO_CITIZEN, DEMO_AGENT)]
    group = create_group(admin, "Tổ thu gom phường 1")
    add_members(admin, group.id, [people[1].id])
    form_page = f"/admin/forms/{complaint.id}/access"
    return {
        "access and uploads": (client.get("/admin/access"), 200),
        "form access": (client.get(form_page, query_string={"q": "lê"}), 200),
        "form access refused": (client.post(form_page, data={"access": "named"}), 422),
        "form uploads refused": (client.post(f"/admin/forms/{complaint.id}/uploads", data={
            "max_file_mb": "999", "types": ["pdf", "exe"]}), 422),
        "account groups": (client.get("/admin/account-groups"), 200),
        "account group refused": (client.post("/admin/account-groups", data={"name": ""}), 422),
        "account group": (client.get(f"/admin/account-groups/{group.id}",
                                     query_string={"q": "lê"}), 200),
        "account group rename refused": (client.post(
            f"/admin/account-groups/{group.id}/name", data={"name": " "}), 422),
        "upload limits": (client.get("/admin/uploads"), 200),
        "upload limits refused": (client.post("/admin/uploads", data={
            "max_file_mb": "0", "types": []}), 422),
    }


def report_pages(client, admin) -> dict:
    """The dashboard and the export page."""
    return {
        "dashboard": (client.get("/admin/dashboard"), 200),
        "dashboard 7 days": (client.get("/admin/dashboard?days=7"), 200),
        "dashboard 90 days": (client.get("/admin/dashboard?days=90"), 200),
        "dashboard bad period": (client.get("/admin/dashboard?days=12"), 200),
        "export": (client.get("/admin/export?view=overdue"), 200),
        "export refused": (client.post("/admin/export", data={
            "format": "csv", "form": "x", "unit": "y", "from": "someday", "status": "nope"}), 422),
    }


ADMIN_AREAS = (organisation_pages, builder_pages, site_pages, branding_pages, access_pages,
               report_pages)
