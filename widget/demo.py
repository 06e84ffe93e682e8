"""Demo data for `make run`: a one-stop centre with two units, two form groups and four forms
that cover every field type, and a site that lets the demo host page embed the widget."""
from __future__ import annotations

from sqlalchemy import select

from widget.extensions import db
from widget.models import Field, Form, FormGroup, FormVersion, Organization, Site, Unit

DEMO_SITE_KEY = "demo"


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
            dict(key="parent_name", type="text", required=True, max_length=120,
                 labels=_t("Your full name", "Họ và tên người khai", "نام و نام خانوادگی شما", "Ваши ФИО")),
            dict(key="phone", type="phone", required=True,
                 labels=_t("Mobile phone", "Số điện thoại di động", "تلفن همراه", "Мобильный телефон"),
                 helps=_t("We send updates by SMS.", "Chúng tôi gửi thông báo qua SMS.",
                          "اطلاع‌رسانی با پیامک انجام می‌شود.", "Мы сообщаем о ходе дела по SMS.")),
            dict(key="email", type="email",
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
            dict(key="applicant", type="text", required=True, max_length=120,
                 labels=_t("Applicant", "Người đề nghị", "متقاضی", "Заявитель")),
            dict(key="address", type="text", required=True, max_length=200,
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
            dict(key="phone", type="phone", required=True,
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
            dict(key="name", type="text", max_length=120,
                 labels=_t("Your name", "Họ và tên", "نام شما", "Ваше имя")),
            dict(key="email", type="email", required=True,
                 labels=_t("E-mail", "Thư điện tử", "ایمیل", "Электронная почта")),
            dict(key="call_back", type="checkbox",
                 labels=_t("Please call me back", "Vui lòng gọi lại cho tôi", "لطفاً با من تماس بگیرید", "Прошу перезвонить")),
            dict(key="phone", type="phone",
                 labels=_t("Phone", "Số điện thoại", "تلفن", "Телефон")),
        ],
    },
    {
        "slug": "insurance-card", "group": 0, "unit": 1, "days": 5,
        "titles": _t("Health insurance card renewal", "Gia hạn thẻ bảo hiểm y tế", "تمدید کارت بیمه درمانی", "Продление полиса медицинского страхования"),
        "descriptions": {},
        "fields": [
            dict(key="card_number", type="text", required=True, min_length=10, max_length=15,
                 labels=_t("Card number", "Mã số thẻ", "شماره کارت", "Номер полиса")),
            dict(key="holder", type="text", required=True, max_length=120,
                 labels=_t("Card holder", "Họ tên chủ thẻ", "نام دارنده کارت", "Владелец полиса")),
            dict(key="expiry", type="date", required=True,
                 labels=_t("Expiry date", "Ngày hết hạn", "تاریخ انقضا", "Дата окончания")),
            dict(key="household_size", type="number", min_value=1, max_value=30,
                 labels=_t("People in the household", "Số người trong hộ", "تعداد اعضای خانوار", "Число членов семьи")),
            dict(key="phone", type="phone", required=True,
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
        version = FormVersion(number=1, fields=[
            Field(position=index, **field_spec) for index, field_spec in enumerate(spec["fields"])])
        form.versions.append(version)
        db.session.add(form)
    db.session.commit()
    return True

