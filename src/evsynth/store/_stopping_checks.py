"""Stopping checks: a reviewer screens the records left to them in random order, so that the
recall test of Callaghan & Müller-Hansen (:func:`evsynth.screening.recall_test`) has a
random sample to test.

A check belongs to one reviewer and one stage. It starts after the reviewer's ``n``-th own
vote at the stage (the sample begins there) and runs until it is ended; a later check is a
new one, with its own id and so its own random order. A check's row is inserted when it
starts and only its end time is ever written after that (database triggers refuse anything
else), so the history of checks stays as it happened.

A reviewer's own vote labels are read on every step of a check, and late in a large review
they are many (about 40 ms for 18,000 votes when read from the database): they come from the
review's decision log (:mod:`._decision_log`), kept in memory and brought up to date from the
events appended since.

The methods here are part of :class:`evsynth.store.Store` (mixed in); they use its
``_transaction``, ``_review``, ``_user``, ``_check_member``, ``_lock_decisions``, ``_last_number``,
``_decision_log`` and ``_clock``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from evsynth.store._errors import StoreError
from evsynth.store._models import (
    ReviewRow,
    StoppingCheckRow,
    UserRow,
)
from evsynth.store._names import check_stage
from evsynth.store._workflow import _writers_of

__all__ = ["StoppingCheck", "StoppingChecksMixin"]


@dataclass(frozen=True)
class StoppingCheck:
    """A reviewer's stopping check at a stage.

    Attributes
    ----------
    id : int
        The check's number in the store (it seeds the check's random order).
    review, username, stage : str
        Whose check, where.
    started_after_votes : int
        The reviewer's own votes at the stage when the check started: the random sample
        is their votes from there on.
    started_at : datetime
        When it started (UTC).
    ended_at : datetime or None
        When it ended; None while it runs.
    """

    id: int
    review: str
    username: str
    stage: str
    started_after_votes: int
    started_at: datetime
    ended_at: datetime | None

    @property
    def running(self) -> bool:
        """Whether the check has not ended."""
        return self.ended_at is None


def _check(row: StoppingCheckRow, review: str, username: str) -> StoppingCheck:
    return StoppingCheck(
        id=row.id,
        review=review,
        username=username,
        stage=row.stage,
        started_after_votes=row.started_after_votes,
        started_at=row.started_at,
        ended_at=row.ended_at,
    )


class StoppingChecksMixin:
    """Stopping checks on the store (part of :class:`Store`)."""

    def start_stopping_check(self, review: str, username: str, stage: str) -> StoppingCheck:
        """Start ``username``'s stopping check at ``stage``: from now on the records left to
        them are screened in random order, and the check's sample begins after their votes
        so far (counted under the review's decision lock, so no vote of theirs is recorded
        in between).

        Raises
        ------
        StoreError
            Unknown review, user or stage, not a member, or a check of theirs is already
            running at the stage (end it first).

        Examples
        --------
        >>> import tempfile
        >>> from evsynth.store import open_store
        >>> with open_store(directory=tempfile.mkdtemp()) as store:
        ...     store.add_review("pain")
        ...     store.add_user("ana"); store.add_member("pain", "ana", "reviewer")
        ...     started = store.start_stopping_check("pain", "ana", "title_abstract")
        ...     running = store.stopping_check("pain", "ana", "title_abstract")
        ...     ended = store.end_stopping_check("pain", "ana", "title_abstract")
        ...     after = store.stopping_check("pain", "ana", "title_abstract")
        >>> started.started_after_votes, running == started, ended.running, after
        (0, True, False, None)
        """
        stage = check_stage(stage)
        with (
            _writers_of(self._engine),
            self._transaction(f"starting a stopping check in {review!r}") as session,
        ):
            review_row = self._lock_decisions(session, review)
            user = self._user(session, username)
            self._check_member(session, review_row, user)
            if self._running_check(session, review_row, user, stage) is not None:
                raise StoreError(
                    f"{username!r} already has a stopping check running at {stage} in "
                    f"{review!r}: end it before starting another"
                )
            log = self._decision_log(session, review_row)  # every vote: the lock is held
            votes = len(log.own_vote_labels(user.username, stage))
            row = StoppingCheckRow(
                review_id=review_row.id,
                user_id=user.id,
                stage=stage,
                started_after_votes=votes,
                started_at=self._clock(),
            )
            session.add(row)
            session.flush()
            return _check(row, review, user.username)

    def end_stopping_check(self, review: str, username: str, stage: str) -> StoppingCheck:
        """End ``username``'s running stopping check at ``stage`` (they go back to the ranked
        queue); the ended check stays in the store.

        Raises
        ------
        StoreError
            Unknown review, user or stage, not a member, or no check of theirs is running
            at the stage.
        """
        stage = check_stage(stage)
        with self._transaction(f"ending a stopping check in {review!r}") as session:
            review_row, user = self._review(session, review), self._user(session, username)
            self._check_member(session, review_row, user)
            row = self._running_check(session, review_row, user, stage, lock=True)
            if row is None:
                raise StoreError(
                    f"{username!r} has no stopping check running at {stage} in {review!r}"
                )
            row.ended_at = self._clock()
            session.flush()
            return _check(row, review, user.username)

    def stopping_check(self, review: str, username: str, stage: str) -> StoppingCheck | None:
        """``username``'s running stopping check at ``stage``, or None when none is running.

        Raises
        ------
        StoreError
            Unknown review, user or stage, or not a member.
        """
        stage = check_stage(stage)
        with self._transaction(f"reading the stopping checks of {review!r}") as session:
            review_row, user = self._review(session, review), self._user(session, username)
            self._check_member(session, review_row, user)
            row = self._running_check(session, review_row, user, stage)
            return None if row is None else _check(row, review, user.username)

    def own_vote_labels(self, review: str, username: str, stage: str) -> tuple[int, ...]:
        """``username``'s own votes at ``stage`` as stopping-rule labels, in the order they
        were cast: 1 for include and maybe, 0 for exclude and not retrieved. Nobody else's
        decisions, resolutions included, are read.

        Raises
        ------
        StoreError
            Unknown review, user or stage, or not a member.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from evsynth.store import open_store
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> ris = "TY  - JOUR\\nTI  - A trial\\nER  - \\n"
        >>> _ = (folder / "a.ris").write_text(ris + ris.replace("A trial", "B trial"))
        >>> with open_store(directory=folder) as store:
        ...     _ = store.import_records("pain", "Embase", [folder / "a.ris"])
        ...     store.add_user("ana"); store.add_member("pain", "ana", "reviewer")
        ...     _ = store.screen_vote("pain", "r000002", "ana", "title_abstract", "maybe")
        ...     _ = store.screen_vote("pain", "r000001", "ana", "title_abstract", "exclude")
        ...     store.own_vote_labels("pain", "ana", "title_abstract")
        (1, 0)
        """
        stage = check_stage(stage)
        with self._transaction(f"reading the votes of {review!r}") as session:
            review_row, user = self._review(session, review), self._user(session, username)
            self._check_member(session, review_row, user)
            log = self._decision_log(session, review_row)
            return log.own_vote_labels(user.username, stage)

    def record_count(self, review: str) -> int:
        """How many records the review holds, duplicates included: its record ids are
        ``r000001`` up to this number (records are numbered from 1 in import order). One
        indexed query; what a stopping check's random order ranges over.

        Raises
        ------
        StoreError
            Unknown review.
        """
        with self._transaction(f"counting the records of {review!r}") as session:
            return self._last_number(session, self._review(session, review))

    # --- queries --------------------------------------------------------------------------

    @staticmethod
    def _running_check(
        session: Session, review: ReviewRow, user: UserRow, stage: str, *, lock: bool = False
    ) -> StoppingCheckRow | None:
        query = select(StoppingCheckRow).where(
            StoppingCheckRow.review_id == review.id,
            StoppingCheckRow.user_id == user.id,
            StoppingCheckRow.stage == stage,
            StoppingCheckRow.ended_at.is_(None),
        )
        return session.scalars(query.with_for_update() if lock else query).one_or_none()
