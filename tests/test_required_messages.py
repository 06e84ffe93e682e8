"""A required field left empty says what to do with that kind of field, in the person's language."""
import pytest
from flask_babel import force_locale, gettext

from widget.models import Field, FieldType
from widget.services.answers import clean_answers

# What a person must do with each kind of field when it was left empty.
WHAT_TO_DO = {
    FieldType.TEXT: "Please fill in this field.",
    FieldType.LONG_TEXT: "Please fill in this field.",
    FieldType.NUMBER: "Please fill in this field.",
    FieldType.DATE: "Please fill in this field.",
    FieldType.EMAIL: "Please fill in this field.",
    FieldType.PHONE: "Please fill in this field.",
    FieldType.CHOICE: "Please choose one of the options.",
    FieldType.MULTI_CHOICE: "Please choose at least one option.",
    FieldType.CHECKBOX: "Please tick this box to go on.",
    FieldType.FILE: "Please attach a file.",
}
CHOICES = [{"value": "a", "labels": {"en": "A"}}, {"value": "b", "labels": {"en": "B"}}]


def test_every_field_type_has_its_own_words():
    assert set(WHAT_TO_DO) == set(FieldType)


@pytest.mark.parametrize("language", ["en", "vi", "fa", "ru"])
@pytest.mark.parametrize("field_type", list(FieldType))
def test_an_empty_required_field_says_what_to_do_in_the_page_language(app, field_type, language):
    field = Field(key="f", type=field_type.value, required=True, labels={"en": "F"},
                  choices=CHOICES if field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE) else None)
    with app.test_request_context(), force_locale(language):
        _, errors = clean_answers([field], {"f": [""] if field_type != FieldType.CHOICE else []}, "VN")
        message = str(errors["f"])
        expected = gettext(WHAT_TO_DO[field_type])
    assert message == expected
    if language != "en":
        assert message != WHAT_TO_DO[field_type], "not translated"
