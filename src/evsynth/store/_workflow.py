"""The screening workflow on the store: votes and resolutions checked against the screening
rules and appended in one locked transaction, the states derived from the stored events, the
next record to screen, agreement, PRISMA counts, and the decisions and studies as CSV files.

The methods here are part of :class:`evsynth.store.Store` (mixed in); they use its
``_transaction``, ``_review``, ``_user``, ``_record_pks``, ``_current_groups``,
``_check_member`` and ``_clock``. The rules themselves are :mod:`evsynth.screening`'s:
this module only reads and writes.

Which records are screened: the primary record of each current duplicate group and every
record in no group. A decision on another member of a group is refused (the decision on
the primary is the group's decision).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import case, exists, func, select, true
from sqlalchemy.orm import Session

from evsynth.records import DedupResult, Identification, Record
from evsynth.review import SCREENING_DECISIONS, PrismaCounts, PrismaError, SearchSource
from evsynth.screening import (
    EVENT_KINDS,
    STAGES,
    VOTE_DECISIONS,
    Agreement,
    Progress,
    ScreeningError,
    ScreeningEvent,
    ScreeningStates,
    StageProgress,
    StageState,
    agreement,
    check_new_event,
    derive_states,
    prisma_counts,
    progress_for,
    resolved_decision_rows,
)
from evsynth.store._decision_log import DecisionLog
from evsynth.store._errors import StoreError
from evsynth.store._models import (
    DecisionRow,
    GroupMemberRow,
    GroupRow,
    MemberRow,
    RecordRow,
    ReviewRow,
    SourceRow,
    UserRow,
)
from evsynth.store._names import check_stage, stored_record_id

if TYPE_CHECKING:
    from evsynth.store._store import DecisionEvent

__all__ = [
    "DECISIONS_CSV_FIELDS",
    "SPREAD_BLOCK",
    "STUDIES_CSV_FIELDS",
    "ScreeningStep",
    "WorkflowMixin",
]

#: The columns of :meth:`Store.export_decisions_csv` (and of the file it imports), in order.
DECISIONS_CSV_FIELDS = ("at", "username", "record", "stage", "kind", "decision", "reason", "note")
#: The columns of :meth:`Store.export_studies_csv`.
STUDIES_CSV_FIELDS = ("study_id", "label", "report_ids")
_REQUIRED_COLUMNS = ("at", "username", "record", "stage", "kind", "decision")
_SHOWN_ERRORS = 10
#: With ``spread``, :meth:`Store.next_record` starts a reviewer at a multiple of this many
#: records (reviews of at most this many records are screened from the first record).
SPREAD_BLOCK = 500
_BATCH = 200
_WRITERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


def _role_in_rules(role: str) -> str:
    """The store's role as the screening rules name it (the names are the same)."""
    return role


@dataclass(frozen=True)
class ScreeningStep:
    """One screening step (:meth:`Store.screening_step`): the record to show, or None when
    the user has none left at the stage, its state, and the user's own progress."""

    stage: str
    record_id: str | None
    record: Record | None
    state: StageState | None
    progress: StageProgress


@dataclass(frozen=True)
class RecordedDecision:
    """A decision just recorded (:meth:`Store.screen_vote`, :meth:`Store.resolve`): the
    stored event and the record's state at the stage right after it, read in the same
    transaction."""

    event: DecisionEvent
    state: StageState


