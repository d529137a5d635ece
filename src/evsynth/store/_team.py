"""A review's team and workbench data: members and roles, settings (votes required, exclusion
reasons), full-text attachments and report-to-study links.

The methods here are part of :class:`evsynth.store.Store` (mixed in); they use its
``_transaction``, ``_review``, ``_user``, ``_record_pks`` and ``_clock``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from evsynth.store._errors import StoreError
from evsynth.store._models import (
    ROLES,
    AttachmentRow,
    DecisionRow,
    MemberRow,
    RecordRow,
    ReviewRow,
    StudyLinkRow,
    UserRow,
)
from evsynth.store._names import check_name, stored_record_id

__all__ = [
    "DEFAULT_EXCLUSION_REASONS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_VOTES_REQUIRED",
    "Member",
    "ReviewSettings",
    "Attachment",
    "StudyLink",
    "TeamMixin",
]

DEFAULT_EXCLUSION_REASONS = (
    "Wrong population",
    "Wrong intervention",
    "Wrong comparator",
    "Wrong outcomes",
    "Wrong study design",
)
MAX_VOTES_REQUIRED = 10
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
PDF_CONTENT_TYPE = "application/pdf"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def role_select(review: str, username: str):
    """The SELECT of a user's role in a review (no row when they are not a member)."""
    return (
        select(MemberRow.role)
        .join(ReviewRow, ReviewRow.id == MemberRow.review_id)
        .join(UserRow, UserRow.id == MemberRow.user_id)
        .where(ReviewRow.name == review, UserRow.username == username)
    )


@dataclass(frozen=True)
class Member:
    """A user's role in a review."""

    username: str
    role: str
    added_at: datetime


@dataclass(frozen=True)
class ReviewSettings:
    """How a review screens: independent decisions needed per record and stage, and the
    exclusion reasons offered at full text (in order)."""

    votes_required: int
    exclusion_reasons: tuple[str, ...]


@dataclass(frozen=True)
class Attachment:
    """A stored full-text file of a record (its bytes come from :meth:`Store.attachment`)."""

    id: int
    review: str
    record_id: str
    filename: str
    content_type: str
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True)
class StudyLink:
    """A report (record) linked to a study; a study has one or more reports."""

    review: str
    record_id: str
    study_id: str
    linked_by: str
    linked_at: datetime


def _settings(row: ReviewRow) -> ReviewSettings:
    reasons = row.exclusion_reasons
    return ReviewSettings(
        row.votes_required, tuple(reasons) if reasons is not None else DEFAULT_EXCLUSION_REASONS
    )


def _check_reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise StoreError(f"an exclusion reason must be a non-empty string; got {value!r}")
    value = " ".join(value.split())
    if len(value) > 200:
        raise StoreError(f"an exclusion reason is longer than 200 characters: {value[:40]}...")
    return value


def _check_reasons(values: object) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise StoreError("exclusion_reasons must be a sequence of strings")
    reasons = [_check_reason(value) for value in values]
    if not reasons:
        raise StoreError("a review needs at least one exclusion reason")
    seen: set[str] = set()
    for reason in reasons:
        if reason.casefold() in seen:
            raise StoreError(f"the exclusion reason {reason!r} is given twice")
        seen.add(reason.casefold())
    return reasons


def _check_votes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StoreError(f"votes_required must be a whole number; got {value!r}")
    if not 1 <= value <= MAX_VOTES_REQUIRED:
        raise StoreError(f"votes_required must be between 1 and {MAX_VOTES_REQUIRED}; got {value}")
    return value


def _check_filename(value: object) -> str:
    if not isinstance(value, str):
        raise StoreError(f"the file name must be a string; got {type(value).__name__}")
    name = re.split(r"[\\/]", value)[-1].strip()  # no folders, from any system
    if not name or name in (".", "..") or _CONTROL.search(name):
        raise StoreError(f"not a usable file name: {value!r}")
    if len(name) > 255:
        raise StoreError(f"the file name is longer than 255 characters: {name[:40]}...")
    return name


def _check_pdf(content: object) -> bytes:
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise StoreError(f"the PDF must be bytes; got {type(content).__name__}")
    content = bytes(content)
    if len(content) > MAX_ATTACHMENT_BYTES:
        limit = MAX_ATTACHMENT_BYTES // (1024 * 1024)
        raise StoreError(f"the PDF is larger than {limit} MiB ({len(content)} bytes)")
    if not content.startswith(b"%PDF-"):
        raise StoreError("not a PDF file (it does not start with %PDF-)")
    return content


