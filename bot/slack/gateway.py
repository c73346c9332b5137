"""The few Slack Web API calls the app makes. Nothing else talks to Slack."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.plumbing.workspace import current_bot_token
from bot.slack.keepalive import KeepAliveClient

log = logging.getLogger(__name__)

MEMBER_PAGE = 1000  # conversations.members' largest page
USER_LOOKUP_CONCURRENCY = 8
UPLOAD_TIMEOUT = 30
HISTORY_PAGE = 50  # conversations.history around one send: a one-to-one DM, a few minutes


class SlackCallFailed(Exception):
    """A Web API call failed; `error` is Slack's error code (never a token or a message text)."""

    def __init__(
        self,
        method: str,
        error: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        unsure: bool = False,
    ) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error
        self.status = status
        # 429: how long Slack asked us to wait
        self.retry_after = retry_after
        # True when the request may have reached Slack (timeout, dropped connection)
        self.unsure = unsure


@dataclass(frozen=True)
class SlackUser:
    id: str
    team_id: str | None
    name: str
    tz: str
    is_admin: bool
    is_external: bool
    is_bot: bool


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


@dataclass(frozen=True)
class ChannelInfo:
    id: str
    name: str
    is_member: bool
    # shared with another organisation (Slack Connect), or otherwise shared beyond us
    is_shared: bool


# where Slack's response_urls point: Slack's own, and GovSlack's
SLACK_RESPONSE_ORIGINS = ("https://hooks.slack.com/", "https://hooks.slack-gov.com/")
DEFAULT_API_BASE = "https://slack.com/api/"


