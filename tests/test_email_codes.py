"""A tracking code in an e-mail stays on one line and in reading order, in every language
(a Persian e-mail broke it at a dash and could reorder its groups), and still works when copied."""
import re

import pytest

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import form_token, settings_for
from tests.test_notify_worker import deliver_all
from widget import codes


@pytest.fixture
def app_settings(tmp_path, mail_server):
    return settings_for(tmp_path, MAIL_PORT=mail_server.port, MAIL_TIMEOUT=2.0)


@pytest.fixture
def org(create_site):
    return create_site().organization

DATA = st.text(alphabet=codes.ALPHABET, min_size=codes.DATA_LENGTH, max_size=codes.DATA_LENGTH)
AROUND = st.text(alphabet=st.sampled_from("کد پیگیری شما: Mã số Ваш код  .,\n"), max_size=40)


def _code(data: str) -> str:
    return data + codes.check_symbol(data)


@given(DATA, AROUND, AROUND)
def test_a_code_in_a_text_message_has_no_break_opportunity_and_still_parses(data, before, after):
    code = _code(data)
    text = codes.unbroken_in_text(f"{before} {codes.display(code)} {after}")
    kept, = re.findall("\u2066(.*?)\u2069", text)
    # every dash is followed by a word joiner: no line break inside the code (UAX #14)
    assert "-" in kept and all(kept[i + 1] == "\u2060" for i, char in enumerate(kept) if char == "-")
    assert codes.parse(kept) == code
    assert codes.parse("\u200f" + kept + "\u200e") == code  # with direction marks copied along


@given(DATA, AROUND, AROUND)
def test_a_code_in_an_html_message_is_one_left_to_right_unwrapped_span(data, before, after):
    code = _code(data)
    html = str(codes.unbroken_in_html(f"{before}<b> {codes.display(code)} {after}"))
    assert f'<span dir="ltr" style="white-space:nowrap">{codes.display(code)}</span>' in html
    assert "<b>" not in html  # the rest is escaped


def test_a_persian_receipt_e_mail_keeps_the_code_whole(app, db, client, org, create_form,
                                                     mail_server):
    form = create_form(org.sites[0], slug="contact", fields=[
        {"key": "name", "type": "text", "required": True},
        {"key": "email", "type": "email", "required": True}])
    page = client.get(f"/w/test/fa/f/{form.slug}").get_data(as_text=True)
    receipt = client.post(f"/w/test/fa/f/{form.slug}", data={
        "form_token": form_token(page), "name": "Sara", "email": "sara@example.org"})
    code = re.search(r'class="code tracking-code" dir="ltr">([0-9A-Z-]+)<',
                     receipt.get_data(as_text=True)).group(1)
    deliver_all(app)
    message, = mail_server.received
    html = message.get_body(("html",)).get_content()
    assert html.count(f'<span dir="ltr" style="white-space:nowrap">{code}</span>') == 2
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"http\S+", text).group(0)
    assert code not in text.replace(link, "")  # the plain dashes were joined ...
    shown = "\u2066" + code.replace("-", "-\u2060") + "\u2069"
    assert text.count(shown) == 2  # the receipt and the line leading to the status page
    # ... and what a person copies from the mail finds the request
    found = client.post("/w/test/fa/track", data={"code": shown})
    assert found.status_code == 200 and code in found.get_data(as_text=True)