class TeamMixin:
    """Review members, settings, attachments and study links (part of :class:`Store`)."""

    # --- reviews, members and roles -----------------------------------------------------

    def add_review(self, name: str) -> None:
        """Create an empty review (importing records creates one too).

        Raises
        ------
        StoreError
            A review with this name exists already.
        """
        name = check_name(name, "review", 200)
        with self._transaction(f"adding review {name!r}") as session:
            if session.scalar(select(ReviewRow.id).where(ReviewRow.name == name)) is not None:
                raise StoreError(f"a review named {name!r} exists already")
            session.add(ReviewRow(name=name))

    def add_member(self, review: str, username: str, role: str) -> None:
        """Give a user a role in a review: ``"lead"``, ``"resolver"`` (a designated resolver,
        who resolves conflicts on records they did not vote on and otherwise screens as a
        reviewer) or ``"reviewer"``."""
        if role not in ROLES:
            raise StoreError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
        with self._transaction(f"adding {username!r} to {review!r}") as session:
            review_row, user = self._review(session, review), self._user(session, username)
            member = session.get(MemberRow, (review_row.id, user.id))
            if member is not None:
                raise StoreError(f"{username!r} is already a {member.role} of {review!r}")
            session.add(MemberRow(review_id=review_row.id, user_id=user.id, role=role))

    def members(self, review: str) -> tuple[Member, ...]:
        """The review's members: leads first, then resolvers, then reviewers, each by
        username."""
        with self._transaction(f"reading the members of {review!r}") as session:
            review_row = self._review(session, review)
            rows = session.execute(
                select(UserRow.username, MemberRow.role, MemberRow.created_at)
                .join(UserRow, UserRow.id == MemberRow.user_id)
                .where(MemberRow.review_id == review_row.id)
            ).all()
        rows = sorted(rows, key=lambda row: (ROLES.index(row.role), row.username))
        return tuple(Member(*row) for row in rows)

    def role_of(self, review: str, username: str) -> str | None:
        """The user's role in the review (one of :data:`ROLES`), or None when they are
        not a member, or the user or review does not exist (an access check: it never
        raises for unknown names)."""
        if not isinstance(review, str) or not isinstance(username, str):
            return None
        with self._transaction("reading a role") as session:
            return session.scalar(role_select(review, username))

    def reviews_of(self, username: str) -> dict[str, str]:
        """The reviews a user belongs to, by name (sorted), with their role in each."""
        with self._transaction(f"reading the reviews of {username!r}") as session:
            user = self._user(session, username)
            rows = session.execute(
                select(ReviewRow.name, MemberRow.role)
                .join(MemberRow, MemberRow.review_id == ReviewRow.id)
                .where(MemberRow.user_id == user.id)
                .order_by(ReviewRow.name)
            ).all()
            return {name: role for name, role in rows}

    # --- settings -----------------------------------------------------------------------

    def review_settings(self, review: str) -> ReviewSettings:
        """The review's votes required (default 2) and exclusion reasons (default: the PICOS
        ones, :data:`DEFAULT_EXCLUSION_REASONS`)."""
        with self._transaction(f"reading the settings of {review!r}") as session:
            return _settings(self._review(session, review))

    def configure_review(
        self,
        review: str,
        *,
        votes_required: int | None = None,
        exclusion_reasons: Sequence[str] | None = None,
    ) -> ReviewSettings:
        """Change how the review screens (arguments left None stay as they are).

        Parameters
        ----------
        votes_required : int, optional
            Independent decisions each record needs per stage, 1 to 10. It cannot change
            once the review has a vote: every state, conflict and agreement so far was
            derived with the number in force, and decision events are never rewritten.
        exclusion_reasons : sequence of str, optional
            The full list, in the order offered (PICOS reasons and custom ones); at least
            one, no duplicates (ignoring case).

        Returns
        -------
        ReviewSettings
            The settings now.

        Raises
        ------
        StoreError
            An invalid value, an unknown review, or a new ``votes_required`` for a review
            that has votes already (nothing is changed).

        Examples
        --------
        >>> import tempfile
        >>> from evsynth.store import open_store
        >>> with open_store(directory=tempfile.mkdtemp()) as store:
        ...     store.add_review("pain")
        ...     _ = store.configure_review("pain", votes_required=3)
        ...     reasons = store.add_exclusion_reason("pain", "Conference abstract")
        ...     store.review_settings("pain").votes_required, reasons[-2:]
        (3, ('Wrong study design', 'Conference abstract'))
        """
        votes = None if votes_required is None else _check_votes(votes_required)
        reasons = None if exclusion_reasons is None else _check_reasons(exclusion_reasons)
        with self._transaction(f"configuring {review!r}") as session:
            if votes is None:
                row = self._review(session, review, lock=True)
            else:
                # the decision lock: no vote can be recorded between the check and the change
                row = self._lock_decisions(session, review)
                if votes != row.votes_required:
                    self._check_no_votes(session, row, votes)
                row.votes_required = votes
            if reasons is not None:
                row.exclusion_reasons = reasons
            session.flush()
            return _settings(row)

    def add_exclusion_reason(self, review: str, reason: str) -> tuple[str, ...]:
        """Add a custom exclusion reason at the end of the review's list; returns the list."""
        reason = _check_reason(reason)
        with self._transaction(f"adding an exclusion reason to {review!r}") as session:
            row = self._review(session, review, lock=True)
            reasons = list(_settings(row).exclusion_reasons)
            if reason.casefold() in {known.casefold() for known in reasons}:
                raise StoreError(f"{review!r} has the exclusion reason {reason!r} already")
            row.exclusion_reasons = [*reasons, reason]
            session.flush()
            return tuple(row.exclusion_reasons)

    # --- full texts ---------------------------------------------------------------------

    def attach_pdf(
        self, review: str, record: str, filename: str, content: bytes, *, by: str
    ) -> Attachment:
        """Store a record's full-text PDF in the database (a record may have several; the
        newest is its current one).

        Parameters
        ----------
        review, record : str
            The review and the record id (``r000123``).
        filename : str
            The uploaded file's name (folders are dropped).
        content : bytes
            The PDF (it must start with ``%PDF-``; at most 50 MiB).
        by : str
            The member who uploads it.
        """
        filename, content = _check_filename(filename), _check_pdf(content)
        now = self._clock()
        with self._transaction(f"attaching a PDF in {review!r}") as session:
            review_row, user = self._review(session, review), self._user(session, by)
            self._check_member(session, review_row, user)
            (pk,) = self._record_pks(session, review_row, [record])
            row = AttachmentRow(
                review_id=review_row.id,
                record_id=pk,
                filename=filename,
                content_type=PDF_CONTENT_TYPE,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
                content=content,
                uploaded_by_id=user.id,
                uploaded_at=now,
            )
            session.add(row)
            session.flush()
            return _attachment(row, review, record, user.username)

    def attachments(self, review: str, record: str | None = None) -> tuple[Attachment, ...]:
        """The review's attachments (or one record's), oldest first, without their bytes."""
        with self._transaction(f"listing the attachments of {review!r}") as session:
            review_row = self._review(session, review)
            query = (
                select(AttachmentRow, RecordRow.number, UserRow.username)
                .join(RecordRow, RecordRow.id == AttachmentRow.record_id)
                .join(UserRow, UserRow.id == AttachmentRow.uploaded_by_id)
                .where(AttachmentRow.review_id == review_row.id)
                .options(defer(AttachmentRow.content))
                .order_by(AttachmentRow.id)
            )
            if record is not None:
                (pk,) = self._record_pks(session, review_row, [record])
                query = query.where(AttachmentRow.record_id == pk)
            rows = session.execute(query).all()
            return tuple(
                _attachment(row, review, stored_record_id(number), username)
                for row, number, username in rows
            )

    def attachment(self, review: str, record: str) -> tuple[Attachment, bytes] | None:
        """A record's current (newest) full text and its bytes; None when it has none."""
        with self._transaction(f"reading an attachment of {review!r}") as session:
            review_row = self._review(session, review)
            (pk,) = self._record_pks(session, review_row, [record])
            found = session.execute(
                select(AttachmentRow, UserRow.username)
                .join(UserRow, UserRow.id == AttachmentRow.uploaded_by_id)
                .where(AttachmentRow.record_id == pk)
                .order_by(AttachmentRow.id.desc())
                .limit(1)
            ).one_or_none()
            if found is None:
                return None
            row, username = found
            return _attachment(row, review, record, username), bytes(row.content)

    # --- reports and studies ------------------------------------------------------------

    def link_report(self, review: str, record: str, study_id: str, by: str) -> StudyLink:
        """Link a report (record) to a study, as a lead groups included reports into studies;
        linking a record again moves it (the earlier link stays as history).

        Parameters
        ----------
        review, record : str
        study_id : str
            The study's id as in ``studies.csv`` (e.g. ``"Smith 2019"``).
        by : str
            A lead of the review.
        """
        study_id = check_name(study_id, "study", 100)
        now = self._clock()
        with self._transaction(f"linking a report to a study in {review!r}") as session:
            review_row, user = self._review(session, review), self._user(session, by)
            role = self._check_member(session, review_row, user)
            if role != "lead":
                raise StoreError(
                    f"only a lead of {review!r} links reports to studies; {by!r} is a {role}"
                )
            (pk,) = self._record_pks(session, review_row, [record])
            session.add(
                StudyLinkRow(
                    review_id=review_row.id,
                    record_id=pk,
                    study_id=study_id,
                    linked_by_id=user.id,
                    linked_at=now,
                )
            )
            return StudyLink(review, record, study_id, user.username, now)

    def study_links(self, review: str) -> tuple[StudyLink, ...]:
        """The review's current report-to-study links, by study id, then record id."""
        with self._transaction(f"reading the study links of {review!r}") as session:
            review_row = self._review(session, review)
            newest = (
                select(func.max(StudyLinkRow.id))
                .where(StudyLinkRow.review_id == review_row.id)
                .group_by(StudyLinkRow.record_id)
            )
            rows = session.execute(
                select(StudyLinkRow, RecordRow.number, UserRow.username)
                .join(RecordRow, RecordRow.id == StudyLinkRow.record_id)
                .join(UserRow, UserRow.id == StudyLinkRow.linked_by_id)
                .where(StudyLinkRow.id.in_(newest))
                .order_by(StudyLinkRow.study_id, RecordRow.number)
            ).all()
            return tuple(
                StudyLink(review, stored_record_id(number), row.study_id, username, row.linked_at)
                for row, number, username in rows
            )

    def _check_no_votes(self, session, review: ReviewRow, votes: int) -> None:
        n_votes = session.scalar(
            select(func.count())
            .select_from(DecisionRow)
            .where(DecisionRow.review_id == review.id, DecisionRow.kind == "vote")
        )
        if n_votes:
            raise StoreError(
                f"votes_required of {review.name!r} cannot change from "
                f"{review.votes_required} to {votes}: the review has {n_votes} "
                f"vote{'s' if n_votes != 1 else ''} already, and every record's state "
                "(agreed, conflict, resolved) and the agreement so far were derived with "
                f"{review.votes_required}; decision events are never rewritten"
            )

    def _member_of(self, session, review: str, username: str) -> tuple[ReviewRow, UserRow, str]:
        """The review, the user and their role, read in one query; refused as
        :meth:`_review`, :meth:`_user` and :meth:`_check_member` refuse."""
        found = session.execute(
            select(ReviewRow, UserRow, MemberRow.role)
            .join(MemberRow, MemberRow.review_id == ReviewRow.id)
            .join(UserRow, UserRow.id == MemberRow.user_id)
            .where(ReviewRow.name == review, UserRow.username == username)
        ).one_or_none()
        if found is None:
            review_row, user = self._review(session, review), self._user(session, username)
            self._check_member(session, review_row, user)  # raises, naming them
        return tuple(found)  # type: ignore[return-value]

    def _check_member(self, session, review: ReviewRow, user: UserRow) -> str:
        member = session.get(MemberRow, (review.id, user.id))
        if member is None:
            raise StoreError(f"{user.username!r} is not a member of review {review.name!r}")
        return member.role


def _attachment(row: AttachmentRow, review: str, record: str, username: str) -> Attachment:
    return Attachment(
        id=row.id,
        review=review,
        record_id=record,
        filename=row.filename,
        content_type=row.content_type,
        sha256=row.sha256,
        size=row.size,
        uploaded_by=username,
        uploaded_at=row.uploaded_at,
    )
