"""The sandbox through its page only, in a real browser (Debian's chromium, driven by Playwright).

`partnercheck sandbox` runs as a person would start it (its own process, its own SQLite file in
a fresh directory); the test then does, by clicking and typing, what the README's "Try it in
2 minutes" shows: a live check with two people per side, a comment, a next step, the summary
thread with its chart, a meeting that just ended, the reflection message after the clock moves,
and the App Home. With SCREENSHOTS_DIR set, it saves the README's screenshots there.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.sandbox.conftest import Sandbox, partnercheck

CHROMIUM = Path(os.environ.get("PARTNERCHECK_CHROMIUM", "/usr/bin/chromium"))

# CI (.ci/run) sets PARTNERCHECK_REQUIRE_BROWSER=1: there, a missing browser fails the run
# instead of skipping the test.
REQUIRED = os.environ.get("PARTNERCHECK_REQUIRE_BROWSER", "") not in ("", "0")


def _without_browser(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (PARTNERCHECK_REQUIRE_BROWSER is set)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


try:
    import playwright.sync_api as playwright_api
except ImportError:
    _without_browser("Playwright is not installed (pip install -e '.[test]')")
if not CHROMIUM.exists():
    _without_browser(
        f"no browser at {CHROMIUM}: install Debian's chromium (`apt-get install -y chromium`; "
        ".ci/run does) to run the sandbox's browser test"
    )

expect = playwright_api.expect
expect.set_options(timeout=20_000)
Page = playwright_api.Page

LEAD = "U0ADA"
COLLEAGUE = "U0BEN"
CLIENT_ONE = "U0DANA"
CLIENT_TWO = "U0ELI"


@pytest.fixture
def page(sandbox: Sandbox) -> Iterator[Page]:
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 860}, timezone_id="UTC")
        context.set_default_timeout(20_000)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(sandbox.address)
        yield page
        browser.close()
        assert not problems, f"the page's scripts failed: {problems}"


class Shots:
    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder

    def take(self, name: str) -> None:
        """A PNG of the page, in 256 colours so the README's copies stay small."""
        self.folder.mkdir(parents=True, exist_ok=True)
        shot = Image.open(io.BytesIO(self.page.screenshot()))
        shot.convert("RGB").quantize(colors=256).save(self.folder / f"{name}.png", optimize=True)


def be(page: Page, person: str) -> None:
    page.select_option("#me", person)
    expect(page.locator("#me")).to_have_value(person)


def command(page: Page, text: str) -> None:
    page.fill("#composer-input", text)
    page.press("#composer-input", "Enter")


def modal(page: Page):
    return page.locator("#modal .modal")


def answer_first_question(page: Page, person: str, value: int) -> None:
    """As `person`, click the answer button `value` (labelled "4" or "4 · Agree")."""
    be(page, person)
    question = page.locator("article", has_text="Question 1 of")
    with page.expect_response(lambda response: response.url.endswith("/sandbox/action")) as sent:
        question.get_by_role("button", name=re.compile(rf"^{value}\b")).first.click()
    assert sent.value.json() == {"status": 200}  # what the app answered the signed click


def answer_the_other_questions(page: Page, total: int) -> None:
    """The lead moves the check through its other questions, and one person per side answers
    each, so the summary and its chart have something to show for every need."""
    for position in range(2, total + 1):
        be(page, LEAD)
        panel = page.locator("article", has_text=f"answered question {position - 1}.").last
        panel.get_by_role("button", name="Next question").click()
        question = page.locator("article", has_text=f"Question {position} of {total}")
        expect(question.locator(".bk-actions").first).to_be_visible()
        for person, scale_value in ((LEAD, 4 + position % 2), (CLIENT_ONE, 2 + position % 3)):
            be(page, person)
            buttons = question.locator("[data-action-id^='pc.answer:']")
            with page.expect_response(lambda response: response.url.endswith("/sandbox/action")):
                if buttons.count() == 5:  # a scale: 1 to 5
                    buttons.nth(scale_value - 1).click()
                elif buttons.count():
                    buttons.first.click()
                else:
                    question.locator("select").first.select_option(index=1)
    be(page, LEAD)


