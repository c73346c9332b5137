"""The front door decodes a click's `payload` field by C codecs: always as urllib would."""

from __future__ import annotations

import json
from urllib.parse import quote_plus, unquote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.serving.front_door import _unquote_plus
from tests.support import signing

# what a form value is made of, odd pieces included: escapes of every byte, broken escapes,
# pluses, backslashes, and characters outside ASCII
PIECES = st.one_of(
    st.integers(0, 255).map(lambda byte: f"%{byte:02X}"),
    st.integers(0, 255).map(lambda byte: f"%{byte:02x}"),
    st.sampled_from(["%", "%4", "%G1", "%%41", "+", "\\", "\\x41", "\\n", "é", "✓", "a", "{"]),
    st.text(max_size=5),
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_any_form_value_decodes_as_urllib_does(value: str) -> None:
    assert _unquote_plus(value) == unquote_plus(value)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_survives_quoting(text: str) -> None:
    assert _unquote_plus(quote_plus(text)) == text


def test_a_signed_click_decodes_to_its_payload() -> None:
    body = signing.block_action(action_id="answer:1", value="7:0:1", user_id="U1")
    name, _, value = body.partition("=")
    assert name == "payload"
    assert json.loads(_unquote_plus(value))["actions"][0]["value"] == "7:0:1"
