"""SQLAlchemy models of the workflow store.

Every table belongs to one review (directly or through its parent row). Nothing is deleted:
a deduplication run adds its groups and queue under a new run, earlier runs stay as history,
and screening decisions are append-only events.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from evsynth.store._errors import StoreError

__all__ = [
    "Base",
    "ReviewRow",
    "SourceRow",
    "UserRow",
    "MemberRow",
    "ImportRow",
    "ImportFileRow",
    "RecordRow",
    "DedupRunRow",
    "GroupRow",
    "GroupMemberRow",
    "QueuePairRow",
    "DecisionRow",
    "LoginAttemptRow",
    "SessionRow",
    "AttachmentRow",
    "StudyLinkRow",
    "StoppingCheckRow",
    "ROLES",
    "ORIGINS",
    "KINDS",
    "utcnow",
]

#: A member's role in a review: the lead, a designated resolver (resolves conflicts on records
#: they did not vote on; screens like a reviewer otherwise), or a reviewer.
ROLES = ("lead", "resolver", "reviewer")
ORIGINS = ("automatic", "person")
KINDS = ("vote", "resolution")

# Deterministic constraint names, so that later migrations (SQLite batch mode included) can
# refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("timestamps must be timezone-aware")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _created() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class ReviewRow(Base):
    """A review: the unit that owns sources, records, groups, members and decisions.

    ``votes_required``: independent decisions each record needs per stage;
    ``exclusion_reasons``: the ordered list offered at full text (None: the PICOS defaults).
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = _created()
    votes_required: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    exclusion_reasons: Mapped[list | None] = mapped_column(JSON)


class SourceRow(Base):
    """A bibliographic database searched for a review (e.g. "MEDLINE (Ovid)")."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("review_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created()


class UserRow(Base):
    """A person who logs in to the workbench (``password_hash``: argon2id; None: cannot log in)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = _created()


class MemberRow(Base):
    """A user's role in one review."""

    __tablename__ = "review_members"
    __table_args__ = (CheckConstraint("role IN ('lead', 'resolver', 'reviewer')", name="role"),)

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = _created()


class ImportRow(Base):
    """One import call: who ran it and when; its files are :class:`ImportFileRow`."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    imported_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = _created()


class ImportFileRow(Base):
    """One file of an import, with its SHA-256 (to refuse importing the same file twice)."""

    __tablename__ = "import_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    n_records: Mapped[int] = mapped_column(Integer)


class RecordRow(Base):
    """A bibliographic record: the normalised fields of ``evsynth.records.Record`` and its raw
    fields; ``number`` counts within the review and gives the stable id (``r000001``)."""

    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("review_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    number: Mapped[int] = mapped_column(Integer)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    import_file_id: Mapped[int] = mapped_column(ForeignKey("import_files.id"), index=True)
    source_file: Mapped[str] = mapped_column(Text)
    record_index: Mapped[int] = mapped_column(Integer)
    line: Mapped[int] = mapped_column(Integer)
    raw: Mapped[dict] = mapped_column(JSON)
    title: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list] = mapped_column(JSON)
    year: Mapped[int | None] = mapped_column(Integer)
    journal: Mapped[str | None] = mapped_column(Text)
    volume: Mapped[str | None] = mapped_column(Text)
    issue: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(Text)
    pmid: Mapped[str | None] = mapped_column(Text)
    issn: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(Text)


class DedupRunRow(Base):
    """One automatic deduplication run; the review's latest run holds its current groups."""

    __tablename__ = "dedup_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    n_records: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = _created()


class GroupRow(Base):
    """A duplicate group, made by a run (``automatic``) or by a person (``person``)."""

    __tablename__ = "duplicate_groups"
    __table_args__ = (
        CheckConstraint("origin IN ('automatic', 'person')", name="origin"),
        CheckConstraint(
            "(origin = 'automatic' AND run_id IS NOT NULL) "
            "OR (origin = 'person' AND run_id IS NULL)",
            name="run_for_automatic",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("dedup_runs.id"), index=True)
    origin: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()


class GroupMemberRow(Base):
    """A record in a duplicate group; ``position`` 0 is the primary (the record kept)."""

    __tablename__ = "duplicate_group_members"
    __table_args__ = (
        CheckConstraint(
            "(is_primary AND position = 0) OR (NOT is_primary AND position > 0)",
            name="primary_first",
        ),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("duplicate_groups.id"), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    is_primary: Mapped[bool] = mapped_column(Boolean)


class QueuePairRow(Base):
    """An uncertain pair from a run, for a person to decide (scores as in ``ReviewPair``)."""

    __tablename__ = "review_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dedup_runs.id"), index=True)
    first_record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    second_record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
    title: Mapped[float] = mapped_column(Float)
    authors: Mapped[float] = mapped_column(Float)
    journal: Mapped[float] = mapped_column(Float)
    year_match: Mapped[int] = mapped_column(Integer)
    pages_match: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)


class DecisionRow(Base):
    """A screening decision: an append-only event (database triggers refuse UPDATE/DELETE).

    ``kind`` is ``vote`` (a reviewer's independent decision) or ``resolution`` (settling a
    conflict).
    """

    __tablename__ = "decision_events"
    __table_args__ = (
        Index("ix_decision_events_review_id_stage_record_id", "review_id", "stage", "record_id"),
        Index("ix_decision_events_review_id_stage_id", "review_id", "stage", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stage: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20), default="vote", server_default="vote")
    decision: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class LoginAttemptRow(Base):
    """One login attempt (refused rate-limited attempts are not recorded)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_attempted_at", "username", "attempted_at"),
        Index("ix_login_attempts_client_attempted_at", "client", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(100))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    success: Mapped[bool] = mapped_column(Boolean)


class SessionRow(Base):
    """A login session: only the SHA-256 of its token is stored; the CSRF token is per session."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AttachmentRow(Base):
    """A full-text file (PDF) of a record, its bytes in the database."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StudyLinkRow(Base):
    """A report (record) linked to a study; a record's newest link is its current one."""

    __tablename__ = "study_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    study_id: Mapped[str] = mapped_column(String(100))
    linked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StoppingCheckRow(Base):
    """A reviewer's stopping check at a stage: from its start they screen in random order.

    Append-only but for its end: a row is inserted when the check starts and its
    ``ended_at`` is set once when it ends (database triggers refuse any other UPDATE, and
    every DELETE). At most one check per reviewer and stage is running (``ended_at`` NULL),
    by a partial unique index. ``started_after_votes``: the reviewer's own votes at the
    stage when it started (where the random sample begins).
    """

    __tablename__ = "stopping_checks"
    __table_args__ = (
        CheckConstraint("stage IN ('title_abstract', 'full_text')", name="stage"),
        CheckConstraint("started_after_votes >= 0", name="started_after_votes"),
        Index(
            "uq_stopping_checks_running",
            "review_id",
            "user_id",
            "stage",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stage: Mapped[str] = mapped_column(String(30))
    started_after_votes: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@event.listens_for(StoppingCheckRow, "before_delete")
def _refuse_check_deletion(mapper, connection, target) -> None:
    raise StoreError("stopping checks are append-only: a check is ended, never deleted")


@event.listens_for(DecisionRow, "before_update")
@event.listens_for(DecisionRow, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise StoreError("decision events are append-only: they cannot be changed or deleted")
