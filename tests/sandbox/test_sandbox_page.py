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

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')"
)
if not CHROMIUM.exists():
    pytest.skip(
        f"no browser at {CHROMIUM}: install Debian's chromium (`apt-get install -y chromium`; "
        ".ci/run does) to run the sandbox's browser test",
        allow_module_level=True,
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


def test_try_it_in_two_minutes(page: Page, sandbox: Sandbox, tmp_path: Path) -> None:
    shots = Shots(page, Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path / "screenshots"))
    expect(page.locator("#pane-title")).to_contain_text("fernhill-harbour")

    # the lead starts a live check from the channel's composer
    be(page, LEAD)
    command(page, "/partnership check")
    form = modal(page)
    expect(form).to_contain_text("Who is on the client side?")
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
    page.click("#nav-dm")
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
    assert len(check["answers"]) == 4