class WorkflowMixin:
    """Screening on the store (part of :class:`Store`)."""

    # --- reading --------------------------------------------------------------------------

    def screened_records(self, review: str) -> tuple[str, ...]:
        """The records to screen, in record order: the primary record of each current
        duplicate group and every record in no group."""
        with self._transaction(f"reading the records of {review!r}") as session:
            review_row = self._review(session, review)
            return tuple(stored_record_id(n) for _, n in self._screened(session, review_row))

    def screening_states(self, review: str) -> ScreeningStates:
        """The state of every record and stage with decisions, derived from the stored events
        with the review's votes required (:func:`evsynth.screening.derive_states`).

        Raises
        ------
        StoreError
            The review does not exist, or its stored events break the screening rules (as
            events written around :meth:`screen_vote` and :meth:`resolve` could).

        Examples
        --------
        >>> import tempfile
        >>> from evsynth.store import open_store
        >>> with open_store(directory=tempfile.mkdtemp()) as store:
        ...     store.add_review("pain")
        ...     len(store.screening_states("pain")), store.screening_states("pain").required
        (0, 2)
        """
        with self._transaction(f"reading the decisions of {review!r}") as session:
            review_row = self._review(session, review)
            events = self._events(session, review_row)
            required = review_row.votes_required
        return _derive(review, events, required)

    def record_state(self, review: str, record: str, stage: str) -> StageState:
        """The state of one record at one stage, from that record's events only (cheap)."""
        check_stage(stage)
        with self._transaction(f"reading the decisions of {review!r}") as session:
            review_row = self._review(session, review)
            (pk,) = self._record_pks(session, review_row, [record])
            events = self._events(session, review_row, record_pk=pk)
            required = review_row.votes_required
        return _derive(review, events, required).state(record, stage)  # type: ignore[arg-type]

    def next_record(
        self,
        review: str,
        username: str,
        stage: str,
        *,
        order: Callable[[Sequence[str]], Iterable[str]] | Sequence[str] | None = None,
        spread: bool = False,
    ) -> str | None:
        """The next record ``username`` may vote on at ``stage``, or None when there is none.

        A record qualifies when it is screened (not a duplicate), available at the stage
        (at full text: included at title/abstract), still open, and the reviewer has not
        voted on it: exactly the records whose view says ``can_vote``. So the answer tells
        the reviewer nothing that their views do not. Found by one indexed query that stops
        at the first qualifying record (unless ``order`` is a callable).

        Parameters
        ----------
        review, username : str
            The review and a member of it.
        stage : {"title_abstract", "full_text"}
        order : callable or sequence of str, optional
            A callable is given every qualifying record id in record order and returns them
            in the order to screen (the prioritisation model's hook); the first one is the
            answer. A sequence of record ids is a ranking: the answer is the first of them
            that qualifies (ids that do not qualify, or are not in the review, are skipped),
            else None. By default, record order.
        spread : bool, default False
            Without ``order``: start the reviewer's record order at a point derived from
            their name alone (a multiple of :data:`SPREAD_BLOCK` records; the start for a
            review of at most that many records), wrapping round to the first record. So
            reviewers screening at once mostly work on different records, each reviewer's
            order stays the same between calls (until records are imported), and it depends
            on nothing another reviewer did.

        Raises
        ------
        StoreError
            Unknown review or user, not a member, or ``order`` returned a record that does
            not qualify.

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
        ...     first = store.next_record("pain", "ana", "title_abstract")
        ...     ranked = store.next_record("pain", "ana", "title_abstract", order=["r000002"])
        >>> first, ranked
        ('r000001', 'r000002')
        """
        check_stage(stage)
        if isinstance(order, str) or not (order is None or callable(order)
                                          or isinstance(order, Sequence)):  # fmt: skip
            raise StoreError("order must be a callable or a sequence of record ids")
        with self._transaction(f"finding the next record of {review!r}") as session:
            review_row, user = self._review(session, review), self._user(session, username)
            self._check_member(session, review_row, user)
            if order is None or not callable(order):
                number = self._first_to_vote(
                    session, review_row, user, stage, ranking=order, spread=spread
                )
                return None if number is None else stored_record_id(number)
            candidates = self._to_vote(session, review_row, user, stage)
        ids = [stored_record_id(number) for number in candidates]
        allowed = set(ids)
        for chosen in order(ids):
            if chosen not in allowed:
                raise StoreError(f"order returned {chosen!r}, which is not a record to screen")
            return chosen
        return None

    def own_progress(
        self, review: str, username: str, stage: str | None = None
    ) -> tuple[StageProgress, ...]:
        """``username``'s own counts per stage (records voted on, records still to vote on),
        equal to the ``stages`` of :func:`evsynth.screening.progress_for` over every screened
        record, from a few aggregate queries instead of every record's state; only ``stage``'s
        when it is given.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from evsynth.store import open_store
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "a.ris").write_text("TY  - JOUR\\nTI  - A trial\\nER  - \\n")
        >>> with open_store(directory=folder) as store:
        ...     _ = store.import_records("pain", "Embase", [folder / "a.ris"])
        ...     store.add_user("ana"); store.add_member("pain", "ana", "reviewer")
        ...     store.own_progress("pain", "ana")[0]
        StageProgress(stage='title_abstract', voted=0, to_do=1)
        """
        if stage is not None and stage not in STAGES:
            raise StoreError(f"stage must be one of {', '.join(STAGES)}; got {stage!r}")
        with self._transaction(f"counting the decisions of {review!r}") as session:
            review_row, user = self._review(session, review), self._user(session, username)
            self._check_member(session, review_row, user)
            stages = STAGES if stage is None else (stage,)
            return self._own_progress(session, review_row, user, stages)

    def screening_progress(self, review: str, username: str) -> Progress:
        """What ``username`` may see of the screening's progress: exactly
        ``progress_for(screening_states(review), username, role, records=screened_records(review))``
        (:func:`evsynth.screening.progress_for`). For a reviewer it is counted by
        :meth:`own_progress`; the lead's and a resolver's (team counts, conflicts) are
        derived from every state."""
        with self._transaction(f"counting the decisions of {review!r}") as session:
            review_row, user = self._review(session, review), self._user(session, username)
            role = self._check_member(session, review_row, user)
            if role == "reviewer":
                stages = self._own_progress(session, review_row, user)
                return Progress(user.username, role, stages)
            events = self._events(session, review_row)
            screened = [stored_record_id(n) for _, n in self._screened(session, review_row)]
            required = review_row.votes_required
        states = _derive(review, events, required)
        return progress_for(states, user.username, role, records=screened)  # type: ignore[arg-type]

    def screening_step(
        self,
        review: str,
        username: str,
        stage: str,
        record: str | None = None,
        *,
        spread=False,
        order: Sequence[str] | None = None,
    ) -> ScreeningStep:
        """One screening step of ``username`` at ``stage``, read in one transaction: the
        record to show (``record``, else :meth:`next_record` with ``order`` or ``spread``),
        its state at the stage (as :meth:`record_state` gives it) and the user's own progress
        at the stage (as :meth:`own_progress` gives it). What the screening page and ``GET
        next`` show. ``order`` is a ranking of record ids (the prioritisation model's); the
        records it leaves out follow in record order.

        Raises
        ------
        StoreError
            Unknown review or user, not a member, or ``record`` is not a record to screen.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from evsynth.store import open_store
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "a.ris").write_text("TY  - JOUR\\nTI  - A trial\\nER  - \\n")
        >>> with open_store(directory=folder) as store:
        ...     _ = store.import_records("pain", "Embase", [folder / "a.ris"])
        ...     store.add_user("ana"); store.add_member("pain", "ana", "reviewer")
        ...     step = store.screening_step("pain", "ana", "title_abstract")
        >>> step.record_id, step.record.title, step.state.status, step.progress.to_do
        ('r000001', 'A trial', 'open', 1)
        """
        from evsynth.store._store import _to_record

        check_stage(stage)
        with self._transaction(f"reading a screening step of {review!r}") as session:
            review_row, user, _ = self._member_of(session, review, username)
            duplicates = self._duplicate_numbers(session, review_row)
            if record is None:
                number = None
                if order is not None:
                    number = self._first_to_vote(
                        session, review_row, user, stage, ranking=order, spread=False,
                        duplicates=duplicates,
                    )  # fmt: skip
                if number is None:
                    number = self._first_to_vote(
                        session, review_row, user, stage, ranking=None, spread=spread,
                        duplicates=duplicates,
                    )  # fmt: skip
            else:
                number = _ranked_number(record)
                if number is None or number in duplicates:
                    raise StoreError(f"{record!r} is not a record to screen in {review!r}")
            (progress,) = self._own_progress(session, review_row, user, (stage,), duplicates)
            if number is None:
                return ScreeningStep(stage, None, None, None, progress)
            found = session.execute(
                select(RecordRow, SourceRow.name)
                .join(SourceRow, SourceRow.id == RecordRow.source_id)
                .where(RecordRow.review_id == review_row.id, RecordRow.number == number)
            ).one_or_none()
            if found is None:
                raise StoreError(f"{record!r} is not a record to screen in {review!r}")
            record_id = stored_record_id(number)
            events = self._events(session, review_row, record_pk=found[0].id)
            required = review_row.votes_required
            shown = _to_record(*found)
        state = _derive(review, events, required).state(record_id, stage)  # type: ignore[arg-type]
        return ScreeningStep(stage, record_id, shown, state, progress)  # type: ignore[arg-type]

    def screening_texts(self, review: str) -> tuple[tuple[str, str], ...]:
        """(record id, title and abstract) of every record to screen, in record order: what
        the prioritisation model reads."""
        with self._transaction(f"reading the records of {review!r}") as session:
            review_row = self._review(session, review)
            duplicates = self._duplicate_numbers(session, review_row)
            rows = session.execute(
                select(RecordRow.number, RecordRow.title, RecordRow.abstract)
                .where(RecordRow.review_id == review_row.id)
                .order_by(RecordRow.number)
            ).all()
        return tuple(
            (stored_record_id(number), f"{title or ''}\n{abstract or ''}".strip())
            for number, title, abstract in rows
            if number not in duplicates
        )

    def screening_records_version(self, review: str) -> tuple[int, frozenset[int]]:
        """A value that changes whenever :meth:`screening_texts` would: the number of the last
        record and the numbers of the duplicates left unscreened (records are never edited or
        removed). Two small queries, where reading the texts costs one row per record.

        Raises
        ------
        StoreError
            The review does not exist.
        """
        with self._transaction(f"reading the records of {review!r}") as session:
            review_row = self._review(session, review)
            last = self._last_number(session, review_row)
            return last, frozenset(self._duplicate_numbers(session, review_row))

    def load_decisions(self, review: str) -> None:
        """Read the review's decisions into the store's memory now (its decision log: the vote
        tally, each record's state), as the first screening step would otherwise do: a server
        calls it before taking requests, for a large review takes a second or so.

        Raises
        ------
        StoreError
            The review does not exist, or its stored events break the screening rules.
        """
        with self._transaction(f"reading the decisions of {review!r}") as session:
            self._decision_log(session, self._review(session, review))

    def training_labels(self, review: str, username: str, stage: str) -> dict[str, int]:
        """The labels a model ranking ``username``'s queue at ``stage`` may learn from: their
        own votes (include and maybe 1, exclude and not retrieved 0) and the final decisions
        their views show (agreed and resolved records), never another reviewer's vote on a
        record whose outcome the user may not see (:func:`evsynth.screening.view_for`).

        Raises
        ------
        StoreError
            Unknown review or user, or not a member.
        """
        check_stage(stage)
        with self._transaction(f"reading the decisions of {review!r}") as session:
            review_row, user, role = self._member_of(session, review, username)
            labels = self._decision_log(session, review_row).training_labels(
                user.username, role, stage
            )
        return {stored_record_id(number): label for number, label in sorted(labels.items())}

    def is_screened(self, review: str, record: str) -> bool:
        """Whether ``record`` is one of the review's records to screen (an existing record
        that is not a duplicate of the record screened for its group); False for anything
        else, including text that is not a record id.

        Raises
        ------
        StoreError
            The review does not exist.
        """
        with self._transaction(f"reading the records of {review!r}") as session:
            review_row = self._review(session, review)
            try:
                (pk,) = self._record_pks(session, review_row, [record])
                self._check_screened(session, review_row, pk, record)
            except StoreError:
                return False
            return True

    def count_screened(self, review: str) -> int:
        """The number of records to screen (:meth:`screened_records`, counted)."""
        with self._transaction(f"reading the records of {review!r}") as session:
            review_row = self._review(session, review)
            total = session.scalar(
                select(func.count())
                .select_from(RecordRow)
                .where(RecordRow.review_id == review_row.id)
            )
            return total - len(self._duplicate_numbers(session, review_row))

    # --- deciding -------------------------------------------------------------------------

    def screen_vote(
        self,
        review: str,
        record: str,
        username: str,
        stage: str,
        decision: str,
        reason: str | None = None,
        note: str | None = None,
    ) -> RecordedDecision:
        """Record a reviewer's vote, once the screening rules allow it.

        The record's events are read again and the vote is checked
        (:func:`evsynth.screening.check_new_event`) and appended in one transaction that
        holds the review's decision lock, so two reviewers deciding the same record at the
        same moment are both checked against each other and both recorded correctly.

        Parameters
        ----------
        review, record : str
            The review and the record id (``r000123``): a screened record.
        username : str
            A member of the review.
        stage : {"title_abstract", "full_text"}
        decision : str
            ``"include"``, ``"exclude"`` or ``"maybe"``; at full text also
            ``"not_retrieved"``.
        reason, note : str, optional
            The exclusion reason (required to exclude at full text); a free note.

        Returns
        -------
        RecordedDecision
            The stored event (``event``) and the record's state right after it (``state``).

        Raises
        ------
        ScreeningError
            The rules refuse the vote: a second vote by the same reviewer (refused the same
            way whatever the others did), voting has closed, full text not open yet, or a
            malformed decision.
        StoreError
            Unknown review, user or record, not a member, or a record that is a duplicate
            of the record screened for its group.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from evsynth.store import open_store
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "a.ris").write_text("TY  - JOUR\\nTI  - A trial\\nER  - \\n")
        >>> with open_store(directory=folder) as store:
        ...     _ = store.import_records("pain", "Embase", [folder / "a.ris"])
        ...     for name in ("ana", "ben"):
        ...         store.add_user(name)
        ...         store.add_member("pain", name, "reviewer")
        ...     _ = store.screen_vote("pain", "r000001", "ana", "title_abstract", "include")
        ...     _ = store.screen_vote("pain", "r000001", "ben", "title_abstract", "include")
        ...     state = store.screening_states("pain").state("r000001", "title_abstract")
        ...     state.status, state.final_decision
        ('agreed', 'include')
        """
        return self._decide(review, record, username, stage, decision, reason, note, "vote")

    def resolve(
        self,
        review: str,
        record: str,
        username: str,
        stage: str,
        decision: str,
        reason: str | None = None,
        note: str | None = None,
    ) -> RecordedDecision:
        """Resolve a conflict: the lead (or a designated resolver who did not vote) records the
        final decision, checked and appended as :meth:`screen_vote` does.

        ``decision`` is ``"include"`` or ``"exclude"`` (at full text also
        ``"not_retrieved"``); ``reason`` is required to exclude at full text. Returns a
        :class:`RecordedDecision`, as :meth:`screen_vote` does.

        Raises
        ------
        ScreeningError
            The rules refuse it: the user may not resolve (said before anything about the
            record), or the record is not a conflict.
        StoreError
            As for :meth:`screen_vote`.
        """
        return self._decide(review, record, username, stage, decision, reason, note, "resolution")

    def _decide(self, review, record, username, stage, decision, reason, note, kind):
        now = self._clock()
        with (
            _writers_of(self._engine),
            self._transaction(f"recording a decision in {review!r}") as session,
        ):
            review_row = self._lock_decisions(session, review)
            user = self._user(session, username)
            role = self._check_member(session, review_row, user)
            (pk,) = self._record_pks(session, review_row, [record])
            self._check_screened(session, review_row, pk, record)
            event = ScreeningEvent(
                record, user.username, stage, decision, reason=reason, note=note, kind=kind,
                at=now,
            )  # fmt: skip
            existing = [
                _screening_event(row) for row in self._events(session, review_row, record_pk=pk)
            ]
            required = review_row.votes_required
            states = _derive_events(review, existing, required)
            check_new_event(states, event, _role_in_rules(role))  # type: ignore[arg-type]
            row = _row(review_row.id, pk, user.id, event)
            session.add(row)
            session.flush()
            stored = _decision_event(row, review, record, user.username)
        after = _derive_events(review, [*existing, event], required).state(record, stage)
        return RecordedDecision(stored, after)  # type: ignore[arg-type]

    @contextmanager
    def _locked(self, action: str, review: str):
        with self._transaction(action) as session:
            yield session, self._lock_decisions(session, review)

    def _lock_decisions(self, session: Session, review: str) -> ReviewRow:
        """Take the review's decision lock for the rest of the transaction.

        SQLite: BEGIN IMMEDIATE (the database's write lock, taken before anything is read).
        PostgreSQL: SELECT ... FOR NO KEY UPDATE on the review's row, which serialises the
        review's decisions but not inserts that merely refer to the review.
        """
        if self._engine.dialect.name == "sqlite":
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        row = session.scalars(
            select(ReviewRow).where(ReviewRow.name == review).with_for_update(key_share=True)
        ).one_or_none()
        return row if row is not None else self._review(session, review)  # raises, naming them

    # --- derived counts -------------------------------------------------------------------

    def agreement(self, review: str) -> tuple[Agreement, ...]:
        """Cohen's kappa, percent agreement and PABAK per stage and reviewer pair, over the
        records whose voting has closed (:func:`evsynth.screening.agreement`)."""
        return agreement(self.screening_states(review))

    def prisma_counts(
        self, review: str, *, studies_in_meta_analysis: int | None = None
    ) -> PrismaCounts:
        """The PRISMA 2020 counts of the review: records per source, duplicates removed (the
        current groups), and the final screening decisions with their study links.

        Raises
        ------
        PrismaError
            Screening is not complete (records without a final decision, reports included
            at full text but linked to no study) or the counts do not add up; every problem
            is listed.
        StoreError
            Unknown review, or stored events that break the rules.
        """
        records = self.records(review)
        groups = self.duplicate_groups(review)
        sources = tuple(
            SearchSource(name, file="", kind="database") for name in self.source_counts(review)
        )
        identification = Identification(
            sources,
            records,
            DedupResult(
                groups=tuple(group.record_ids for group in groups),
                review_pairs=(),
                n_records=len(records),
            ),
        )
        states = self.screening_states(review)
        study_of = {link.record_id: link.study_id for link in self.study_links(review)}
        try:
            rows = resolved_decision_rows(states, study_of)
        except ScreeningError as error:
            raise PrismaError([str(error)]) from None
        return prisma_counts(
            identification, rows, studies_in_meta_analysis=studies_in_meta_analysis
        )

    def included_reports(self, review: str) -> tuple[str, ...]:
        """The screened records whose full-text decision is a final include (agreed or
        resolved), in record order: the reports a lead links to studies."""
        with self._transaction(f"reading the decisions of {review!r}") as session:
            review_row = self._review(session, review)
            events = self._events(session, review_row)
            screened = [stored_record_id(n) for _, n in self._screened(session, review_row)]
            required = review_row.votes_required
        states = _derive(review, events, required)
        return tuple(
            record
            for record in screened
            if (state := states.state(record, "full_text")).final  # type: ignore[arg-type]
            and state.final_decision == "include"
        )

    # --- files ----------------------------------------------------------------------------

    def export_decisions_csv(self, review: str, path: str | os.PathLike) -> int:
        """Write every decision event of the review, in the order recorded, to a CSV file.

        Columns (:data:`DECISIONS_CSV_FIELDS`): ``at`` (ISO 8601, UTC), ``username``,
        ``record``, ``stage``, ``kind`` (vote or resolution), ``decision``, ``reason``,
        ``note``; empty cells for no reason or note. Returns the number of events written.
        """
        events = self.decisions(review)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(DECISIONS_CSV_FIELDS)
            for e in events:
                at = e.created_at.astimezone(UTC).isoformat()
                writer.writerow(
                    [at, e.username, e.record_id, e.stage, e.kind, e.decision, e.reason or "",
                     e.note or ""]
                )  # fmt: skip
        return len(events)

    def import_decisions_csv(self, review: str, path: str | os.PathLike, *, as_user: str) -> int:
        """Append the decisions of an earlier screening (a file as
        :meth:`export_decisions_csv` writes) to the review, all or nothing.

        Each row is appended as the event it records, with its own reviewer and time, after
        the review's events and in the file's order; each must be allowed by the screening
        rules at that point, as if it were being decided now. Record ids are this review's.

        Parameters
        ----------
        review : str
        path : path
            The CSV file (UTF-8; columns as :data:`DECISIONS_CSV_FIELDS`, ``reason`` and
            ``note`` optional; a time without a zone is taken as UTC).
        as_user : str
            The lead who imports.

        Returns
        -------
        int
            Events appended.

        Raises
        ------
        StoreError
            The file cannot be read, a cell is wrong (the message names file, line and
            field), a row's reviewer is not a member or its record not screened, a row
            breaks the screening rules, or ``as_user`` is not a lead. Nothing is appended.
        """
        path = Path(path)
        rows = _read_decisions_csv(path)
        with self._locked(f"importing decisions into {review!r}", review) as (session, row):
            importer = self._user(session, as_user)
            if self._check_member(session, row, importer) != "lead":
                raise StoreError(f"only a lead of {review!r} imports decisions; {as_user!r} is not")
            problems: list[str] = []
            roles = self._roles(session, row)
            user_ids = dict(session.execute(select(UserRow.username, UserRow.id)).all())
            numbers = {event.record_id for _, event in rows}
            pks = self._existing_pks(session, row, numbers)
            screened = {pk for pk, _ in self._screened(session, row)}
            by_record: dict[str, ScreeningStates] = {}
            new_rows = []
            for line, event in rows:
                where = f"{path}, line {line}"
                if event.reviewer not in roles:
                    problems.append(
                        f"{where}, field 'username': {event.reviewer!r} is not a member of "
                        f"review {review!r}"
                    )
                    continue
                pk = pks.get(event.record_id)
                if pk is None or pk not in screened:
                    why = "has no record" if pk is None else "does not screen (a duplicate)"
                    problems.append(f"{where}, field 'record': {review!r} {why} {event.record_id}")
                    continue
                states = by_record.get(event.record_id)
                if states is None:
                    existing = self._events(session, row, record_pk=pk)
                    states = _derive(review, existing, row.votes_required)
                try:
                    by_record[event.record_id] = states.with_event(
                        event,
                        _role_in_rules(roles[event.reviewer]),  # type: ignore[arg-type]
                    )
                except ScreeningError as error:
                    problems.append(f"{where}: {error}")
                    continue
                new_rows.append(_row(row.id, pk, user_ids[event.reviewer], event))
            if problems:
                shown = problems[:_SHOWN_ERRORS]
                more = len(problems) - len(shown)
                raise StoreError(
                    f"{path}: nothing was imported ({len(problems)} problems):\n"
                    + "\n".join(shown)
                    + (f"\n... and {more} more" if more else "")
                )
            session.add_all(new_rows)
        self._refresh_statistics("decision_events")
        return len(new_rows)

    def export_studies_csv(self, review: str, path: str | os.PathLike) -> int:
        """Write one row per linked study with its reports, the seed of ``studies.csv``.

        Columns (:data:`STUDIES_CSV_FIELDS`): ``study_id``, ``label`` (the study id, to be
        edited), ``report_ids`` (the study's record ids joined with ``;``), by study id.
        Returns the number of studies written.
        """
        reports: dict[str, list[str]] = defaultdict(list)
        for link in self.study_links(review):
            reports[link.study_id].append(link.record_id)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(STUDIES_CSV_FIELDS)
            for study_id in sorted(reports):
                writer.writerow([study_id, study_id, ";".join(reports[study_id])])
        return len(reports)

    # --- queries --------------------------------------------------------------------------

    def _events(
        self,
        session: Session,
        review: ReviewRow,
        *,
        record_pk: int | None = None,
        after_id: int | None = None,
    ) -> list[tuple]:
        """The review's event rows in the order recorded (the columns ``_derive`` reads);
        with ``after_id``, only those with a larger id, each row ending with its id."""
        columns = (RecordRow.number, UserRow.username, DecisionRow.stage, DecisionRow.decision)
        columns += (DecisionRow.reason, DecisionRow.note, DecisionRow.kind, DecisionRow.created_at)
        if after_id is not None:
            columns += (DecisionRow.id,)
        query = (
            select(*columns)
            .join(UserRow, UserRow.id == DecisionRow.user_id)
            .join(RecordRow, RecordRow.id == DecisionRow.record_id)
            .where(DecisionRow.review_id == review.id)
            .order_by(DecisionRow.id)
        )
        if record_pk is not None:
            query = query.where(DecisionRow.record_id == record_pk)
        if after_id is not None:
            # the stages named so that the index on (review, stage, id) serves the id range
            query = query.where(DecisionRow.stage.in_(STAGES), DecisionRow.id > after_id)
        return list(session.execute(query).all())

    @staticmethod
    def _last_number(session: Session, review: ReviewRow) -> int:
        """The number of the review's last record (records are numbered from 1), 0 if none."""
        last = session.scalar(
            select(func.max(RecordRow.number)).where(RecordRow.review_id == review.id)
        )
        return last or 0

    def _decision_log(self, session: Session, review: ReviewRow) -> DecisionLog:
        """The review's :class:`DecisionLog`, up to date with what ``session`` sees."""
        return self._decision_logs.current(
            session,
            review,
            lambda after_id: self._events(session, review, after_id=after_id),
            lambda after: session.scalars(
                select(RecordRow.number).where(
                    RecordRow.review_id == review.id, RecordRow.number > after
                )
            ).all(),
        )

    def _roles(self, session: Session, review: ReviewRow) -> dict[str, str]:
        return dict(
            session.execute(
                select(UserRow.username, MemberRow.role)
                .join(MemberRow, MemberRow.user_id == UserRow.id)
                .where(MemberRow.review_id == review.id)
            ).all()
        )

    def _existing_pks(self, session: Session, review: ReviewRow, ids: set[str]) -> dict[str, int]:
        numbers = {int(value[1:]): value for value in ids}
        found = session.execute(
            select(RecordRow.number, RecordRow.id).where(
                RecordRow.review_id == review.id, RecordRow.number.in_(numbers)
            )
        ).all()
        return {numbers[number]: pk for number, pk in found}

    def _screened(self, session: Session, review: ReviewRow) -> list[tuple[int, int]]:
        """(primary key, number) of every screened record, in record order."""
        rows = session.execute(
            select(RecordRow.id, RecordRow.number)
            .where(RecordRow.review_id == review.id)
            .order_by(RecordRow.number)
        ).all()
        duplicates = {
            member for group in self._current_groups(session, review)
            for member in group.record_ids[1:]
        }  # fmt: skip
        return [(pk, n) for pk, n in rows if stored_record_id(n) not in duplicates]

    def _check_screened(self, session: Session, review: ReviewRow, pk: int, record: str) -> None:
        """Refuse a record that is not the one screened for its current duplicate group.

        The same rule as :meth:`Store.duplicate_groups` (person-made groups first; a
        latest-run group without its members that are in person-made groups), for one record.
        """
        wanted = self._current_group_filter(session, review)
        memberships = session.execute(
            select(GroupRow.id, GroupRow.origin)
            .join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
            .where(GroupRow.review_id == review.id, GroupMemberRow.record_id == pk, wanted)
        ).all()
        if not memberships:
            return
        person = [gid for gid, origin in memberships if origin == "person"]
        group_id = person[0] if person else memberships[0][0]
        members = session.execute(
            select(GroupMemberRow.record_id, RecordRow.number)
            .join(RecordRow, RecordRow.id == GroupMemberRow.record_id)
            .where(GroupMemberRow.group_id == group_id)
            .order_by(GroupMemberRow.position)
        ).all()
        if not person:  # an automatic group loses its members that are in person-made ones
            in_person_groups = set(
                session.scalars(
                    select(GroupMemberRow.record_id)
                    .join(GroupRow, GroupRow.id == GroupMemberRow.group_id)
                    .where(
                        GroupRow.origin == "person",
                        GroupMemberRow.record_id.in_([m.record_id for m in members]),
                    )
                )
            )
            members = [m for m in members if m.record_id not in in_person_groups]
            if len(members) < 2:
                return
        primary = members[0]
        if primary.record_id != pk:
            raise StoreError(
                f"{record} is a duplicate of {stored_record_id(primary.number)} (duplicate "
                f"group {group_id}): decide on {stored_record_id(primary.number)}, the record "
                "screened for the group"
            )

    def _duplicate_numbers(self, session: Session, review: ReviewRow) -> set[int]:
        """Numbers of the records that are not screened: every member of a current duplicate
        group but its first (the group's primary)."""
        return {
            int(member[1:]) for group in self._current_groups(session, review)
            for member in group.record_ids[1:]
        }  # fmt: skip

    def _votable(self, review: ReviewRow, user: UserRow, stage: str) -> list:
        """Conditions on a review's record (``RecordRow``) under which ``user`` may vote on it
        at ``stage``, screened apart: open (fewer votes than required), not voted on by
        ``user``, and at full text included at title/abstract (a resolution to include, or
        no resolution and every one of the required votes an include)."""
        votes_at = (
            DecisionRow.record_id == RecordRow.id,
            DecisionRow.stage == stage,
            DecisionRow.kind == "vote",
        )
        n_votes = select(func.count()).select_from(DecisionRow).where(*votes_at)
        conditions = [
            RecordRow.review_id == review.id,
            ~exists().where(*votes_at, DecisionRow.user_id == user.id),
            n_votes.scalar_subquery() < review.votes_required,
        ]
        if stage == "full_text":
            at_ta = (DecisionRow.record_id == RecordRow.id, DecisionRow.stage == "title_abstract")
            resolution = (*at_ta, DecisionRow.kind == "resolution")
            ta_votes = (*at_ta, DecisionRow.kind == "vote")
            n_ta = select(func.count()).select_from(DecisionRow).where(*ta_votes)
            conditions.append(
                exists().where(*resolution, DecisionRow.decision == "include")
                | (
                    ~exists().where(*resolution)
                    & (n_ta.scalar_subquery() >= review.votes_required)
                    & ~exists().where(*ta_votes, DecisionRow.decision != "include")
                )
            )
        return conditions

    def _first_to_vote(
        self,
        session: Session,
        review: ReviewRow,
        user: UserRow,
        stage: str,
        *,
        ranking: Sequence[str] | None,
        spread: bool,
        duplicates: set[int] | None = None,
    ) -> int | None:
        """The number of the first record ``user`` may vote on: in ``ranking``'s order, else
        in record order (from the reviewer's own start with ``spread``)."""
        if duplicates is None:
            duplicates = self._duplicate_numbers(session, review)
        if stage == "title_abstract":
            return self._first_at_title_abstract(
                session, review, user, ranking=ranking, spread=spread, duplicates=duplicates
            )
        votable = self._votable(review, user, stage)
        if ranking is not None:
            for start in range(0, len(ranking), _BATCH):
                numbers = [_ranked_number(value) for value in ranking[start : start + _BATCH]]
                found = set(
                    session.scalars(
                        select(RecordRow.number).where(
                            *votable, RecordRow.number.in_([n for n in numbers if n is not None])
                        )
                    )
                )
                for number in numbers:
                    if number in found and number not in duplicates:
                        return number
            return None
        begin = 1
        if spread:
            last = session.scalar(
                select(func.max(RecordRow.number)).where(RecordRow.review_id == review.id)
            )
            begin = _spread_start(user.username, last or 0)
        for low, high in ((begin, None), (1, begin)):
            after = low - 1
            while True:
                query = select(RecordRow.number).where(*votable, RecordRow.number > after)
                if high is not None:
                    query = query.where(RecordRow.number < high)
                numbers = list(session.scalars(query.order_by(RecordRow.number).limit(_BATCH)))
                for number in numbers:
                    if number not in duplicates:
                        return number
                if len(numbers) < _BATCH:
                    break
                after = numbers[-1]
        return None

    def _first_at_title_abstract(
        self,
        session: Session,
        review: ReviewRow,
        user: UserRow,
        *,
        ranking: Sequence[str] | None,
        spread: bool,
        duplicates: set[int],
    ) -> int | None:
        """:meth:`_first_to_vote` at title/abstract, from the review's vote tally."""
        tally = self._decision_log(session, review).tally
        if ranking is not None:
            for value in ranking:
                number = _ranked_number(value)
                if number is not None and number not in duplicates:
                    if tally.may_vote(number, user.username):
                        return number
            return None
        begin = _spread_start(user.username, tally.max_number) if spread else 1
        return tally.first_open(user.username, duplicates, begin)

    def _own_progress(
        self,
        session: Session,
        review: ReviewRow,
        user: UserRow,
        stages: Sequence[str] = STAGES,
        duplicate_numbers: set[int] | None = None,
    ) -> tuple[StageProgress, ...]:
        """progress_for's ``stages`` (those asked for): voted counts every record the user
        voted on (screened or not); to do counts the screened records that are available,
        open and not voted on by the user. Title/abstract from the review's vote tally, full
        text counted in SQL (its records are few: those included at title/abstract)."""
        if duplicate_numbers is None:
            duplicate_numbers = self._duplicate_numbers(session, review)
        counted = []
        for stage in stages:
            if stage == "title_abstract":
                tally = self._decision_log(session, review).tally
                n_voted = tally.voted(user.username)
                n_to_do = tally.to_do(user.username, duplicate_numbers)
            else:
                n_voted, n_to_do = self._full_text_progress(
                    session, review, user, duplicate_numbers
                )
            counted.append(StageProgress(stage, n_voted, n_to_do))  # type: ignore[arg-type]
        return tuple(counted)

    def _full_text_progress(
        self, session: Session, review: ReviewRow, user: UserRow, duplicate_numbers: set[int]
    ) -> tuple[int, int]:
        not_duplicate = RecordRow.number.not_in(duplicate_numbers) if duplicate_numbers else true()
        voted = select(func.count(DecisionRow.record_id.distinct())).where(
            DecisionRow.review_id == review.id,
            DecisionRow.stage == "full_text",
            DecisionRow.kind == "vote",
            DecisionRow.user_id == user.id,
        )
        included = self._included_subquery(review)
        to_do = (
            select(func.count())
            .select_from(included)
            .join(RecordRow, RecordRow.id == included.c.record_id)
            # open and not voted on by the user (availability is `included`)
            .where(not_duplicate, *self._votable(review, user, "full_text")[1:3])
        )
        n_voted, n_to_do = session.execute(
            select(voted.scalar_subquery(), to_do.scalar_subquery())
        ).one()
        return n_voted, n_to_do

    def _included_subquery(self, review: ReviewRow):
        """The records included at title/abstract (``record_id``): a resolution to include,
        or no resolution and the required votes all include."""
        is_resolution = DecisionRow.kind == "resolution"
        is_vote = DecisionRow.kind == "vote"

        def number_of(condition):
            return func.sum(case((condition, 1), else_=0))

        return (
            select(DecisionRow.record_id)
            .where(DecisionRow.review_id == review.id, DecisionRow.stage == "title_abstract")
            .group_by(DecisionRow.record_id)
            .having(
                (number_of(is_resolution & (DecisionRow.decision == "include")) > 0)
                | (
                    (number_of(is_resolution) == 0)
                    & (number_of(is_vote) >= review.votes_required)
                    & (number_of(is_vote & (DecisionRow.decision != "include")) == 0)
                )
            )
            .subquery()
        )

    def _to_vote(self, session: Session, review: ReviewRow, user: UserRow, stage: str) -> list:
        """Numbers of the records ``user`` may vote on at ``stage``, in record order.

        With one vote per reviewer, a record is open while it has fewer than ``required``
        votes; at full text it is available once title/abstract is a final include: agreed
        (every vote include) or resolved as include.
        """
        required = review.votes_required
        votes = {
            pk: (n, mine)
            for pk, n, mine in session.execute(
                select(
                    DecisionRow.record_id,
                    func.count(),
                    func.sum(case((DecisionRow.user_id == user.id, 1), else_=0)),
                )
                .where(
                    DecisionRow.review_id == review.id,
                    DecisionRow.stage == stage,
                    DecisionRow.kind == "vote",
                )
                .group_by(DecisionRow.record_id)
            ).all()
        }
        included = None
        if stage == "full_text":
            included = self._included_at_title_abstract(session, review)
        candidates = []
        for pk, number in self._screened(session, review):
            n, mine = votes.get(pk, (0, 0))
            if mine or n >= required or (included is not None and pk not in included):
                continue
            candidates.append(number)
        return candidates

    def _included_at_title_abstract(self, session: Session, review: ReviewRow) -> set[int]:
        at_title_abstract = (
            DecisionRow.review_id == review.id,
            DecisionRow.stage == "title_abstract",
        )
        resolved = dict(
            session.execute(
                select(DecisionRow.record_id, DecisionRow.decision).where(
                    *at_title_abstract, DecisionRow.kind == "resolution"
                )
            ).all()
        )
        agreed = session.execute(
            select(
                DecisionRow.record_id,
                func.count(),
                func.sum(case((DecisionRow.decision == "include", 1), else_=0)),
            )
            .where(*at_title_abstract, DecisionRow.kind == "vote")
            .group_by(DecisionRow.record_id)
        ).all()
        included = {pk for pk, decision in resolved.items() if decision == "include"}
        included.update(
            pk
            for pk, n, includes in agreed
            if pk not in resolved and n >= review.votes_required and includes == n
        )
        return included


