from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import WSMessage
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.gateway import SlackGateway
from tests.support.fake_slack import FakeSlack

BLOCKS = [{"type": "section", "block_id": "s1", "text": {"type": "mrkdwn", "text": "*hi*"}}]
MODAL = {
    "type": "modal",
    "callback_id": "cb",
    "title": {"type": "plain_text", "text": "Check"},
    "blocks": BLOCKS,
}


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_base_url_is_local_with_trailing_slash(fake: FakeSlack) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert fake.base_url.endswith("/api/")


async def test_base_url_before_start_raises() -> None:
    with pytest.raises(RuntimeError):
        _ = FakeSlack().base_url


async def test_auth_test(fake: FakeSlack, client: AsyncWebClient) -> None:
    resp = await client.auth_test()
    assert resp["ok"] is True
    assert resp["team_id"] == "T0OURS"
    assert resp["user_id"] == "U0BOT"
    call = fake.last("auth.test")
    assert call.status == 200
    assert call.headers["Authorization"] == "Bearer xoxb-test"


async def test_missing_token_is_not_authed(fake: FakeSlack) -> None:
    client = AsyncWebClient(base_url=fake.base_url)
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C1", text="hi")
    assert err.value.response["error"] == "not_authed"
    assert fake.last("chat.postMessage").ok is False


async def test_post_message_json_body_and_unique_increasing_ts(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel="C0SHARED", text="hello", blocks=BLOCKS)
    second = await client.chat_postMessage(channel="C0SHARED", text="again")
    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"])
    assert first["channel"] == "C0SHARED"
    assert first["message"]["blocks"] == BLOCKS
    call = fake.calls_to("chat.postMessage")[0]
    assert call.headers["Content-Type"].startswith("application/json")
    assert call.args["blocks"] == BLOCKS
    assert call.args["text"] == "hello"
    assert len(fake.calls_to("chat.postMessage")) == 2