def click_and_confirm(page: Page, name: str) -> None:
    """Click a button in the messages (the lead's own panel included) and, when it asks to
    confirm, confirm."""
    page.locator("#messages").get_by_role("button", name=name).last.click()
    dialog = page.locator("#confirm .dialog")
    if dialog.count():
        dialog.locator("button.bk-button").click()


def test_what_the_page_cannot_draw_is_named_not_dropped(page: Page) -> None:
    drawn = page.evaluate(
        """() => BlockKit.render([
            {type: "rich_text", elements: []},
            {type: "actions", block_id: "a", elements: [{type: "workflow_button"}]},
            {type: "section", text: {type: "mrkdwn", text: "*still* here"}},
        ], {people: {}, onAction() {}, confirm() {}}).innerText"""
    )
    assert "can't draw: rich_text" in drawn
    assert "can't draw: workflow_button" in drawn
    assert "still here" in drawn


# One of each block and element the issue lists, as the app's builders write them.
EVERY_LISTED_KIND = """[
    {type: "header", text: {type: "plain_text", text: "A header"}},
    {type: "section", block_id: "s", text: {type: "mrkdwn", text: "*Bold* and _italic_"},
     fields: [{type: "mrkdwn", text: "*Field one*"}, {type: "plain_text", text: "Field two"}],
     accessory: {type: "overflow", action_id: "more", options: [
        {text: {type: "plain_text", text: "Snooze"}, value: "snooze"},
        {text: {type: "plain_text", text: "Skip"}, value: "skip"}]}},
    {type: "context", elements: [{type: "mrkdwn", text: "Small print"},
                                 {type: "image", image_url: "data:,", alt_text: "dot"}]},
    {type: "divider"},
    {type: "image", image_url: "data:,", alt_text: "The radar chart",
     title: {type: "plain_text", text: "Chart title"}},
    {type: "actions", block_id: "a", elements: [
        {type: "button", action_id: "go", style: "primary",
         text: {type: "plain_text", text: "Go"}},
        {type: "button", action_id: "stop", style: "danger",
         text: {type: "plain_text", text: "Stop"}},
        {type: "static_select", action_id: "pick", placeholder: {type: "plain_text", text: "Pick"},
         options: [{text: {type: "plain_text", text: "One"}, value: "1"},
                   {text: {type: "plain_text", text: "Two"}, value: "2"}]}]},
    {type: "input", block_id: "who", label: {type: "plain_text", text: "Who"},
     element: {type: "users_select", action_id: "who_input"}},
    {type: "input", block_id: "radio", label: {type: "plain_text", text: "Radio"},
     element: {type: "radio_buttons", action_id: "radio_input", options: [
        {text: {type: "plain_text", text: "Live"}, value: "live"},
        {text: {type: "plain_text", text: "Async"}, value: "async"}]}},
    {type: "input", block_id: "boxes", optional: true, label: {type: "plain_text", text: "Boxes"},
     element: {type: "checkboxes", action_id: "boxes_input", options: [
        {text: {type: "plain_text", text: "Ticked"}, value: "yes"}]}},
    {type: "input", block_id: "day", label: {type: "plain_text", text: "Day"},
     element: {type: "datepicker", action_id: "day_input"}},
    {type: "input", block_id: "hour", label: {type: "plain_text", text: "Hour"},
     element: {type: "timepicker", action_id: "hour_input"}},
    {type: "input", block_id: "line", label: {type: "plain_text", text: "Line"},
     element: {type: "plain_text_input", action_id: "line_input"}},
    {type: "input", block_id: "para", label: {type: "plain_text", text: "Paragraph"},
     element: {type: "plain_text_input", action_id: "para_input", multiline: true}},
]"""


