"""Flask-WTF forms for the fixed parts of widget posts; the fields of a request form are
dynamic and checked by widget.services.answers, the one validation every channel shares."""
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length


class WidgetForm(FlaskForm):
    class Meta:
        # Signed form tokens replace cookie-bound CSRF in the iframe (see widget.security).
        csrf = False


class CodeForm(WidgetForm):
    """A tracking or resume code typed (or pasted, or read from the URL fragment) by a person.
    Blank is "please enter the code"; anything else, however long, is for codes.parse to judge
    (a typo), so that every text that is no code gets the same answer."""

    code = StringField(validators=[DataRequired()])


class ContactForm(WidgetForm):
    """The e-mail address or phone number a person gave with their requests."""

    contact = StringField(validators=[InputRequired(), Length(max=254)])
