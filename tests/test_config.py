"""Settings come from FRONTDESK_* variables, typed by their defaults; unknown ones are warned."""
import pytest

from widget import create_app
from widget.config import load_config


def test_environment_overrides_are_typed():
    settings = load_config({"FRONTDESK_UPLOAD_MAX_FILES": "7", "FRONTDESK_RATELIMIT_ENABLED": "false",
                            "FRONTDESK_LANGUAGES": "en, vi", "FRONTDESK_DATABASE_URL": "sqlite://"})
    assert settings["UPLOAD_MAX_FILES"] == 7
    assert settings["RATELIMIT_ENABLED"] is False
    assert settings["LANGUAGES"] == ["en", "vi"]
    assert settings["DATABASE_URL"] == "sqlite://"


def test_unknown_setting_is_warned():
    with pytest.warns(UserWarning, match="FRONTDESK_NO_SUCH"):
        load_config({"FRONTDESK_NO_SUCH": "1"})


def test_production_refuses_to_start_without_a_secret(monkeypatch):
    monkeypatch.delenv("FRONTDESK_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="FRONTDESK_SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_every_setting_is_documented_in_the_configuration_page():
    from pathlib import Path

    from widget.config import DEFAULTS
    readme = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    missing = [key for key in DEFAULTS if f"`FRONTDESK_{key}`" not in readme]
    assert missing == []
