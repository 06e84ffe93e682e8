"""Every kind of widget page, rendered through the test client, for checks that span them all."""
from __future__ import annotations

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
    pages.update(account_pages(client, language))
    return pages


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
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
    for view in ("new", "mine", "overdue", "due_soon", "paused", "all"):
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
    pages["notification settings"] = client.get("/admin/notifications/settings")
    pages["sms wording"] = client.get(f"/admin/notifications/settings/registered/sms/{language}")
    pages["email wording"] = client.get(
        f"/admin/notifications/settings/result_ready.post/email/{language}")
    pages["refused wording"] = client.post(
        f"/admin/notifications/settings/registered/sms/{language}", data={"body": "{nope}"})
    pages.update(account_admin_pages(client))
    pages.update(integration_pages(client, admin))
    pages["administration"] = client.get("/admin/administration")
    area_expected = {}
    for area in ADMIN_AREAS:
        for name, (response, status) in area(client, admin).items():
            pages[name], area_expected[name] = response, status
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
                "refused wording": 422, "detail change refused": 422, "system refused": 422,
                "webhook refused": 422, "form approval refused": 422,
                "conflict": 409, "not found": 404, "desk errors": 422} | area_expected
    assert {name: response.status_code for name, response in pages.items()} == {
        name: expected.get(name, 200) for name in pages}
    return {name: response.get_data(as_text=True) for name, response in pages.items()}


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
    """Organisation settings, units, staff users and the audit log."""
    return {}


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
    created = client.post("/admin/forms", data={"slug": "water", "title_en": "Water"})
    pages["new form"] = (client.get(created.location), 200)
    pages["form publish refused"] = (client.post(f"{created.location}/publish"), 422)
    return pages


def site_pages(client, admin) -> dict:
    """Embedding sites with their snippet, and form groups."""
    return {}


def branding_pages(client, admin) -> dict:
    """Themes with the live preview, and help pages."""
    return {}


def access_pages(client, admin) -> dict:
    """Per-form access, account groups, upload limits."""
    return {}


def report_pages(client, admin) -> dict:
    """The dashboard and the export page."""
    return {}


ADMIN_AREAS = (organisation_pages, builder_pages, site_pages, branding_pages, access_pages,
               report_pages)