def test_every_block_and_element_the_issue_lists_is_drawn_and_read_as_slack_does(
    page: Page,
) -> None:
    page.evaluate(
        f"""() => {{
            window.sent = [];
            const drawn = BlockKit.render({EVERY_LISTED_KIND}, {{
                people: {{U0ADA: {{id: "U0ADA", name: "Ada Lindqvist"}},
                          U0DANA: {{id: "U0DANA", name: "Dana Whitfield"}}}},
                onAction: (action) => window.sent.push(action), confirm: showConfirm,
            }});
            drawn.id = "probe";
            document.body.append(drawn);
        }}"""
    )
    probe = page.locator("#probe")
    expect(probe.locator(".unsupported")).to_have_count(0)  # nothing fell back to a placeholder
    expect(probe.locator("h3.bk-header")).to_have_text("A header")
    expect(probe.locator(".bk-section b")).to_have_text(["Bold", "Field one"])
    expect(probe.locator(".bk-fields > *")).to_have_count(2)
    expect(probe.locator(".bk-context")).to_contain_text("Small print")
    expect(probe.locator("hr.bk-divider")).to_have_count(1)
    expect(probe.locator("figure.bk-image img")).to_have_attribute("alt", "The radar chart")
    expect(probe.locator("figure.bk-image")).to_contain_text("Chart title")
    expect(probe.locator("button.bk-button.primary")).to_have_text("Go")
    expect(probe.locator("button.bk-button.danger")).to_have_text("Stop")

    # the section's accessory: an overflow menu whose option is sent as Slack sends it
    probe.get_by_role("button", name="More actions").click()
    probe.get_by_role("button", name="Skip").click()
    probe.get_by_role("button", name="Go").click()
    probe.get_by_label("Pick").select_option(label="Two")
    sent = page.evaluate("window.sent")
    assert [(a["type"], a["action_id"], a["block_id"]) for a in sent] == [
        ("overflow", "more", "s"),
        ("button", "go", "a"),
        ("static_select", "pick", "a"),
    ]
    assert sent[0]["selected_option"]["value"] == "skip"
    assert sent[2]["selected_option"]["value"] == "2"

    # the inputs, filled in, read back as Slack's view.state.values
    probe.locator("select[data-state-block=who]").select_option("U0DANA")
    probe.get_by_label("Async").check()
    probe.get_by_label("Ticked").check()
    probe.locator("input[type=date]").fill("2026-12-18")
    probe.locator("input[type=time]").fill("09:30")
    probe.locator("input[type=text]").fill("one line")
    probe.locator("textarea").fill("two\nlines")
    values = page.evaluate("BlockKit.readState(document.querySelector('#probe'))")
    assert values == {
        "a": {
            "pick": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "Two"}, "value": "2"},
            }
        },
        "who": {"who_input": {"type": "users_select", "selected_user": "U0DANA"}},
        "radio": {
            "radio_input": {
                "type": "radio_buttons",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "Async"},
                    "value": "async",
                },
            }
        },
        "boxes": {
            "boxes_input": {
                "type": "checkboxes",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": "Ticked"}, "value": "yes"}
                ],
            }
        },
        "day": {"day_input": {"type": "datepicker", "selected_date": "2026-12-18"}},
        "hour": {"hour_input": {"type": "timepicker", "selected_time": "09:30"}},
        "line": {"line_input": {"type": "plain_text_input", "value": "one line"}},
        "para": {"para_input": {"type": "plain_text_input", "value": "two\nlines"}},
    }


