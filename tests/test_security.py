"""Security primitives: form tokens and the check of cross-site posts (the framing header is
in test_hostile_input)."""
import time

import pytest

from widget.security import TokenError, is_cross_site_post, issue_form_token, read_form_token


def test_form_token_round_trip():
    token = issue_form_token("k", site_id=1, form_id=2, version_id=3, draft_id=4)
    parsed = read_form_token("k", token, max_age=60)
    assert (parsed.site_id, parsed.form_id, parsed.version_id, parsed.draft_id) == (1, 2, 3, 4)
    assert 0 <= parsed.age() < 5 and len(parsed.nonce) == 32
    assert read_form_token("k", issue_form_token("k", 1, 2, 3), 60).nonce != parsed.nonce


def test_form_token_refuses_tampering_other_keys_and_age():
    token = issue_form_token("k", 1, 2, 3)
    with pytest.raises(TokenError) as wrong_key:
        read_form_token("other", token, 60)
    assert wrong_key.value.reason == "invalid"
    with pytest.raises(TokenError):
        read_form_token("k", token.replace(token[5], "A" if token[5] != "A" else "B", 1), 60)
    with pytest.raises(TokenError):
        read_form_token("k", "", 60)
    time.sleep(1.1)
    with pytest.raises(TokenError) as old:
        read_form_token("k", token, 0)
    assert old.value.reason == "expired"


@pytest.mark.parametrize("fetch_site,origin,refused", [
    ("same-origin", None, False), ("none", None, False), ("cross-site", None, True),
    ("same-site", None, True), (None, None, False), (None, "http://app.test", False),
    (None, "https://evil.example", True), (None, "null", True),
])
def test_cross_site_posts(fetch_site, origin, refused):
    assert is_cross_site_post(fetch_site, origin, "http://app.test") is refused
