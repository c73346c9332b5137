"""The tables. Every timestamp is UTC; every text a person typed is stored verbatim."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db.types import UTCDateTime, bytewise_string
from questions.bank import VALUE_LIMIT

# The conditions of the partial indexes on answers, written as the queries that use them write
# them (constants inline: with a bound parameter the planner could not use the index). Every
# option value is that short (the bank checks it), and text answers mostly are not: keeping
# those out keeps PostgreSQL's index entries well within their size limit.
HAS_COMMENT = "comment != ''"
HAS_VALUE = "value IS NOT NULL"
IS_CHOICE = f"length(value) <= {VALUE_LIMIT}"

CANCELLED_BY_FEED = "calendar"  # meetings.cancelled_by when the calendar feed cancelled it

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Partnership(Base):
    """One client relationship, anchored to the Slack channel shared with the client.

    One per channel and workspace: on a Slack Connect channel, each workspace that installed
    the app can hold its own partnership."""

    __tablename__ = "partnerships"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    # how summaries name the two sides; None until a check names them
    our_org_name: Mapped[str | None] = mapped_column(String(200))
    client_org_name: Mapped[str | None] = mapped_column(String(200))
    # where our side's summaries and digests go instead of the lead's DM (never shared)
    internal_channel_id: Mapped[str | None] = mapped_column(String(32))
    # the end of the period the lead's last weekly digest covered
    digest_through: Mapped[datetime | None]


class QuestionVersion(Base):
    """The exact wording of one version of a bank question, as it was asked."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    help: Mapped[str] = mapped_column(Text, default="")
    sides: Mapped[list[Any]]
    options: Mapped[list[Any]]
    allow_comment: Mapped[bool] = mapped_column(Boolean, default=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Check(Base):
    """One run of a template with a partnership (the state machine is in bot.domain.check_flow)."""

    __tablename__ = "checks"
    __table_args__ = (
        Index("ix_checks_status_deadline", "status", "deadline_at"),
        # a partnership's checks in time order: history, latest and previous summaries
        Index("ix_checks_partnership_created", "partnership_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(String(60))
    template_name: Mapped[str] = mapped_column(String(200))
    lead_user_id: Mapped[str] = mapped_column(String(32), index=True)
    mode: Mapped[str] = mapped_column(String(8))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    current_position: Mapped[int] = mapped_column(Integer, default=0)
    deadline_at: Mapped[datetime | None]
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    source_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)  # retention reads by it
    closed_by: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[dict[str, Any] | None]
    # asked of our side only (the consultant self-check): run by DM, never in the channel
    ours_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    partnership: Mapped[Partnership] = relationship(lazy="raise")
    questions: Mapped[list[CheckQuestion]] = relationship(
        order_by="CheckQuestion.position", lazy="raise", cascade="all, delete-orphan"
    )
    participants: Mapped[list[Participant]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )


class CheckQuestion(Base):
    """Question n of a check, pinned to the version that was asked."""

    __tablename__ = "check_questions"
    __table_args__ = (UniqueConstraint("check_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    message_ts: Mapped[str | None] = mapped_column(String(32))

    question: Mapped[QuestionVersion] = relationship(lazy="raise")


class Participant(Base):
    """Who takes part on which side; client-side people are named when the check starts."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("check_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)  # a person's partnerships
    side: Mapped[str] = mapped_column(String(8))


class Answer(Base):
    """One person's answer to one question of one check; answering again updates this row."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("check_id", "question_version_id", "user_id"),
        # The three partial indexes below serve the summary, which reads them without
        # visiting the answers themselves. The picked options, by question and side:
        Index(
            "ix_answers_choices",
            "check_id",
            "question_version_id",
            "side",
            "value",
            sqlite_where=sql_text(IS_CHOICE),
            postgresql_where=sql_text(IS_CHOICE),
        ),
        # Who answered, person by person:
        Index(
            "ix_answers_given",
            "check_id",
            "side",
            "user_id",
            "question_version_id",
            sqlite_where=sql_text(HAS_VALUE),
            postgresql_where=sql_text(HAS_VALUE),
        ),
        # The commented answers, in the order a summary lists them:
        Index(
            "ix_answers_comments",
            "check_id",
            "question_version_id",
            "side",
            "user_id",
            sqlite_where=sql_text(HAS_COMMENT),
            postgresql_where=sql_text(HAS_COMMENT),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # looked up by check through the unique constraint's index, which starts with check_id
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    # bytewise, so ix_answers_comments lists the first notes in the summary's order (bytewise)
    user_id: Mapped[str] = mapped_column(bytewise_string(32))
    side: Mapped[str] = mapped_column(bytewise_string(8))
    value: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NextStep(Base):
    """A commitment agreed during a check, carried forward until done."""

    __tablename__ = "next_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    check_id: Mapped[int | None] = mapped_column(ForeignKey("checks.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    owner_user_id: Mapped[str | None] = mapped_column(String(32))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class SeenDelivery(Base):
    """Keys of deliveries already handled, so a retried one has no second effect."""

    __tablename__ = "seen_deliveries"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime]


# ---------------------------------------------------------------- meetings and nudges


class Meeting(Base):
    """A client meeting, logged by hand or read from the partnership's calendar feed."""

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("partnership_id", "external_uid"),
        Index("ix_meetings_partnership_starts", "partnership_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    source: Mapped[str] = mapped_column(String(16), default="manual")
    external_uid: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str | None] = mapped_column(String(32))
    # who cancelled or deleted it: CANCELLED_BY_FEED, or a person's user id
    cancelled_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    attendees: Mapped[list[MeetingAttendee]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )


class MeetingAttendee(Base):
    """One of our people at a meeting: the person a reflection nudge goes to."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))


class Signal(Base):
    """Something worth showing next to the answers, e.g. a meeting the client moved or cancelled."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any] | None]
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]


class CalendarFeed(Base):
    """The iCalendar feed a partnership follows; errors are reported to the lead once."""

    __tablename__ = "calendar_feeds"

    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(32))
    last_polled_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    error_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class PersonSettings(Base):
    """A person's working hours (in their own time zone) and whether they want nudges at all."""

    __tablename__ = "person_settings"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # the workspace they were stored in (where the person used the app or was nudged)
    team_id: Mapped[str | None] = mapped_column(String(32))
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_checked_at: Mapped[datetime | None]
    work_days: Mapped[str] = mapped_column(String(16), default="0,1,2,3,4")
    work_start: Mapped[str] = mapped_column(String(5), default="09:00")
    work_end: Mapped[str] = mapped_column(String(5), default="18:00")
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class ReflectionRequest(Base):
    """One attendee asked to reflect on one meeting: waiting, answered, skipped or cancelled."""

    __tablename__ = "reflection_requests"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ReflectionAnswer(Base):
    """An answer to a reflection question; private to its author unless shared."""

    __tablename__ = "reflection_answers"
    __table_args__ = (UniqueConstraint("request_id", "question_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("reflection_requests.id", ondelete="CASCADE")
    )
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    value: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ScheduledMessage(Base):
    """Every message the app sends on its own is a row: the database says what is due.

    status: pending → claimed → sending → sent, or failed, or cancelled. A row is marked
    sending before the Web API call and is never blindly resent after an unclear failure:
    it goes to unsure (→ checking) until Slack's history of the DM says whether it landed.
    """

    __tablename__ = "scheduled_messages"
    __table_args__ = (Index("ix_scheduled_messages_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any] | None]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    attempted_at: Mapped[datetime | None]  # when the last chat.postMessage for it left
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CheckSchedule(Base):
    """A repeating check for a channel, e.g. the partnership check monthly."""

    __tablename__ = "check_schedules"
    __table_args__ = (UniqueConstraint("partnership_id", "template_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(String(60))
    every: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8), default="async")
    lead_user_id: Mapped[str] = mapped_column(String(32))
    next_due_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


# ---------------------------------------------------------------- people, leads, the bank


class Person(Base):
    """A person's name as Slack gave it (users.info), looked up once, for exports."""

    __tablename__ = "people"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))  # their own workspace
    name: Mapped[str] = mapped_column(String(200))
    resolved_at: Mapped[datetime]


class PracticeLead(Base):
    """Someone who sees every partnership of a workspace without being a Slack admin."""

    __tablename__ = "practice_leads"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime]


class RetiredQuestion(Base):
    """A bank question a workspace no longer asks in new checks; its history stays."""

    __tablename__ = "retired_questions"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    retired_by: Mapped[str] = mapped_column(String(32))
    retired_at: Mapped[datetime]


# ---------------------------------------------------------------- workspaces (OAuth installs)


class InstalledWorkspace(Base):
    """A workspace the app was installed to, and since when it is uninstalled (its data is
    deleted PARTNERCHECK_RETENTION_DAYS later)."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    installed_at: Mapped[datetime]
    uninstalled_at: Mapped[datetime | None] = mapped_column(index=True)


# slack_sdk's installation and OAuth state stores keep their tables in the app's database;
# declared here with the library's own builders so the migration check covers them.
INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, "slack_installations"
)
BOTS = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")


class SlackPace(Base):
    """Per workspace, when the dispatcher's next Slack send may start, whichever copy of the
    app makes it: the shared pace that keeps sends within PARTNERCHECK_SLACK_RATE
    (bot/background/pacing.py)."""

    __tablename__ = "slack_pace"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_at: Mapped[datetime]