def test_a_confirm_dialog_asks_before_the_action_is_sent(page: Page) -> None:
    page.evaluate(
        """() => {
            window.sent = [];
            const button = {type: "button", action_id: "go", text: {type: "plain_text", text: "Go"},
                confirm: {title: {type: "plain_text", text: "Sure?"},
                          text: {type: "plain_text", text: "It can't be undone."},
                          confirm: {type: "plain_text", text: "Do it"},
                          deny: {type: "plain_text", text: "Keep"}}};
            const drawn = BlockKit.render([{type: "actions", block_id: "b", elements: [button]}], {
                people: {}, onAction: (action) => window.sent.push(action),
                confirm: showConfirm,
            });
            drawn.id = "probe";
            document.body.append(drawn);
        }"""
    )
    page.locator("#probe").get_by_role("button", name="Go").click()
    dialog = page.locator("#confirm")
    expect(dialog).to_contain_text("It can't be undone.")
    assert page.evaluate("window.sent") == []  # nothing is sent before the person confirms
    dialog.get_by_role("button", name="Do it").click()
    expect(dialog).to_be_hidden()
    assert page.evaluate("window.sent.map((a) => a.action_id)") == ["go"]


def test_modals_refuse_empty_required_fields_show_the_apps_errors_and_turn_pages(
    page: Page,
) -> None:
    submitted: list[str] = []
    page.on("request", lambda r: submitted.append(r.url) if "/sandbox/submit" in r.url else None)
    be(page, LEAD)
    command(page, "/partnership check")
    form = modal(page)
    expect(form.locator(".bk-users input:checked")).to_have_count(2)  # the client side proposed

    # as in Slack, a required field left empty stops the submission in the page
    form.get_by_role("button", name="Start check").click()
    name_block = form.locator(".bk-input-block", has_text="Partnership").first
    expect(name_block.locator(".bk-error")).to_have_text("Please complete this required field.")
    assert submitted == []

    # the app's own refusal (response_action "errors") is shown under its field
    form.get_by_label("e.g. Acme × Northwind").fill("Async × Co")
    form.locator(".bk-users label", has_text="Ada Lindqvist").locator("input").check()
    form.locator("label.choice", has_text="Async").locator("input").check()
    form.get_by_role("button", name="Start check").click()
    client_block = form.locator(".bk-input-block", has_text="Who is on the client side?")
    expect(client_block.locator(".bk-error")).to_contain_text("leave yourself out")
    expect(name_block.locator(".bk-error")).to_have_count(0)
    assert len(submitted) == 1
    form.locator(".bk-users label", has_text="Ada Lindqvist").locator("input").uncheck()
    form.get_by_role("button", name="Start check").click()
    expect(form).to_have_count(0)

    # an async check is answered in one modal, page by page (response_action "update")
    be(page, CLIENT_ONE)
    page.locator("#messages").get_by_role("button", name="Answer now").last.click()
    answers = modal(page)
    expect(answers).to_contain_text("Page 1 of 2")
    answers.locator(".bk-input-block", has_text="1/18").get_by_label("Agree", exact=True).check()
    answers.get_by_role("button", name="Save and continue").click()
    expect(answers).to_contain_text("Page 2 of 2")
    answers.get_by_role("button", name="Submit").click()
    expect(answers).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("1 at Fernhill Foods")


