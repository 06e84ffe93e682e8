"""Demo data for `make run`: a one-stop centre with two units, two form groups and four forms
that cover every field type, and a site that lets the demo host page embed the widget."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from widget import codes
from widget.extensions import db
from widget.models import (Account, ApiClient, Event, Field, Form, FormGroup, FormVersion, Letter,
                           Message, Organization, Request, Role, Site, StaffNotice,
                           StaffNoticeKind, StaffUser, Unit)
from widget.models._types import utcnow
from widget.notify.inbox import to_inbox
from widget.passwords import hash_password
from widget.services.letter_documents import attach_document
from widget.services.workflow import next_journal_number
from widget.uploads import configured_store
from widget.workdays import WorkCalendar

DEMO_SITE_KEY = "demo"
DEMO_PASSWORD = "frontdesk-demo"
# (e-mail, name, role, unit code or None for every unit)
DEMO_STAFF = [
    ("admin@demo.frontdesk", "Phạm Minh Quân", Role.ADMIN, None),
    ("head.xd@demo.frontdesk", "Lê Thu Hà", Role.UNIT_HEAD, "XD"),
    ("op.xd@demo.frontdesk", "Nguyễn Văn Nam", Role.OPERATOR, "XD"),
    ("head.ht@demo.frontdesk", "Trần Thị Mai", Role.UNIT_HEAD, "HT"),
    ("op.ht@demo.frontdesk", "Đỗ Quốc Bảo", Role.OPERATOR, "HT"),
]


def _t(en, vi, fa, ru):
    return {"en": en, "vi": vi, "fa": fa, "ru": ru}


def _choice(value, en, vi, fa, ru):
    return {"value": value, "labels": _t(en, vi, fa, ru)}


FORMS = [
    {
        "slug": "birth-registration", "group": 0, "unit": 1, "days": 3,
        "titles": _t("Birth registration", "Đăng ký khai sinh", "ثبت ولادت", "Регистрация рождения"),
        "descriptions": _t("<p>Register a child's birth. Attach the birth certificate from the hospital.</p>",
                           "<p>Đăng ký khai sinh cho trẻ. Đính kèm giấy chứng sinh của bệnh viện.</p>",
                           "<p>ثبت تولد فرزند. گواهی ولادت بیمارستان را پیوست کنید.</p>",
                           "<p>Регистрация рождения ребёнка. Приложите медицинское свидетельство о рождении.</p>"),
        "fields": [
            dict(key="child_name", type="text", required=True, max_length=120,
                 labels=_t("Child's full name", "Họ và tên của trẻ", "نام و نام خانوادگی کودک", "ФИО ребёнка")),
            dict(key="birth_date", type="date", required=True,
                 labels=_t("Date of birth", "Ngày sinh", "تاریخ تولد", "Дата рождения")),
            dict(key="sex", type="choice", required=True,
                 labels=_t("Sex", "Giới tính", "جنسیت", "Пол"),
                 choices=[_choice("f", "Female", "Nữ", "دختر", "Женский"),
                          _choice("m", "Male", "Nam", "پسر", "Мужской")]),
            dict(key="parent_name", type="text", required=True, max_length=120, prefill="name",
                 labels=_t("Your full name", "Họ và tên người khai", "نام و نام خانوادگی شما", "Ваши ФИО")),
            dict(key="phone", type="phone", required=True, prefill="phone",
                 labels=_t("Mobile phone", "Số điện thoại di động", "تلفن همراه", "Мобильный телефон"),
                 helps=_t("We send updates by SMS.", "Chúng tôi gửi thông báo qua SMS.",
                          "اطلاع‌رسانی با پیامک انجام می‌شود.", "Мы сообщаем о ходе дела по SMS.")),
            dict(key="email", type="email", prefill="email",
                 labels=_t("E-mail", "Thư điện tử", "ایمیل", "Электронная почта")),
            dict(key="certificate", type="file", required=True,
                 labels=_t("Birth certificate", "Giấy chứng sinh", "گواهی ولادت", "Свидетельство о рождении")),
        ],
    },
    {
        "slug": "construction-permit", "group": 0, "unit": 0, "days": 15,
        "titles": _t("Construction permit", "Cấp giấy phép xây dựng", "پروانه ساختمان", "Разрешение на строительство"),
        "descriptions": {},
        "fields": [
            dict(key="applicant", type="text", required=True, max_length=120, prefill="name",
                 labels=_t("Applicant", "Người đề nghị", "متقاضی", "Заявитель")),
            dict(key="address", type="text", required=True, max_length=200, prefill="address",
                 labels=_t("Address of the plot", "Địa chỉ thửa đất", "نشانی زمین", "Адрес участка")),
            dict(key="floor_area", type="number", required=True, min_value=1, max_value=100000,
                 labels=_t("Floor area (m²)", "Diện tích sàn (m²)", "زیربنا (متر مربع)", "Площадь (м²)")),
            dict(key="description", type="long_text", max_length=3000,
                 labels=_t("Description of the works", "Mô tả công trình", "شرح کار", "Описание работ")),
            dict(key="documents", type="multi_choice",
                 labels=_t("Documents you have", "Giấy tờ đã có", "مدارک موجود", "Имеющиеся документы"),
                 choices=[_choice("land", "Land use certificate", "Giấy chứng nhận quyền sử dụng đất", "سند زمین", "Документ на землю"),
                          _choice("drawings", "Drawings", "Bản vẽ thiết kế", "نقشه‌ها", "Чертежи"),
                          _choice("survey", "Survey report", "Báo cáo khảo sát", "گزارش نقشه‌برداری", "Отчёт об изысканиях")]),
            dict(key="drawings", type="file",
                 labels=_t("Drawings", "Bản vẽ", "نقشه‌ها", "Чертежи")),
            dict(key="phone", type="phone", required=True, prefill="phone",
                 labels=_t("Mobile phone", "Số điện thoại di động", "تلفن همراه", "Мобильный телефон")),
            dict(key="confirm", type="checkbox", required=True,
                 labels=_t("I confirm the information is true", "Tôi cam đoan thông tin là đúng sự thật",
                           "درستی اطلاعات را تأیید می‌کنم", "Подтверждаю достоверность сведений")),
        ],
    },
    {
        "slug": "complaint", "group": 1, "unit": 0, "days": 10,
        "titles": _t("Complaint or feedback", "Phản ánh, kiến nghị", "شکایت یا پیشنهاد", "Жалоба или предложение"),
        "descriptions": {},
        "fields": [
            dict(key="topic", type="choice", required=True,
                 labels=_t("Topic", "Lĩnh vực", "موضوع", "Тема"),
                 choices=[_choice("service", "Service quality", "Chất lượng phục vụ", "کیفیت خدمات", "Качество обслуживания"),
                          _choice("delay", "Delay", "Chậm trễ", "تأخیر", "Задержка"),
                          _choice("other", "Other", "Khác", "سایر", "Другое")]),
            dict(key="message", type="long_text", required=True, min_length=10, max_length=5000,
                 labels=_t("Your message", "Nội dung", "متن پیام", "Текст обращения")),
            dict(key="name", type="text", max_length=120, prefill="name",
                 labels=_t("Your name", "Họ và tên", "نام شما", "Ваше имя")),
            dict(key="email", type="email", required=True, prefill="email",
                 labels=_t("E-mail", "Thư điện tử", "ایمیل", "Электронная почта")),
            dict(key="call_back", type="checkbox",
                 labels=_t("Please call me back", "Vui lòng gọi lại cho tôi", "لطفاً با من تماس بگیرید", "Прошу перезвонить")),
            dict(key="phone", type="phone", prefill="phone",
                 labels=_t("Phone", "Số điện thoại", "تلفن", "Телефон")),
        ],
    },
    {
        "slug": "insurance-card", "group": 0, "unit": 1, "days": 5,
        # Seed 001: the card holder is reminded a month before the card expires.
        "reminder": ("expiry", 30),
        "titles": _t("Health insurance card renewal", "Gia hạn thẻ bảo hiểm y tế", "تمدید کارت بیمه درمانی", "Продление полиса медицинского страхования"),
        "descriptions": {},
        "fields": [
            dict(key="card_number", type="text", required=True, min_length=10, max_length=15,
                 labels=_t("Card number", "Mã số thẻ", "شماره کارت", "Номер полиса")),
            dict(key="holder", type="text", required=True, max_length=120, prefill="name",
                 labels=_t("Card holder", "Họ tên chủ thẻ", "نام دارنده کارت", "Владелец полиса")),
            dict(key="expiry", type="date", required=True,
                 labels=_t("Expiry date", "Ngày hết hạn", "تاریخ انقضا", "Дата окончания")),
            dict(key="household_size", type="number", min_value=1, max_value=30,
                 labels=_t("People in the household", "Số người trong hộ", "تعداد اعضای خانوار", "Число членов семьи")),
            dict(key="phone", type="phone", required=True, prefill="phone",
                 labels=_t("Mobile phone", "Số điện thoại di động", "تلفن همراه", "Мобильный телефон")),
        ],
    },
]


def load_demo_data(host_origin: str = "http://localhost:8000") -> bool:
    """Create the demo organisation unless it exists; return whether anything was created."""
    if db.session.scalar(select(Organization).where(Organization.slug == "demo")):
        return False
    organization = Organization(
        slug="demo", country="VN", timezone="Asia/Ho_Chi_Minh",
        names=_t("Provincial Public Service Centre", "Trung tâm Phục vụ hành chính công tỉnh",
                 "مرکز خدمات عمومی استان", "Центр государственных услуг области"))
    units = [
        Unit(code="XD", names=_t("Construction and land", "Xây dựng và đất đai", "ساختمان و زمین", "Строительство и земля")),
        Unit(code="HT", names=_t("Civil status", "Hộ tịch", "ثبت احوال", "Гражданское состояние")),
    ]
    organization.units.extend(units)
    organization.sites.append(Site(key=DEMO_SITE_KEY, name="Demo host page",
                                   allowed_origins=[host_origin], default_language="vi"))
    db.session.add(organization)
    db.session.flush()
    groups = [
        FormGroup(organization_id=organization.id, position=0,
                  titles=_t("Applications", "Thủ tục hành chính", "درخواست‌ها", "Заявления")),
        FormGroup(organization_id=organization.id, position=1,
                  titles=_t("Complaints and feedback", "Phản ánh, kiến nghị", "شکایات و پیشنهادها",
                            "Жалобы и предложения")),
    ]
    db.session.add_all(groups)
    for position, spec in enumerate(FORMS):
        form = Form(organization_id=organization.id, group=groups[spec["group"]],
                    unit_id=units[spec["unit"]].id, slug=spec["slug"], position=position,
                    titles=spec["titles"], descriptions=spec["descriptions"],
                    processing_days=spec["days"], is_published=True)
        form.reminder_field, form.reminder_days = spec.get("reminder", (None, None))
        version = FormVersion(number=1, fields=[
            Field(position=index, **field_spec) for index, field_spec in enumerate(spec["fields"])])
        form.versions.append(version)
        db.session.add(form)
    db.session.flush()
    staff = _demo_staff(organization, units)
    people = _demo_accounts(organization)
    _demo_integration(organization)
    _demo_requests(organization, organization.sites[0], staff, people)
    db.session.flush()
    _demo_cabinet(organization, organization.sites[0], people["citizen"])
    db.session.commit()
    return True


def _demo_staff(organization: Organization, units: list[Unit]) -> dict[str, StaffUser]:
    password_hash = hash_password(DEMO_PASSWORD)
    people = {}
    for email, name, role, unit_code in DEMO_STAFF:
        person = StaffUser(organization_id=organization.id, email=email, name=name, role=role.value,
                           password_hash=password_hash, language="vi",
                           units=[u for u in units if unit_code in (None, u.code)])
        db.session.add(person)
        people[email.split("@")[0]] = person
    db.session.flush()
    return people


# (form slug, status, days since sending, executor key, extra): a living back office.
DEMO_REQUESTS = [
    ("complaint", "received", 0, None, {}),
    ("birth-registration", "received", 1, None, {}),
    ("construction-permit", "registered", 2, None, {}),
    ("construction-permit", "in_progress", 6, "op.xd", {}),
    ("construction-permit", "in_progress", 30, "op.xd", {"overdue": True}),
    ("construction-permit", "paused", 8, "op.xd", {"pause": "supplement"}),
    ("insurance-card", "in_progress", 3, "op.ht", {"message": True, "owner": "citizen"}),
    ("insurance-card", "result_ready", 4, "op.ht", {"handover": "online", "letter": True,
                                                     "owner": "citizen"}),
    ("birth-registration", "result_ready", 5, "op.ht", {"handover": "desk", "owner": "agent"}),
    ("complaint", "refused", 9, "op.xd", {"refusal": "Vấn đề này thuộc thẩm quyền của UBND phường."}),
    ("birth-registration", "closed", 20, "op.ht", {"handover": "post"}),
    ("complaint", "in_progress", 1, "head.xd", {}),
]
DEMO_LETTER = ("Trả lời hồ sơ gia hạn thẻ bảo hiểm y tế",
               "Kính gửi bà Lê Thị Lan,\n\nThẻ bảo hiểm y tế của bà đã được gia hạn đến ngày "
               "31/12/2027. Bà có thể sử dụng thẻ cũ cho đến khi nhận thẻ mới.\n\nTrân trọng,\n"
               "Bộ phận Hộ tịch")
DEMO_ANSWERS = {
    "complaint": {"topic": "delay", "message": "Hồ sơ của tôi nộp từ tháng trước vẫn chưa có kết quả.",
                  "name": "Hoàng Văn Long", "email": "long@example.com", "call_back": False,
                  "phone": ""},
    "birth-registration": {"child_name": "Nguyễn Minh An", "birth_date": "2026-10-02", "sex": "f",
                           "parent_name": "Nguyễn Thị Hoa", "phone": "+84912345678",
                           "email": "hoa@example.com"},
    "construction-permit": {"applicant": "Trần Văn Hùng", "address": "12 Lê Lợi, Huế",
                            "floor_area": "240", "description": "Nhà ở riêng lẻ hai tầng.",
                            "documents": ["land", "drawings"], "phone": "+84987654321",
                            "confirm": True},
    "insurance-card": {"card_number": "GD4797923456789", "holder": "Lê Thị Lan",
                       "expiry": "2026-12-31", "household_size": "4", "phone": "+84903123456"},
}


# People with an account in the widget (password DEMO_PASSWORD): a card holder whose cabinet has
# requests, a draft and unread notices, and a collection agent who sends forms for others.
DEMO_CITIZEN = {"name": "Lê Thị Lan", "email": "lan@example.com", "phone": "+84903123456",
                "address": "25 Trần Hưng Đạo, Huế"}
DEMO_AGENT = {"name": "Bưu điện xã Phú Mậu", "email": "agent@demo.frontdesk",
              "phone": "+84911000111", "is_agent": True}
# Notices already in the card holder's box: (form slug, status, notice key, read)
DEMO_INBOX = [
    ("insurance-card", "result_ready", "received.web", True),
    ("insurance-card", "result_ready", "registered", True),
    ("insurance-card", "in_progress", "staff_message", False),
    ("insurance-card", "result_ready", "letter_issued", False),  # titled DEMO_LETTER
    ("insurance-card", "result_ready", "result_ready.online", False),
]


# A connected system for trying the REST API with curl (a demo key is public by definition).
DEMO_API_KEY = "fd_demo00000000_frontdesk-demo-key"


def _demo_integration(organization: Organization) -> None:
    identity = StaffUser(organization_id=organization.id, is_system=True, name="Demo CRM",
                         email="system-demo@api.invalid", role=Role.ADMIN.value,
                         password_hash=hash_password(DEMO_API_KEY + "-no-sign-in"))
    db.session.add(ApiClient(organization_id=organization.id, name="Demo CRM",
                             key_prefix=DEMO_API_KEY.split("_")[1],
                             key_hash=hashlib.sha256(DEMO_API_KEY.encode()).hexdigest(),
                             staff_user=identity))


def _demo_accounts(organization: Organization) -> dict[str, Account]:
    now = utcnow()
    password_hash = hash_password(DEMO_PASSWORD)
    people = {}
    for key, spec in (("citizen", DEMO_CITIZEN), ("agent", DEMO_AGENT)):
        people[key] = Account(organization_id=organization.id, password_hash=password_hash,
                              language="vi", email_verified_at=now, phone_verified_at=now, **spec)
        db.session.add(people[key])
    db.session.flush()
    return people


def _demo_cabinet(organization: Organization, site: Site, citizen: Account) -> None:
    """The card holder's draft and notices, so that a first look at the cabinet shows them."""
    complaint = db.session.scalar(select(Form).where(Form.organization_id == organization.id,
                                                     Form.slug == "complaint"))
    db.session.add(Request(organization_id=organization.id, site_id=site.id, account=citizen,
                           form_version_id=complaint.current_version.id, language="vi",
                           resume_code=codes.generate(),
                           answers={"topic": ["service"], "name": [citizen.name],
                                    "message": ["Thời gian chờ tại quầy quá lâu."]}))
    db.session.flush()
    mine = {request.status: request for request in db.session.scalars(
        select(Request).where(Request.account_id == citizen.id))}
    for _slug, status, key, read in DEMO_INBOX:
        item = to_inbox(mine[status], key, {"title": DEMO_LETTER[0]} if key == "letter_issued" else {})
        item.read_at = utcnow() if read else None