class SlackGateway:
    def __init__(self, client: AsyncWebClient, *, keepalive: KeepAliveClient | None = None) -> None:
        self.client = client
        # answer confirmations' plain-text ephemeral notes (see _post_ephemeral_lean)
        self.keepalive = keepalive

    async def delete_ephemeral(self, response_url: str) -> None:
        """Take away the ephemeral message a click came from, through that click's
        response_url: Slack's only way to remove one. A URL that isn't Slack's (or, in tests
        and the sandbox, the local Slack's) is left alone; a failure is logged (never the URL,
        which carries a token) and dropped: the message only stays."""
        if not response_url.startswith(self._response_origins()):
            return
        try:
            if self.client.session is not None:
                await self._delete_original(self.client.session, response_url)
                return
            timeout = aiohttp.ClientTimeout(total=self.client.timeout)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                await self._delete_original(session, response_url)
        except (TimeoutError, OSError, aiohttp.ClientError) as error:
            log.warning("Slack response_url failed: %s", type(error).__name__)

    @staticmethod
    async def _delete_original(session: aiohttp.ClientSession, url: str) -> None:
        async with session.post(url, json={"delete_original": True}) as answer:
            if answer.status != 200:
                log.warning("Slack response_url answered %s", answer.status)

    def _response_origins(self) -> tuple[str, ...]:
        base = str(self.client.base_url)
        if base == DEFAULT_API_BASE:
            return SLACK_RESPONSE_ORIGINS
        return (*SLACK_RESPONSE_ORIGINS, base.removesuffix("api/"))

    async def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Posted:
        """`metadata` is Slack message metadata ({"event_type", "event_payload"}), which
        `message_landed` can find again."""
        response = await self._call(
            "chat_postMessage",
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
        )
        return Posted(channel=str(response["channel"]), ts=str(response["ts"]))

    async def message_landed(
        self,
        channel: str,
        *,
        metadata: dict[str, Any],
        oldest: float,
        latest: float,
    ) -> Posted | None:
        """The message posted to `channel` (a person's id means their DM with the app)
        between `oldest` and `latest` (Unix seconds) whose metadata has this event_type and
        at least these event_payload values; None when Slack has no such message. Raises
        SlackCallFailed when Slack could not be asked (needs im:history)."""
        if channel[:1] in ("U", "W"):
            channel = await self.open_dm(channel)
        response = await self._call(
            "conversations_history",
            channel=channel,
            oldest=f"{oldest:.6f}",
            latest=f"{latest:.6f}",
            inclusive=True,
            include_all_metadata=True,
            limit=HISTORY_PAGE,
        )
        wanted = metadata.get("event_payload") or {}
        for message in response.get("messages") or []:
            found = message.get("metadata") or {}
            payload = found.get("event_payload") or {}
            if found.get("event_type") == metadata.get("event_type") and all(
                payload.get(key) == value for key, value in wanted.items()
            ):
                return Posted(channel=channel, ts=str(message["ts"]))
        if response.get("has_more"):
            # not on the first page is no proof that it is not there
            raise SlackCallFailed("conversations_history", "too_many_messages_to_tell")
        return None

    async def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        await self._call("chat_update", channel=channel, ts=ts, text=text, blocks=blocks or [])

    async def post_ephemeral(
        self, channel: str, user: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        if blocks is None and await self._post_ephemeral_lean(channel, user, text):
            return
        await self._call("chat_postEphemeral", channel=channel, user=user, text=text, blocks=blocks)

    async def _post_ephemeral_lean(self, channel: str, user: str, text: str) -> bool:
        """A plain-text ephemeral note (every answer click's confirmation) as one POST on a
        kept-open connection (bot/slack/keepalive.py), without the SDK's or aiohttp's
        per-call layers: about half the CPU of an aiohttp POST, a third of the SDK's call.
        True when Slack took it; raises SlackCallFailed when Slack refused it. False when
        there was no clear answer (no such client, 429, 5xx, a dropped connection): the
        caller then makes the call the SDK's way, with its retries."""
        token = current_bot_token() or self.client.token  # the workspace this work is for
        if self.keepalive is None or not token:
            return False
        answer = await self.keepalive.post_json(
            "chat.postEphemeral", {"channel": channel, "user": user, "text": text}, token
        )
        if answer is None:
            return False
        if answer.get("ok") is True:
            return True
        if "error" not in answer:
            return False
        log.warning("Slack chat_postEphemeral failed: %s", answer["error"])
        raise SlackCallFailed("chat_postEphemeral", str(answer["error"]), status=200)

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        response = await self._call("views_open", trigger_id=trigger_id, view=view)
        return dict(response["view"])

    async def update_view(
        self, view_id: str, view: dict[str, Any], *, view_hash: str | None = None
    ) -> None:
        await self._call("views_update", view_id=view_id, view=view, hash=view_hash)

    async def push_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        await self._call("views_push", trigger_id=trigger_id, view=view)

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        await self._call("views_publish", user_id=user_id, view=view)

    async def open_dm(self, user_id: str) -> str:
        response = await self._call("conversations_open", users=user_id)
        return str(response["channel"]["id"])

    async def user(self, user_id: str) -> SlackUser:
        response = await self._call("users_info", user=user_id)
        return _user_from(response["user"])

    async def team_name(self, team_id: str | None = None) -> str | None:
        """The name of a workspace: ours, or (with `team_id`) another one we share a channel
        with; None when Slack does not say."""
        arguments = {"team": team_id} if team_id else {}
        response = await self._call("team_info", **arguments)
        return str((response.get("team") or {}).get("name") or "") or None

    async def user_by_email(self, email: str) -> SlackUser | None:
        """The person in this workspace with that email address; None when there is nobody."""
        try:
            response = await self._call("users_lookupByEmail", email=email)
        except SlackCallFailed as failure:
            if failure.error == "users_not_found":
                return None
            raise
        return _user_from(response["user"])

    async def users(self, user_ids: list[str]) -> list[SlackUser]:
        """Look several people up at once; anyone Slack will not describe is left out."""
        gate = asyncio.Semaphore(USER_LOOKUP_CONCURRENCY)

        async def one(user_id: str) -> SlackUser | None:
            async with gate:
                try:
                    return await self.user(user_id)
                except SlackCallFailed:
                    return None

        found = await asyncio.gather(*(one(user_id) for user_id in user_ids))
        return [user for user in found if user is not None]

    async def channel_info(self, channel: str) -> ChannelInfo:
        response = await self._call("conversations_info", channel=channel)
        return _channel_from(response["channel"])

    async def find_channel(self, name: str) -> ChannelInfo | None:
        """The channel called `name` (without #) that the app can see; None if none."""
        cursor: str | None = None
        while True:
            response = await self._call(
                "conversations_list",
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=MEMBER_PAGE,
                cursor=cursor,
            )
            for channel in response.get("channels", []):
                if channel.get("name") == name:
                    return _channel_from(channel)
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    async def channel_members(self, channel: str, *, limit: int = 1000) -> list[str]:
        members: list[str] = []
        cursor: str | None = None
        while len(members) < limit:
            response = await self._call(
                "conversations_members", channel=channel, limit=MEMBER_PAGE, cursor=cursor
            )
            members.extend(response.get("members", []))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return members[:limit]

    async def upload_file(
        self,
        *,
        channel: str,
        content: bytes,
        filename: str,
        title: str,
        alt_txt: str,
        thread_ts: str | None = None,
    ) -> str:
        """Slack's upload flow: reserve an upload URL, send the bytes, share the file; its id."""
        reserved = await self._call(
            "files_getUploadURLExternal", filename=filename, length=len(content), alt_txt=alt_txt
        )
        file_id = str(reserved["file_id"])
        await self._send_upload(str(reserved["upload_url"]), content, filename)
        await self._call(
            "files_completeUploadExternal",
            files=[{"id": file_id, "title": title}],
            channel_id=channel,
            thread_ts=thread_ts,
        )
        return file_id

    async def upload_to_person(
        self, user_id: str, *, content: bytes, filename: str, title: str
    ) -> str:
        """A file in the person's direct messages with the app; its id."""
        return await self.upload_file(
            channel=await self.open_dm(user_id),
            content=content,
            filename=filename,
            title=title,
            alt_txt=title,
        )

    async def _send_upload(self, url: str, content: bytes, filename: str) -> None:
        form = aiohttp.FormData()
        form.add_field("file", content, filename=filename, content_type="application/octet-stream")
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=UPLOAD_TIMEOUT)) as http,
                http.post(url, data=form) as response,
            ):
                if response.status != 200:
                    log.warning("Slack file upload failed: HTTP %s", response.status)
                    raise SlackCallFailed(
                        "upload", f"http_{response.status}", status=response.status
                    )
        except (TimeoutError, aiohttp.ClientError) as error:
            log.warning("Slack file upload failed: %s", type(error).__name__)
            raise SlackCallFailed("upload", type(error).__name__) from None

    async def _call(self, method: str, **kwargs: Any) -> Any:
        arguments = {key: value for key, value in kwargs.items() if value is not None}
        token = current_bot_token()  # the workspace this work is for (OAuth installs)
        if token is not None:
            arguments["token"] = token
        try:
            return await getattr(self.client, method)(**arguments)
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown_error"))
            log.warning("Slack %s failed: %s", method, code)
            raise SlackCallFailed(
                method,
                code,
                status=error.response.status_code,
                retry_after=_retry_after(error.response.headers),
            ) from None
        except aiohttp.ClientConnectorError as error:
            # never connected, so Slack cannot have acted on it
            log.warning("Slack %s failed: %s", method, type(error).__name__)
            raise SlackCallFailed(method, type(error).__name__) from None
        except (TimeoutError, OSError, aiohttp.ClientError) as error:
            log.warning("Slack %s failed: %s", method, type(error).__name__)
            raise SlackCallFailed(method, type(error).__name__, unsure=True) from None


def _retry_after(headers: Any) -> float | None:
    for name, value in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


def _user_from(data: dict[str, Any]) -> SlackUser:
    profile = data.get("profile") or {}
    name = profile.get("display_name") or data.get("real_name") or data.get("name") or data["id"]
    return SlackUser(
        id=str(data["id"]),
        team_id=data.get("team_id"),
        name=str(name),
        tz=str(data.get("tz") or "UTC"),
        is_admin=bool(data.get("is_admin") or data.get("is_owner")),
        is_external=bool(
            data.get("is_stranger") or data.get("is_restricted") or data.get("is_ultra_restricted")
        ),
        is_bot=bool(data.get("is_bot")),
    )


def _channel_from(data: dict[str, Any]) -> ChannelInfo:
    return ChannelInfo(
        id=str(data.get("id", "")),
        name=str(data.get("name", "")),
        is_member=bool(data.get("is_member")),
        is_shared=any(
            bool(data.get(flag)) for flag in ("is_ext_shared", "is_shared", "is_pending_ext_shared")
        ),
    )