def _writers_of(engine):
    """On SQLite, a lock that this process's decisions take before BEGIN IMMEDIATE.

    Threads of one server then queue here and go on as soon as the previous decision has
    committed, instead of in SQLite's busy handler, which sleeps in growing steps (up to
    100 ms) and so made the slowest votes of a busy server wait for seconds. Other processes
    still wait in the busy handler. PostgreSQL queues on its row lock: no lock here.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _WRITERS_LOCK:
        return _WRITERS.setdefault(engine, threading.Lock())


def _spread_start(username: str, last_number: int) -> int:
    """Where ``username`` starts in record order: a block of :data:`SPREAD_BLOCK` records
    chosen by their name, so reviewers working at once do not all take the same record."""
    blocks = -(-last_number // SPREAD_BLOCK)
    return 1 + SPREAD_BLOCK * (_name_hash(username) % blocks) if blocks > 1 else 1


def _name_hash(name: str) -> int:
    """A number derived from ``name`` alone, the same in every process (unlike ``hash``)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def _ranked_number(value: object) -> int | None:
    """The number of a record id in a ranking, or None for text that is not a record id."""
    if isinstance(value, str) and value[:1] == "r" and value[1:].isdigit():
        return int(value[1:])
    return None


def _derive(review: str, rows: Iterable[tuple], required: int) -> ScreeningStates:
    return _derive_events(review, (_screening_event(row) for row in rows), required)