def _demo_requests(organization: Organization, site: Site, staff: dict[str, StaffUser],
                   people: dict[str, Account]) -> None:
    calendar = WorkCalendar.for_organization(organization)
    forms = {form.slug: form for form in db.session.scalars(
        select(Form).where(Form.organization_id == organization.id))}
    now = utcnow()
    letters: list[tuple[Request, Letter]] = []
    replies: list[tuple[Request, Event, StaffUser]] = []
    for slug, status, days_ago, executor_key, extra in DEMO_REQUESTS:
        form = forms[slug]
        sent = now - timedelta(days=days_ago, hours=2)
        request = Request(organization_id=organization.id, site_id=site.id, unit_id=form.unit_id,
                          form_version_id=form.current_version.id, status=status, language="vi",
                          code=codes.generate(), answers=DEMO_ANSWERS[slug], submitted_at=sent,
                          created_at=sent, due_at=calendar.due_at(sent, form.processing_days))
        request.events.append(Event(kind="received", created_at=sent, data={"channel": "web"}))
        if status != "received":
            unit = db.session.get(Unit, form.unit_id)
            request.journal_number = next_journal_number(unit, calendar.local_date(sent).year)
            request.registered_at = sent + timedelta(hours=1)
            request.events.append(Event(kind="registered", created_at=request.registered_at,
                                        actor=staff["admin"].name, staff_user_id=staff["admin"].id))
        if executor_key:
            request.executor_id = staff[executor_key].id
            request.events.append(Event(kind="assigned", created_at=sent + timedelta(hours=2),
                                        actor=staff["admin"].name, staff_user_id=staff["admin"].id))
        if extra.get("owner") == "citizen":
            request.account = people["citizen"]
        elif extra.get("owner") == "agent":
            request.agent = people["agent"]
        if extra.get("overdue"):
            request.due_at = now - timedelta(days=2)
        if extra.get("pause"):
            request.paused_at = now - timedelta(days=1)
            request.pause_reason = extra["pause"]
            request.events.append(Event(kind="paused", created_at=request.paused_at,
                                        data={"reason": extra["pause"]}, actor=staff[executor_key].name))
        if extra.get("handover"):
            request.handover = extra["handover"]
            request.events.append(Event(kind="result_ready", created_at=now - timedelta(hours=3),
                                        data={"handover": extra["handover"]}))
        if extra.get("letter"):
            letter = Letter(staff_user_id=staff[executor_key].id, title=DEMO_LETTER[0],
                            body=DEMO_LETTER[1], created_at=now - timedelta(hours=4))
            request.letters.append(letter)
            letters.append((request, letter))
            request.events.append(Event(kind="letter_issued", created_at=now - timedelta(hours=4),
                                        data={"title": DEMO_LETTER[0]}, actor=staff[executor_key].name))
        if extra.get("refusal"):
            request.refusal_reason = extra["refusal"]
            request.events.append(Event(kind="refused", created_at=now - timedelta(hours=5),
                                        note=extra["refusal"]))
        if status == "closed":
            request.closed_at = now - timedelta(days=1)
            request.events.append(Event(kind="closed", created_at=request.closed_at))
        if extra.get("message"):
            request.messages.append(Message(from_staff=True, staff_user_id=staff[executor_key].id,
                                            created_at=now - timedelta(hours=20),
                                            body="Xin bổ sung ảnh chụp thẻ cũ."))
            request.messages.append(Message(from_staff=False, created_at=now - timedelta(hours=4),
                                            body="Tôi đã gửi ảnh qua bưu điện."))
            request.events.append(Event(kind="staff_message", created_at=now - timedelta(hours=20)))
            replied = Event(kind="citizen_message", created_at=now - timedelta(hours=4))
            request.events.append(replied)
            replies.append((request, replied, staff[executor_key]))
        db.session.add(request)
    db.session.flush()  # the letters' documents are files of requests with ids
    # The seeded past tells staff nothing (staff_notices.HISTORY): the one unread notice a
    # working morning would hold, the person's reply, is written here, dated as its event.
    for request, replied, executor in replies:
        db.session.add(StaffNotice(staff_user_id=executor.id, request_id=request.id,
                                   event_id=replied.id, kind=StaffNoticeKind.REPLIED.value,
                                   data={"actor": ""}, created_at=replied.created_at))
    for request, letter in letters:
        attach_document(request, letter, letter.created_at, configured_store(), [])