def test_try_it_in_two_minutes(page: Page, sandbox: Sandbox, tmp_path: Path) -> None:
    shots = Shots(page, Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path / "screenshots"))
    expect(page.locator("#pane-title")).to_contain_text("fernhill-harbour")

    # the lead starts a live check from the channel's composer
    be(page, LEAD)
    command(page, "/partnership check")
    form = modal(page)
    expect(form).to_contain_text("Who is on the client side?")
    expect(form.locator(".bk-users input:checked")).to_have_count(2)  # proposed: Dana and Eli
    form.get_by_label("e.g. Acme × Northwind").fill("Fernhill × Harbour")
    shots.take("1-start-check")
    form.get_by_role("button", name="Start check").click()
    expect(form).to_have_count(0)
    question = page.locator("article", has_text="Question 1 of")
    expect(question).to_be_visible()

    # two people per side answer
    answer_first_question(page, LEAD, 4)
    answer_first_question(page, COLLEAGUE, 5)
    answer_first_question(page, CLIENT_ONE, 2)
    answer_first_question(page, CLIENT_TWO, 3)

    # the client adds a comment; the lead a next step with an owner and a date
    question.get_by_role("button", name="Add a comment").click()
    modal(page).locator("textarea").fill("We rarely hear what you are aiming for.")
    modal(page).get_by_role("button", name="Save").click()
    expect(modal(page)).to_have_count(0)
    be(page, LEAD)
    question.get_by_role("button", name="Add next step").click()
    step = modal(page)
    step.locator("input[type=text], textarea").first.fill("Share our quarterly goals with Fernhill")
    step.locator("select").first.select_option(CLIENT_ONE)
    step.locator("input[type=date]").fill("2026-12-18")
    shots.take("2-live-check")
    step.get_by_role("button", name="Add").click()
    expect(step).to_have_count(0)

    # the lead takes the check through its other questions
    answer_the_other_questions(page, total=18)

    # the lead closes the check; the summary's details and chart are in its thread
    click_and_confirm(page, "Close check")
    headline = page.locator("article", has_text="needs ticked")
    expect(headline).to_be_visible()
    # the sides are named by organisation, as the workspaces call themselves
    expect(headline).to_contain_text("2 answered at Harbour Consulting, 2 at Fernhill Foods")
    headline.get_by_role("button", name="repl").click()
    thread = page.locator("#thread")
    expect(thread.locator("img")).to_be_visible()
    expect(thread).to_contain_text("Share our quarterly goals")
    chart = thread.locator("img")
    chart.scroll_into_view_if_needed()
    assert chart.evaluate("image => image.naturalWidth") > 100  # the PNG really loaded
    page.locator("#messages").evaluate("list => { list.scrollTop = list.scrollHeight; }")
    shots.take("3-summary-thread")
    page.click("#close-thread")

    # a meeting that just ended, logged by the lead with a colleague
    command(page, "/partnership meeting")
    meeting = modal(page)
    meeting.locator("input[type=text]").first.fill("Quarterly review")
    meeting.locator("label.choice", has_text="It just ended").locator("input").check()
    meeting.locator(".bk-users label", has_text="Ben Okafor").locator("input").check()
    meeting.locator("button[type=submit]").click()
    expect(meeting).to_have_count(0)

    # the clock moves to the next working morning: Ben's reflection message arrives
    be(page, COLLEAGUE)
    with page.expect_response(lambda response: response.url.endswith("/sandbox/home")) as opened:
        page.click("#nav-dm")  # Slack's app_home_opened, for the Messages tab
    assert opened.value.request.post_data_json["tab"] == "messages"
    assert opened.value.json() == {"status": 200}  # the app took the signed event
    page.click("#advance-morning")
    nudge = page.locator("article", has_text="Quarterly review")
    expect(nudge.get_by_role("button", name="Reflect now")).to_be_visible()
    # dates as Slack shows them: in Ben's time zone, relative to the app's (moved) clock
    ended = re.compile(r"ended (today|yesterday|\d{1,2} \w{3} \d{4}) at \d\d:\d\d")
    expect(nudge).to_contain_text(ended)
    shots.take("4-reflection-message")
    nudge.get_by_role("button", name="Reflect now").click()
    reflection = modal(page)
    expect(reflection).to_contain_text("Reflecting on")
    reflection.locator("input[type=radio]").first.check()
    reflection.get_by_role("button", name="Save").click()
    expect(reflection).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("Thank")

    # the lead's App Home lists the partnership
    be(page, LEAD)
    page.click("#nav-home")
    expect(page.locator(".home")).to_contain_text("Fernhill × Harbour")
    shots.take("5-app-home")

    # everything the sandbox stored can be exported, while it runs
    exported = partnercheck("export", "--sandbox", cwd=sandbox.folder)
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    partnerships = data.get("partnerships") or [data]
    (check,) = [check for partnership in partnerships for check in partnership["checks"]]
    assert check["status"] == "summarised"
    first = [a for a in check["answers"] if a["question_id"] == "pc.goals.shared"]
    assert len(first) == 4  # two people per side on the first question
    assert len(check["answers"]) == 4 + 17 * 2  # one per side on each of the others
