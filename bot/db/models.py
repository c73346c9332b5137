"""The tables. Every timestamp is UTC; every text a person typed is stored verbatim."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db.types import UTCDateTime

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
    """One client relationship, anchored to the Slack channel shared with the client."""

    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


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
    __table_args__ = (Index("ix_checks_status_deadline", "status", "deadline_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(String(60))
    template_name: Mapped[str] = mapped_column(String(200))
    lead_user_id: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(8))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    current_position: Mapped[int] = mapped_column(Integer, default=0)
    deadline_at: Mapped[datetime | None]
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    source_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[dict[str, Any] | None]

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
    user_id: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))


class Answer(Base):
    """One person's answer to one question of one check; answering again updates this row."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("check_id", "question_version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
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