def _derive_events(review: str, events: Iterable[ScreeningEvent], required: int) -> ScreeningStates:
    try:
        return derive_states(events, required)
    except ScreeningError as error:
        raise StoreError(
            f"the decisions stored for {review!r} break the screening rules: {error}"
        ) from None


def _screening_event(row) -> ScreeningEvent:
    number, username, stage, decision, reason, note, kind, at = row
    return ScreeningEvent(
        stored_record_id(number), username, stage, decision, reason=reason, note=note,
        kind=kind, at=at,
    )  # fmt: skip


def _row(review_id: int, record_pk: int, user_id: int, event: ScreeningEvent) -> DecisionRow:
    return DecisionRow(
        review_id=review_id,
        record_id=record_pk,
        user_id=user_id,
        stage=event.stage,
        kind=event.kind,
        decision=event.decision,
        reason=event.reason,
        note=event.note,
        created_at=event.at,
    )


def _decision_event(row: DecisionRow, review: str, record: str, username: str):
    from evsynth.store._store import decision_event  # _store mixes this module in

    return decision_event(row, review, record, username)


# --- reading a decisions file ---------------------------------------------------------------


def _cell(row: dict, name: str) -> str | None:
    value = row.get(name)
    value = value.strip() if isinstance(value, str) else None
    return value or None


