"""Block Kit validators for every payload the app sends.

slack_sdk does not validate raw dicts (nor the 50-block message limit), and Slack answers
`invalid_blocks` in production; these checks catch that in tests and in the sandbox. Each
check collects all problems and raises one `BlockKitError` (an AssertionError) listing them.

Limits follow Slack's Block Kit reference and slack_sdk.models validators.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from slack_sdk.models.blocks import Block, BlockElement
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_SECTION_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_PLACEHOLDER = 150
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_SELECT_OPTIONS = 100
MAX_RADIO_OR_CHECKBOX_OPTIONS = 10
MAX_INPUT_LABEL = 2000
MAX_INPUT_HINT = 2000
MAX_PLAIN_TEXT_INPUT_LENGTH = 3000
MAX_VIEW_TITLE = 24
MAX_VIEW_BUTTON = 24
MAX_CALLBACK_ID = 255
MAX_EXTERNAL_ID = 255
MAX_PRIVATE_METADATA = 3000
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30

TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
SELECT_WITH_OPTIONS = frozenset({"static_select", "multi_static_select"})
OPTION_LIST_ELEMENTS = frozenset({"radio_buttons", "checkboxes"})
KNOWN_ELEMENTS = frozenset(
    {
        "button",
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "external_select",
        "multi_external_select",
        "file_input",
        "image",
        "multi_static_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "number_input",
        "overflow",
        "plain_text_input",
        "radio_buttons",
        "rich_text_input",
        "static_select",
        "timepicker",
        "url_text_input",
        "users_select",
        "conversations_select",
        "channels_select",
        "workflow_button",
    }
)
INPUT_ELEMENTS = frozenset(
    {
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "external_select",
        "multi_external_select",
        "file_input",
        "multi_static_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "number_input",
        "plain_text_input",
        "radio_buttons",
        "rich_text_input",
        "static_select",
        "timepicker",
        "url_text_input",
        "users_select",
        "conversations_select",
        "channels_select",
    }
)
ACTIONS_ELEMENTS = KNOWN_ELEMENTS - {"image", "plain_text_input", "file_input", "rich_text_input"}
ACTIONS_ELEMENTS = ACTIONS_ELEMENTS - {"email_text_input", "url_text_input", "number_input"}
ACCESSORY_ELEMENTS = ACTIONS_ELEMENTS | {"image"}


class BlockKitError(AssertionError):
    """A payload that Slack would reject (invalid_blocks / invalid_arguments)."""


class _CallLike(Protocol):
    method: str
    args: dict[str, Any]


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def raise_if_any(self, what: str) -> None:
        if self.errors:
            listing = "\n  - ".join(self.errors)
            raise BlockKitError(f"invalid {what} ({len(self.errors)} problem(s)):\n  - {listing}")

    # -------------------------------------------------------------- text objects

    def text(
        self,
        obj: Any,
        where: str,
        max_len: int,
        *,
        plain_only: bool = False,
        required: bool = True,
    ) -> int:
        """Check a text object; returns its length (0 when absent/invalid)."""
        if obj is None:
            if required:
                self.error(where, "text object is required")
            return 0
        if not isinstance(obj, dict):
            self.error(where, f"must be a text object, got {type(obj).__name__}")
            return 0
        kind = obj.get("type")
        if kind not in TEXT_TYPES:
            self.error(where, f"text object type must be plain_text or mrkdwn, got {kind!r}")
        elif plain_only and kind != "plain_text":
            self.error(where, "must be a plain_text object")
        text = obj.get("text")
        if not isinstance(text, str):
            self.error(where, f"text must be a string, got {type(text).__name__}")
            return 0
        if not text:
            self.error(where, "text must not be empty")
        if len(text) > max_len:
            self.error(where, f"text is {len(text)} characters, limit {max_len}")
        return len(text)

    def string(self, value: Any, where: str, max_len: int, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.error(where, "is required")
            return
        if not isinstance(value, str):
            self.error(where, f"must be a string, got {type(value).__name__}")
            return
        if required and not value:
            self.error(where, "must not be empty")
        if len(value) > max_len:
            self.error(where, f"is {len(value)} characters, limit {max_len}")

    # -------------------------------------------------------------- elements

    def option(self, opt: Any, where: str) -> None:
        if not isinstance(opt, dict):
            self.error(where, "option must be an object")
            return
        self.text(opt.get("text"), f"{where}.text", MAX_OPTION_TEXT)
        self.string(opt.get("value"), f"{where}.value", MAX_OPTION_VALUE, required=True)
        self.text(opt.get("description"), f"{where}.description", MAX_OPTION_TEXT, required=False)

    def options(self, opts: Any, where: str, max_count: int, *, required: bool = True) -> None:
        if opts is None:
            if required:
                self.error(where, "options are required")
            return
        if not isinstance(opts, list) or not opts:
            self.error(where, "options must be a non-empty list")
            return
        if len(opts) > max_count:
            self.error(where, f"{len(opts)} options, limit {max_count}")
        values = [o.get("value") for o in opts if isinstance(o, dict)]
        if len(values) != len(set(map(str, values))):
            self.error(where, "option values must be unique")
        for i, opt in enumerate(opts):
            self.option(opt, f"{where}[{i}]")

    def confirm(self, obj: Any, where: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.error(where, "confirm must be an object")
            return
        self.text(obj.get("title"), f"{where}.title", MAX_CONFIRM_TITLE, plain_only=True)
        self.text(obj.get("text"), f"{where}.text", MAX_CONFIRM_TEXT)
        self.text(obj.get("confirm"), f"{where}.confirm", MAX_CONFIRM_BUTTON, plain_only=True)
        self.text(obj.get("deny"), f"{where}.deny", MAX_CONFIRM_BUTTON, plain_only=True)

    def element(self, el: Any, where: str, allowed: Iterable[str]) -> None:
        if not isinstance(el, dict):
            self.error(where, f"element must be an object, got {type(el).__name__}")
            return
        kind = el.get("type")
        allowed_set = frozenset(allowed)
        if kind not in allowed_set:
            self.error(where, f"element type {kind!r} not allowed here")
            return
        if "action_id" in el:
            self.string(el["action_id"], f"{where}.action_id", MAX_ACTION_ID, required=True)
        self.confirm(el.get("confirm"), f"{where}.confirm")
        if "placeholder" in el:
            self.text(el["placeholder"], f"{where}.placeholder", MAX_PLACEHOLDER, plain_only=True)
        if kind == "button":
            self.text(el.get("text"), f"{where}.text", MAX_BUTTON_TEXT, plain_only=True)
            self.string(el.get("value"), f"{where}.value", MAX_BUTTON_VALUE)
            self.string(el.get("url"), f"{where}.url", MAX_URL)
            style = el.get("style")
            if style is not None and style not in ("primary", "danger"):
                self.error(f"{where}.style", f"must be 'primary' or 'danger', got {style!r}")
        elif kind == "image":
            self.string(el.get("image_url"), f"{where}.image_url", MAX_URL)
            self.string(el.get("alt_text"), f"{where}.alt_text", 2000, required=True)
        elif kind in SELECT_WITH_OPTIONS:
            if "option_groups" in el:
                groups = el["option_groups"]
                if not isinstance(groups, list) or not groups:
                    self.error(f"{where}.option_groups", "must be a non-empty list")
                else:
                    for i, group in enumerate(groups):
                        gw = f"{where}.option_groups[{i}]"
                        if not isinstance(group, dict):
                            self.error(gw, "must be an object")
                            continue
                        self.text(
                            group.get("label"), f"{gw}.label", MAX_OPTION_TEXT, plain_only=True
                        )
                        self.options(group.get("options"), f"{gw}.options", MAX_SELECT_OPTIONS)
            else:
                self.options(el.get("options"), f"{where}.options", MAX_SELECT_OPTIONS)
            self._initial_options(el, where)
        elif kind in OPTION_LIST_ELEMENTS:
            self.options(el.get("options"), f"{where}.options", MAX_RADIO_OR_CHECKBOX_OPTIONS)
            self._initial_options(el, where)
        elif kind == "overflow":
            opts = el.get("options")
            self.options(opts, f"{where}.options", 5)
            if isinstance(opts, list) and len(opts) < 2:
                self.error(f"{where}.options", "overflow needs at least 2 options")
        elif kind == "plain_text_input":
            self._plain_text_input(el, where)
        self._sdk_element(el, where)

    def _initial_options(self, el: dict[str, Any], where: str) -> None:
        declared: list[Any] = []
        if isinstance(el.get("options"), list):
            declared = list(el["options"])
        for group in el.get("option_groups") or []:
            if isinstance(group, dict) and isinstance(group.get("options"), list):
                declared.extend(group["options"])
        declared_values = {o.get("value") for o in declared if isinstance(o, dict)}
        initial: list[Any] = []
        if "initial_option" in el:
            initial = [el["initial_option"]]
        if "initial_options" in el:
            initial = list(el["initial_options"] or [])
        for i, opt in enumerate(initial):
            self.option(opt, f"{where}.initial_option[{i}]")
            if isinstance(opt, dict) and declared and opt not in declared:
                if opt.get("value") in declared_values:
                    self.error(
                        f"{where}.initial_option[{i}]",
                        "must exactly match one of the options (text and value)",
                    )
                else:
                    self.error(f"{where}.initial_option[{i}]", "is not one of the options")

    def _plain_text_input(self, el: dict[str, Any], where: str) -> None:
        max_length = el.get("max_length")
        min_length = el.get("min_length")
        for name, value in (("max_length", max_length), ("min_length", min_length)):
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                self.error(f"{where}.{name}", "must be an integer")
            elif not 0 <= value <= MAX_PLAIN_TEXT_INPUT_LENGTH:
                self.error(f"{where}.{name}", f"is {value}, limit {MAX_PLAIN_TEXT_INPUT_LENGTH}")
        if isinstance(max_length, int) and isinstance(min_length, int) and min_length > max_length:
            self.error(where, "min_length is greater than max_length")
        initial = el.get("initial_value")
        limit = max_length if isinstance(max_length, int) else MAX_PLAIN_TEXT_INPUT_LENGTH
        self.string(initial, f"{where}.initial_value", limit)

    def _sdk_element(self, el: dict[str, Any], where: str) -> None:
        try:
            parsed = BlockElement.parse(dict(el))
            if parsed is None:
                self.error(where, f"slack_sdk does not recognise element {el.get('type')!r}")
                return
            parsed.to_dict()  # validates this object and every nested object
        except Exception as exc:
            self.error(where, f"slack_sdk rejects element: {exc}")

    # -------------------------------------------------------------- blocks

    def blocks(self, blocks: Any, where: str, max_blocks: int, surface: str) -> None:
        if not isinstance(blocks, list):
            self.error(where, f"blocks must be a list, got {type(blocks).__name__}")
            return
        if len(blocks) > max_blocks:
            self.error(where, f"{len(blocks)} blocks, limit {max_blocks}")
        seen_ids: dict[str, int] = {}
        for i, block in enumerate(blocks):
            bw = f"{where}[{i}]"
            if not isinstance(block, dict):
                self.error(bw, f"block must be an object, got {type(block).__name__}")
                continue
            block_id = block.get("block_id")
            if block_id is not None:
                self.string(block_id, f"{bw}.block_id", MAX_BLOCK_ID, required=True)
                if isinstance(block_id, str):
                    if block_id in seen_ids:
                        self.error(
                            f"{bw}.block_id",
                            f"duplicate block_id {block_id!r} (also block {seen_ids[block_id]})",
                        )
                    seen_ids.setdefault(block_id, i)
            self.block(block, bw, surface)

    def block(self, block: dict[str, Any], where: str, surface: str) -> None:
        kind = block.get("type")
        where = f"{where}({kind})"
        if kind == "section":
            has_text = "text" in block
            fields = block.get("fields")
            if not has_text and not fields:
                self.error(where, "section needs text or fields")
            if has_text:
                self.text(block["text"], f"{where}.text", MAX_SECTION_TEXT)
            if fields is not None:
                if not isinstance(fields, list) or not fields:
                    self.error(f"{where}.fields", "must be a non-empty list")
                else:
                    if len(fields) > MAX_SECTION_FIELDS:
                        self.error(
                            f"{where}.fields", f"{len(fields)} fields, limit {MAX_SECTION_FIELDS}"
                        )
                    for j, f in enumerate(fields):
                        self.text(f, f"{where}.fields[{j}]", MAX_SECTION_FIELD_TEXT)
            if "accessory" in block:
                self.element(block["accessory"], f"{where}.accessory", ACCESSORY_ELEMENTS)
        elif kind == "header":
            self.text(block.get("text"), f"{where}.text", MAX_HEADER_TEXT, plain_only=True)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.error(f"{where}.elements", "must be a non-empty list")
            else:
                if len(elements) > MAX_CONTEXT_ELEMENTS:
                    self.error(
                        f"{where}.elements",
                        f"{len(elements)} elements, limit {MAX_CONTEXT_ELEMENTS}",
                    )
                for j, el in enumerate(elements):
                    ew = f"{where}.elements[{j}]"
                    if isinstance(el, dict) and el.get("type") in TEXT_TYPES:
                        self.text(el, ew, MAX_CONTEXT_TEXT)
                    else:
                        self.element(el, ew, {"image"})
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.error(f"{where}.elements", "must be a non-empty list")
            else:
                if len(elements) > MAX_ACTIONS_ELEMENTS:
                    self.error(
                        f"{where}.elements",
                        f"{len(elements)} elements, limit {MAX_ACTIONS_ELEMENTS}",
                    )
                action_ids = [
                    e.get("action_id") for e in elements if isinstance(e, dict) and "action_id" in e
                ]
                dupes = sorted({str(a) for a in action_ids if action_ids.count(a) > 1})
                if dupes:
                    self.error(f"{where}.elements", f"duplicate action_id(s) {dupes}")
                for j, el in enumerate(elements):
                    self.element(el, f"{where}.elements[{j}]", ACTIONS_ELEMENTS)
        elif kind == "input":
            self.text(block.get("label"), f"{where}.label", MAX_INPUT_LABEL, plain_only=True)
            self.text(
                block.get("hint"), f"{where}.hint", MAX_INPUT_HINT, plain_only=True, required=False
            )
            if "element" not in block:
                self.error(where, "input block needs an element")
            else:
                self.element(block["element"], f"{where}.element", INPUT_ELEMENTS)
        elif kind == "image":
            self.string(block.get("image_url"), f"{where}.image_url", MAX_URL)
            self.string(block.get("alt_text"), f"{where}.alt_text", 2000, required=True)
            self.text(block.get("title"), f"{where}.title", 2000, plain_only=True, required=False)
        elif kind in ("divider", "rich_text", "file", "video", "markdown", "table"):
            pass
        else:
            self.error(where, f"unknown block type {kind!r}")
            return
        self._sdk_block(block, where)

    def _sdk_block(self, block: dict[str, Any], where: str) -> None:
        try:
            parsed = Block.parse(dict(block))
            if parsed is None:
                self.error(where, f"slack_sdk does not recognise block {block.get('type')!r}")
                return
            parsed.to_dict()  # validates this block and every nested object
        except Exception as exc:
            self.error(where, f"slack_sdk rejects block: {exc}")


def check_message(blocks: list[dict[str, Any]] | None, text: str | None = None) -> None:
    """Validate a chat message (blocks and fallback text) as Slack would."""
    checker = _Checker()
    if not blocks and not text:
        checker.error("message", "needs non-empty text or blocks (Slack answers no_text)")
    if text is not None:
        checker.string(text, "text", MAX_MESSAGE_TEXT)
    if blocks is not None:
        checker.blocks(blocks, "blocks", MAX_MESSAGE_BLOCKS, "message")
    checker.raise_if_any("message")


def check_view(view: dict[str, Any]) -> None:
    """Validate a modal or home view as Slack would."""
    checker = _Checker()
    if not isinstance(view, dict):
        raise BlockKitError(f"view must be an object, got {type(view).__name__}")
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.error("view.type", f"must be 'modal' or 'home', got {kind!r}")
    if kind == "modal" or "title" in view:
        checker.text(view.get("title"), "view.title", MAX_VIEW_TITLE, plain_only=True)
    for name in ("submit", "close"):
        if name in view and view[name] is not None:
            checker.text(view[name], f"view.{name}", MAX_VIEW_BUTTON, plain_only=True)
    checker.string(view.get("callback_id"), "view.callback_id", MAX_CALLBACK_ID)
    checker.string(view.get("external_id"), "view.external_id", MAX_EXTERNAL_ID)
    checker.string(view.get("private_metadata"), "view.private_metadata", MAX_PRIVATE_METADATA)
    blocks = view.get("blocks")
    if blocks is None:
        checker.error("view.blocks", "is required")
    else:
        checker.blocks(blocks, "view.blocks", MAX_VIEW_BLOCKS, kind or "modal")
        if (
            kind == "modal"
            and isinstance(blocks, list)
            and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
            and not view.get("submit")
        ):
            checker.error("view.submit", "a modal with input blocks needs a submit button")
    if not checker.errors:
        try:
            View(**view).to_dict()
        except Exception as exc:
            checker.error("view", f"slack_sdk rejects view: {exc}")
    checker.raise_if_any("view")


def check_call(call: _CallLike) -> None:
    """Validate the payload of one recorded Web API call (see bot.sandbox.slack_api.Call)."""
    args = call.args
    if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
        if args.get("attachments") and not args.get("blocks") and not args.get("text"):
            return
        try:
            check_message(args.get("blocks"), args.get("text"))
        except BlockKitError as exc:
            raise BlockKitError(f"{call.method}: {exc}") from None
    elif call.method.startswith("views."):
        if "view" not in args:
            raise BlockKitError(f"{call.method}: no view in the call")
        try:
            check_view(args["view"])
        except BlockKitError as exc:
            raise BlockKitError(f"{call.method}: {exc}") from None