async def test_form_encoded_body_decodes_json_fields(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    # api_call with data= sends application/x-www-form-urlencoded, blocks as a JSON string
    await client.api_call(
        "chat.postMessage",
        data={"channel": "C1", "text": "form", "blocks": json.dumps(BLOCKS)},
    )
    call = fake.last("chat.postMessage")
    assert call.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert call.args == {"channel": "C1", "text": "form", "blocks": BLOCKS}
    assert call.ok


async def test_query_params_are_recorded(fake: FakeSlack, client: AsyncWebClient) -> None:
    await client.users_info(user="U1")  # the SDK sends users.info as GET with a query string
    assert fake.last("users.info").args["user"] == "U1"


async def test_update_ephemeral_delete(fake: FakeSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C1", text="a")
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="b", blocks=BLOCKS)
    assert updated["ts"] == posted["ts"]
    assert updated["message"]["text"] == "b"
    eph = await client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert eph["message_ts"] not in (posted["ts"], None)
    await client.chat_delete(channel="C1", ts=posted["ts"])
    assert [c.method for c in fake.calls] == [
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "chat.delete",
    ]
    assert fake.last("chat.update").args["blocks"] == BLOCKS
    assert fake.last("chat.postEphemeral").args["user"] == "U1"


async def test_post_message_without_content_is_no_text(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        await client.api_call("chat.postMessage", json={"channel": "C1"})
    assert err.value.response["error"] == "no_text"


async def test_views_return_ids_hashes_and_view(fake: FakeSlack, client: AsyncWebClient) -> None:
    opened = await client.views_open(trigger_id="123.456.abc", view=MODAL)
    view = opened["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    assert view["callback_id"] == "cb"
    assert view["blocks"] == BLOCKS
    updated = await client.views_update(view_id=view["id"], hash=view["hash"], view=MODAL)
    assert updated["view"]["id"] == view["id"]
    assert updated["view"]["hash"] != view["hash"]
    pushed = await client.views_push(trigger_id="123.456.def", view=MODAL)
    assert pushed["view"]["id"] != view["id"]
    home = {"type": "home", "blocks": BLOCKS}
    published = await client.views_publish(user_id="U1", view=home)
    assert published["view"]["type"] == "home"
    assert fake.last("views.open").args["view"] == MODAL
    assert fake.last("views.publish").args["user_id"] == "U1"


async def test_views_open_needs_trigger_id(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError):
        await client.api_call("views.open", json={"view": MODAL})


async def test_users_info_known_and_unknown(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.add_user("U1", name="ada", tz="America/New_York", is_admin=True, team_id="T0CLIENT")
    known = (await client.users_info(user="U1"))["user"]
    assert known["id"] == "U1"
    assert known["name"] == "ada"
    assert known["team_id"] == "T0CLIENT"
    assert known["tz"] == "America/New_York"
    assert known["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert known["is_admin"] is True
    assert known["is_restricted"] is False
    assert known["profile"]["display_name"] == "ada"
    assert "real_name" in known["profile"]
    unknown = (await client.users_info(user="U404"))["user"]
    assert unknown["tz"] == "UTC"
    assert unknown["tz_offset"] == 0
    assert unknown["team_id"] == "T0OURS"
    assert unknown["is_bot"] is False
    guest = "U2"
    fake.add_user(guest, is_restricted=True, tz="Asia/Kolkata")
    info = (await client.users_info(user=guest))["user"]
    assert info["is_restricted"] is True
    assert info["tz_offset"] == 5 * 3600 + 1800


async def test_conversations_members_paginates(fake: FakeSlack, client: AsyncWebClient) -> None:
    members = [f"U{i:03d}" for i in range(7)]
    fake.set_channel_members("C1", members)
    seen: list[str] = []
    pages = 0
    async for page in await client.conversations_members(channel="C1", limit=3):
        pages += 1
        seen.extend(page["members"])
    assert seen == members
    assert pages == 3
    assert [c.args.get("limit") for c in fake.calls_to("conversations.members")] == ["3"] * 3
    info = await client.conversations_info(channel="C1")
    assert info["channel"]["id"] == "C1"
    assert info["channel"]["num_members"] == 7


async def test_conversations_open_returns_dm(client: AsyncWebClient) -> None:
    resp = await client.conversations_open(users=["U1"])
    assert resp["channel"]["id"] == "DU1"


async def test_manual_upload_flow(fake: FakeSlack, client: AsyncWebClient) -> None:
    data = b"\x89PNG fake image bytes"
    got = await client.files_getUploadURLExternal(
        filename="chart.png", length=len(data), alt_txt="A chart"
    )
    assert got["file_id"] == "F123"
    assert got["upload_url"] == fake.root_url + "upload/F123"
    async with (
        aiohttp.ClientSession() as session,
        session.post(got["upload_url"], data=data) as resp,
    ):
        assert resp.status == 200
    assert fake.uploads == {"F123": data}
    done = await client.files_completeUploadExternal(
        files=[{"id": "F123", "title": "Chart"}], channel_id="C1", thread_ts="1700000000.000100"
    )
    assert done["files"][0] == {
        "id": "F123",
        "name": "chart.png",
        "title": "Chart",
        "size": len(data),
        "alt_txt": "A chart",
        "user": "U0BOT",
    }
    call = fake.last("files.completeUploadExternal")
    assert call.args["channel_id"] == "C1"
    assert call.args["thread_ts"] == "1700000000.000100"
    assert call.args["files"] == [{"id": "F123", "title": "Chart"}]


async def test_multipart_upload(fake: FakeSlack, client: AsyncWebClient) -> None:
    got = await client.files_getUploadURLExternal(filename="a.txt", length=3)
    form = aiohttp.FormData()
    form.add_field("file", b"abc", filename="a.txt")
    async with (
        aiohttp.ClientSession() as session,
        session.post(got["upload_url"], data=form) as resp,
    ):
        assert resp.status == 200
    assert fake.uploads[got["file_id"]] == b"abc"


async def test_complete_without_upload_fails(client: AsyncWebClient) -> None:
    got = await client.files_getUploadURLExternal(filename="a.txt", length=3)
    with pytest.raises(SlackApiError) as err:
        await client.files_completeUploadExternal(files=[{"id": got["file_id"]}])
    assert err.value.response["error"] == "file_not_found"


async def test_files_upload_v2(fake: FakeSlack, client: AsyncWebClient) -> None:
    resp = await client.files_upload_v2(
        content=b"report body",
        filename="report.txt",
        title="Report",
        alt_txt="The report",
        channel="C1",
        thread_ts="1700000000.000100",
    )
    assert resp["file"]["id"] == "F123"
    assert fake.uploads == {"F123": b"report body"}
    get_url = fake.last("files.getUploadURLExternal")
    assert get_url.args["filename"] == "report.txt"
    assert get_url.args["alt_txt"] == "The report"
    complete = fake.last("files.completeUploadExternal")
    assert complete.args["channel_id"] == "C1"
    assert complete.args["thread_ts"] == "1700000000.000100"
    assert complete.args["files"] == [{"id": "F123", "title": "Report"}]


async def test_unknown_methods_answer_ok(fake: FakeSlack, client: AsyncWebClient) -> None:
    resp = await client.reactions_add(channel="C1", timestamp="1.2", name="tada")
    assert resp["ok"] is True
    assert fake.last("reactions.add").args["name"] == "tada"


async def test_last_without_calls_has_helpful_message(fake: FakeSlack) -> None:
    with pytest.raises(AssertionError, match=r"chat.postMessage.*none"):
        fake.last("chat.postMessage")


async def test_clear(fake: FakeSlack, client: AsyncWebClient) -> None:
    await client.auth_test()
    fake.clear()
    assert fake.calls == []
    assert fake.calls_to("auth.test") == []


async def test_fail_next_429_visible_to_client(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            await client.chat_postMessage(channel="C1", text="x")
        assert err.value.response.status_code == 429
        assert err.value.response.headers["Retry-After"] == "7"
        assert err.value.response["error"] == "ratelimited"
    ok = await client.chat_postMessage(channel="C1", text="x")
    assert ok["ok"] is True
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 429, 200]
    assert len(fake.delivered("chat.postMessage")) == 1


async def test_fail_next_500(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail_next("views.open", status=503)
    with pytest.raises(SlackApiError) as err:
        await client.views_open(trigger_id="t", view=MODAL)
    assert err.value.response.status_code == 503
    assert (await client.views_open(trigger_id="t", view=MODAL))["ok"] is True


async def test_sdk_retry_handler_honours_retry_after(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=fake.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    resp = await client.chat_postMessage(channel="C1", text="x")
    assert resp["ok"] is True
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]


async def test_error_next(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.error_next("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel="C1", text="x"))["ok"] is True


async def test_rate_limits_off_by_default(fake: FakeSlack, client: AsyncWebClient) -> None:
    for _ in range(5):
        await client.chat_postMessage(channel="C1", text="x")
    assert len(fake.delivered("chat.postMessage")) == 5


async def test_per_channel_rate_limit() -> None:
    clock = FakeClock()
    async with FakeSlack(clock=clock) as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        fake.enforce_rate_limits(per_channel_per_second=1.0)
        await client.chat_postMessage(channel="C1", text="1")
        await client.chat_postMessage(channel="C2", text="other channel is fine")
        with pytest.raises(SlackApiError) as err:
            await client.chat_postMessage(channel="C1", text="too soon")
        assert err.value.response.status_code == 429
        assert int(err.value.response.headers["Retry-After"]) >= 1
        with pytest.raises(SlackApiError):
            await client.chat_postEphemeral(channel="C1", user="U1", text="also counted")
        clock.now += 0.5
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel="C1", text="still too soon")
        clock.now += 0.6
        await client.chat_postMessage(channel="C1", text="2")
        delivered = [c.args["text"] for c in fake.delivered("chat.postMessage")]
        assert delivered == ["1", "other channel is fine", "2"]
        statuses = [c.status for c in fake.calls_to("chat.postMessage")]
        assert statuses == [200, 200, 429, 429, 200]


async def test_rejected_calls_do_not_count_against_limit() -> None:
    clock = FakeClock()
    async with FakeSlack(clock=clock) as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        fake.enforce_rate_limits(per_channel_per_second=2.0)
        await client.chat_postMessage(channel="C1", text="1")
        await client.chat_postMessage(channel="C1", text="2")
        for _ in range(3):
            with pytest.raises(SlackApiError):
                await client.chat_postMessage(channel="C1", text="x")
            clock.now += 0.1
        clock.now = 1001.0  # first two fall out of the window; rejects must not keep it full
        await client.chat_postMessage(channel="C1", text="3")
        await client.chat_postMessage(channel="C1", text="4")
        assert len(fake.delivered("chat.postMessage")) == 4


async def test_workspace_rate_limit() -> None:
    clock = FakeClock()
    async with FakeSlack(clock=clock) as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        fake.enforce_rate_limits(per_channel_per_second=100, workspace_per_minute=3)
        await client.auth_test()
        clock.now += 10
        await client.users_info(user="U1")
        await client.chat_postMessage(channel="C1", text="x")
        with pytest.raises(SlackApiError) as err:
            await client.conversations_info(channel="C1")
        assert err.value.response.status_code == 429
        assert err.value.response.headers["Retry-After"] == "50"
        clock.now += 50
        assert (await client.conversations_info(channel="C1"))["ok"] is True


async def test_delay_seconds_causes_client_timeout(fake: FakeSlack) -> None:
    fake.delay_seconds = 2.0
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url, timeout=0.2)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        await client.auth_test()


async def test_response_url_records_json(fake: FakeSlack) -> None:
    url = fake.response_url("r7")
    webhook = AsyncWebhookClient(url)
    resp = await webhook.send(text="done", replace_original=True)
    assert resp.status_code == 200
    assert resp.body == "ok"
    assert fake.responses == [{"text": "done", "replace_original": True}]
    assert fake.responses_by_key == {"r7": fake.responses}


async def test_history_answers_posted_messages_with_metadata_when_asked(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.message_clock = lambda: 2_000_000_000.0
    meta = {"event_type": "partnercheck_message", "event_payload": {"row": 7, "key": "nudge:7"}}
    posted = await client.chat_postMessage(channel="UANN", text="one", metadata=meta)
    await client.chat_postMessage(channel="UANN", text="two")
    assert float(posted["ts"]) >= 2_000_000_000.0
    history = await client.conversations_history(
        channel="DUANN", oldest="1999999999", include_all_metadata=True, limit=5
    )
    assert [m["text"] for m in history["messages"]] == ["two", "one"]  # newest first
    assert history["messages"][1]["metadata"] == meta
    plain = await client.conversations_history(channel="DUANN", limit=1)
    assert [m["text"] for m in plain["messages"]] == ["two"] and plain["has_more"] is True
    assert "metadata" not in plain["messages"][0]
    later = await client.conversations_history(channel="DUANN", oldest="2000000001")
    assert later["messages"] == []


async def test_a_delayed_answer_still_delivers(fake: FakeSlack) -> None:
    fake.delay_seconds = 2.0
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url, timeout=0.2)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        await client.chat_postMessage(channel="C1", text="late")
    assert [m["text"] for m in fake.messages["C1"]] == ["late"]


async def test_an_ephemeral_message_is_deleted_through_its_response_url(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postEphemeral(channel="C0SHARED", user="U0LEAD", text="panel")
    await client.chat_postEphemeral(channel="C0SHARED", user="U0LEAD", text="another")
    url = fake.ephemeral_response_url(
        "r8", channel="C0SHARED", user="U0LEAD", ts=str(posted["message_ts"])
    )
    gateway = SlackGateway(client)
    await gateway.delete_ephemeral(url)
    assert [e["text"] for e in fake.ephemerals] == ["another"]
    assert fake.responses_by_key == {"r8": [{"delete_original": True}]}
    async with FakeSlack() as elsewhere:  # a server that is not the app's Slack: left alone
        theirs = await elsewhere_client(elsewhere).chat_postEphemeral(
            channel="C0SHARED", user="U0LEAD", text="theirs"
        )
        foreign = elsewhere.ephemeral_response_url(
            "r9", channel="C0SHARED", user="U0LEAD", ts=str(theirs["message_ts"])
        )
        await gateway.delete_ephemeral(foreign)
        assert elsewhere.responses == [] and len(fake.responses) == 1


def elsewhere_client(server: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=server.base_url)  # type: ignore[arg-type]


def test_govslack_response_urls_are_slacks_own() -> None:
    gateway = SlackGateway(AsyncWebClient(token="xoxb-test", base_url="https://slack-gov.com/api/"))
    assert "https://hooks.slack-gov.com/" in gateway._response_origins()


async def test_socket_mode_connects_says_hello_and_carries_envelopes_and_acks(
    fake: FakeSlack,
) -> None:
    """slack_sdk's own Socket Mode client: apps.connections.open, hello, an envelope, its ack."""
    web_client = AsyncWebClient(base_url=fake.base_url)
    with pytest.raises(SlackApiError) as refused:  # an app-level token, not a bot token
        await web_client.apps_connections_open(app_token="xoxb-bot")
    assert refused.value.response["error"] == "not_allowed_token_type"

    client = SocketModeClient(
        app_token="xapp-1", web_client=web_client, auto_reconnect_enabled=False
    )
    hello = asyncio.Event()
    received: list[SocketModeRequest] = []

    async def on_message(message: WSMessage) -> None:
        if json.loads(message.data).get("type") == "hello":
            hello.set()

    async def on_request(socket: SocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        answer = SocketModeResponse(envelope_id=request.envelope_id, payload={"text": "seen"})
        await socket.send_socket_mode_response(answer)

    client.on_message_listeners.append(on_message)
    client.socket_mode_request_listeners.append(on_request)
    try:
        await asyncio.wait_for(client.connect(), 10)
        assert fake.last("apps.connections.open").response["url"].startswith("ws://127.0.0.1:")
        await asyncio.wait_for(hello.wait(), 10)
        assert fake.sockets_opened == 1

        ack = await fake.socket_request("slash_commands", {"command": "/partnership"})
        assert ack == {"envelope_id": received[0].envelope_id, "payload": {"text": "seen"}}
        assert received[0].type == "slash_commands"
        assert received[0].payload == {"command": "/partnership"}

        # Slack going away: the socket is closed and new connections are refused
        await fake.drop()
        with pytest.raises(SlackApiError) as dropped:
            await client.issue_new_wss_url()
        assert dropped.value.response["error"] == "service_unavailable"
        assert fake.sockets_opened == 1
    finally:
        await client.close()