def _read_decisions_csv(path: Path) -> list[tuple[int, ScreeningEvent]]:
    """(line, event) for every row of a decisions file; every problem found is reported."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise StoreError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise StoreError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise StoreError(f"{path}: cannot be read ({error.strerror})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [name for name in _REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in DECISIONS_CSV_FIELDS]
    if missing or unknown:
        said = []
        if missing:
            said.append(f"missing column(s) {', '.join(map(repr, missing))}")
        if unknown:
            said.append(f"unknown column(s) {', '.join(map(repr, unknown))}")
        raise StoreError(
            f"{path}, line 1: {'; '.join(said)} (the columns are {', '.join(DECISIONS_CSV_FIELDS)})"
        )
    events: list[tuple[int, ScreeningEvent]] = []
    problems: list[str] = []
    line = 1
    try:
        for row in reader:
            first_line, line = line + 1, reader.line_num
            if None in row:
                problems.append(f"{path}, line {first_line}: more cells than columns")
                continue
            event, problem = _event_from_row(row)
            if problem is not None:
                problems.append(f"{path}, line {first_line}, {problem}")
            else:
                events.append((first_line, event))
    except csv.Error as error:
        problems.append(f"{path}, line {reader.line_num}: {error}")
    if problems:
        shown = problems[:_SHOWN_ERRORS]
        more = len(problems) - len(shown)
        raise StoreError(
            f"{path}: nothing was imported ({len(problems)} problems):\n"
            + "\n".join(shown)
            + (f"\n... and {more} more" if more else "")
        )
    if not events:
        raise StoreError(f"{path}: no decisions in the file")
    return events


def _event_from_row(row: dict) -> tuple[ScreeningEvent | None, str | None]:
    """The event a row records, or the first problem as "field 'name': what is wrong"."""
    values = {name: _cell(row, name) for name in DECISIONS_CSV_FIELDS}
    for name in _REQUIRED_COLUMNS:
        if values[name] is None:
            return None, f"field {name!r}: empty cell"
    try:
        at = datetime.fromisoformat(values["at"])  # type: ignore[arg-type]
    except ValueError:
        return None, f"field 'at': {values['at']!r} is not an ISO 8601 time"
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    record = values["record"]
    if not (record[:1] == "r" and record[1:].isdigit()):  # type: ignore[index]
        return None, f"field 'record': {record!r} is not a record id (like 'r000123')"
    stage, kind, decision = values["stage"], values["kind"], values["decision"]
    if stage not in STAGES:
        return None, f"field 'stage': {stage!r} is not one of {', '.join(STAGES)}"
    if kind not in EVENT_KINDS:
        return None, f"field 'kind': {kind!r} is not one of {', '.join(EVENT_KINDS)}"
    allowed = (VOTE_DECISIONS if kind == "vote" else SCREENING_DECISIONS)[stage]
    if decision not in allowed:
        return None, (
            f"field 'decision': a {kind} at {stage} is one of {', '.join(allowed)}, "
            f"not {decision!r}"
        )
    if stage == "full_text" and decision == "exclude" and values["reason"] is None:
        return None, "field 'reason': a reason is required to exclude at full text"
    try:
        event = ScreeningEvent(
            record, values["username"], stage, decision, reason=values["reason"],  # type: ignore[arg-type]
            note=values["note"], kind=kind, at=at,  # type: ignore[arg-type]
        )  # fmt: skip
    except ScreeningError as error:
        return None, f"field 'decision': {error}"
    return event, None
