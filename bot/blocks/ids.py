"""Every action_id, callback_id and block_id the app uses, in one place."""

import re

# actions in messages
ANSWER = "pc.answer"  # suffixed ":<value>" because action_ids must be unique within a block
ANSWER_PATTERN = re.compile(r"^pc\.answer:")
ANSWER_SELECT = "pc.answer_select"
WRITE_ANSWER = "pc.write_answer"
ADD_COMMENT = "pc.add_comment"
NEXT_QUESTION = "pc.next_question"
CLOSE_CHECK = "pc.close_check"
ANSWER_NOW = "pc.answer_now"

# modals
START_CHECK_VIEW = "pc.start_check"
COMMENT_VIEW = "pc.comment"
TEXT_ANSWER_VIEW = "pc.text_answer"
ASYNC_ANSWERS_VIEW = "pc.async_answers"

# blocks and inputs of the start-check modal
NAME_BLOCK, NAME_INPUT = "name", "name_input"
TEMPLATE_BLOCK, TEMPLATE_INPUT = "template", "template_input"
CLIENT_BLOCK, CLIENT_INPUT = "client_side", "client_side_input"
MODE_BLOCK, MODE_INPUT = "mode", "mode_input"
DEADLINE_BLOCK, DEADLINE_INPUT = "deadline", "deadline_input"
PRIVACY_BLOCK, PRIVACY_INPUT = "privacy", "privacy_input"
OUR_ORG_BLOCK, OUR_ORG_INPUT = "our_org", "our_org_input"
CLIENT_ORG_BLOCK, CLIENT_ORG_INPUT = "client_org", "client_org_input"

# blocks of the answer modals
COMMENT_BLOCK, COMMENT_INPUT = "comment", "comment_input"
TEXT_ANSWER_BLOCK, TEXT_ANSWER_INPUT = "text_answer", "text_answer_input"
ASYNC_VALUE_INPUT = "value"
ASYNC_COMMENT_INPUT = "comment"


def async_value_block(position: int) -> str:
    return f"q{position}"


def async_comment_block(position: int) -> str:
    return f"q{position}_comment"


# summary and next steps
ADD_NEXT_STEP = "pc.add_next_step"
MARK_STEP_DONE = "pc.mark_step_done"
SHARE_SUMMARY = "pc.share_summary"
NEXT_STEP_VIEW = "pc.next_step"
STEP_TEXT_BLOCK, STEP_TEXT_INPUT = "step_text", "step_text_input"
STEP_OWNER_BLOCK, STEP_OWNER_INPUT = "step_owner", "step_owner_input"
STEP_DUE_BLOCK, STEP_DUE_INPUT = "step_due", "step_due_input"
# reflection nudges (DMs after a meeting) and the reflection modal
REFLECT_NOW = "pc.reflect_now"
SNOOZE_NUDGE = "pc.snooze_nudge"  # static select; option values "<request id>:hour|tomorrow"
SKIP_NUDGE = "pc.skip_nudge"
REFLECTION_VIEW = "pc.reflection"
SHARE_BLOCK, SHARE_INPUT = "share", "share_input"


# meetings (/partnership meeting, /partnership meetings)
MEETING_VIEW = "pc.meeting"
MEETING_MENU = "pc.meeting_menu"  # overflow on a listed meeting: "cancel:<id>" / "delete:<id>"
MEETING_PARTNERSHIP_BLOCK, MEETING_PARTNERSHIP_INPUT = "m_partnership", "m_partnership_input"
MEETING_TITLE_BLOCK, MEETING_TITLE_INPUT = "m_title", "m_title_input"
MEETING_START_BLOCK, MEETING_START_INPUT = "m_start", "m_start_input"
MEETING_LENGTH_BLOCK, MEETING_LENGTH_INPUT = "m_length", "m_length_input"
MEETING_ENDED_BLOCK, MEETING_ENDED_INPUT = "m_just_ended", "m_just_ended_input"
MEETING_PEOPLE_BLOCK, MEETING_PEOPLE_INPUT = "m_people", "m_people_input"

# buttons of the Home tab
HOME_LOG_MEETING = "pc.home_log_meeting"  # value: the partnership's channel id
HOME_OPEN_SUMMARY = "pc.home_open_summary"  # value: the partnership's channel id
HOME_EXPORT = "pc.home_export"  # value: the partnership's channel id
HOME_SELF_CHECK = "pc.home_self_check"

# a person's own data (/partnership forget me)
FORGET_ME_VIEW = "pc.forget_me"

# the question bank and the practice in the App Home (workspace admins, practice leads)
RETIRE_QUESTION = "pc.retire_question"  # static select; option value: the question id
RESTORE_QUESTION = "pc.restore_question"  # static select; option value: the question id
EXPORT_PARTNERSHIPS = "pc.export_partnerships"  # buttons, ":json" suffixed; value: the format
EXPORT_PATTERN = re.compile(r"^pc\.export_partnerships(:json)?$")
