"""Taking one person out of a stored summary: counts stay, their name and words go."""

from __future__ import annotations

from bot.domain.forgetting import FORGOTTEN, scrub_detail, scrub_summary

SUMMARY = {
    "respondents": {"ours": 2, "client": 2},
    "dimensions": [{"key": "trust", "ours": {"answered": 2, "mean": 4.5}}],
    "deal_breakers": [
        {"question": "Any deal breakers?", "count": 2, "people": [["U1", "ours"], ["U2", "client"]]}
    ],
    "comments": [
        {"question": "Trust?", "text": "mine", "side": "ours", "user_id": "U1"},
        {"question": "Trust?", "text": "theirs", "side": "client", "user_id": "U2"},
        {"question": "Trust?", "text": "said anonymously", "side": None, "user_id": None},
        {"question": "Trust?", "text": "someone else, anonymously", "side": None, "user_id": None},
    ],
    "comments_total": 4,
    "next_steps": [
        {"text": "Call", "owner_user_id": "U1"},
        {"text": "Mail", "owner_user_id": "U2"},
    ],
}


def test_their_name_and_words_go_and_the_counts_stay() -> None:
    scrubbed = scrub_summary(SUMMARY, user_id="U1", their_words={("Trust?", "said anonymously")})
    assert scrubbed["respondents"] == SUMMARY["respondents"]
    assert scrubbed["dimensions"] == SUMMARY["dimensions"]
    assert scrubbed["comments_total"] == 4
    [breaker] = scrubbed["deal_breakers"]
    assert breaker["count"] == 2 and breaker["people"] == [["U2", "client"]]
    assert [c["text"] for c in scrubbed["comments"]] == ["theirs", "someone else, anonymously"]
    assert [s["owner_user_id"] for s in scrubbed["next_steps"]] == [None, "U2"]
    assert "U1" not in str(scrubbed)
    assert "U1" in str(SUMMARY)  # the stored one is not changed in place


def test_someone_not_in_it_changes_nothing() -> None:
    assert scrub_summary(SUMMARY, user_id="U9", their_words=()) == SUMMARY


def test_a_signal_forgets_who_acted() -> None:
    assert scrub_detail({"title": "Weekly", "by": "U1"}, user_id="U1") == {
        "title": "Weekly",
        "by": FORGOTTEN,
    }
    assert scrub_detail(None, user_id="U1") is None
