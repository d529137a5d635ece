"""The one place where the web app turns the store's decision events into screening states.

Until the store's screening workflow lands, this adapter reads :meth:`Store.decisions`,
derives the states with :func:`evsynth.screening.derive_states`, checks a new event with
:func:`evsynth.screening.check_new_event` and appends it with :meth:`Store.record_decision`.
Every page and endpoint goes through :class:`Workflow`, so swapping it for the store's
workflow methods changes this file only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from evsynth.records import DedupResult, Identification, Record
from evsynth.review import PrismaCounts, PrismaError, SearchSource
from evsynth.screening import (
    ScreeningError,
    ScreeningEvent,
    ScreeningStates,
    check_new_event,
    derive_states,
    prisma_counts,
    resolved_decision_rows,
)
from evsynth.store import Store

__all__ = ["Workflow", "WorkflowRefusal", "PrismaOutcome"]

# events are checked before they are stored; the store stamps the real time
_NOW = datetime(2000, 1, 1, tzinfo=UTC)


class WorkflowRefusal(ValueError):
    """A vote or resolution the rules do not allow; the message is safe to show the user."""


@dataclass(frozen=True)
class PrismaOutcome:
    """The PRISMA counts when screening is complete, otherwise what is missing."""

    counts: PrismaCounts | None
    problems: tuple[str, ...] = ()


class Workflow:
    """Screening states and decisions of the store's reviews.

    Parameters
    ----------
    store : Store
        The open workflow store.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from evsynth.store import open_store
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.ris").write_text("TY  - JOUR\\nTI  - A trial\\nER  - \\n")
    >>> with open_store(directory=folder) as store:
    ...     _ = store.import_records("pain", "Embase", [folder / "a.ris"])
    ...     store.add_user("ann", "correct horse battery")
    ...     store.add_member("pain", "ann", "reviewer")
    ...     flow = Workflow(store)
    ...     flow.vote("pain", "ann", "reviewer", "r000001", "title_abstract", "include")
    ...     flow.states("pain").state("r000001", "title_abstract").status
    'open'
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def screened_records(self, review: str) -> dict[str, Record]:
        """The records to screen: one per duplicate group (its primary) and every unique
        record, in import order."""
        records = self.store.records(review)
        for group in self.store.duplicate_groups(review):
            for member in group.record_ids[1:]:
                records.pop(member, None)
        return records

    def states(self, review: str) -> ScreeningStates:
        """Every record's state, derived from the review's decision events."""
        required = self.store.review_settings(review).votes_required
        events = [
            ScreeningEvent(
                e.record_id,
                e.username,
                e.stage,  # type: ignore[arg-type]
                e.decision,
                reason=e.reason,
                note=e.note,
                kind=e.kind,  # type: ignore[arg-type]
                at=e.created_at,
            )
            for e in self.store.decisions(review)
        ]
        return derive_states(events, required)

    def vote(
        self,
        review: str,
        username: str,
        role: str,
        record: str,
        stage: str,
        decision: str,
        *,
        reason: str | None = None,
        note: str | None = None,
    ) -> None:
        """Record a reviewer's vote: one per reviewer, record and stage."""
        self._append(review, username, role, record, stage, decision, reason, note, "vote")

    def resolve(
        self,
        review: str,
        username: str,
        role: str,
        record: str,
        stage: str,
        decision: str,
        *,
        reason: str | None = None,
        note: str | None = None,
    ) -> None:
        """Record the resolution of a conflict (the lead)."""
        self._append(review, username, role, record, stage, decision, reason, note, "resolution")

    def _append(self, review, username, role, record, stage, decision, reason, note, kind) -> None:
        if record not in self.screened_records(review):
            raise WorkflowRefusal(f"there is no record {record!r} to screen in this review")
        states = self.states(review)
        try:
            event = ScreeningEvent(
                record, username, stage, decision, reason=reason, note=note, kind=kind, at=_NOW
            )
            if kind == "vote" and username in states.state(record, stage).votes:
                raise WorkflowRefusal("you have already voted on this record at this stage")
            check_new_event(states, event, role)  # type: ignore[arg-type]
        except ScreeningError as error:
            raise WorkflowRefusal(_plain(str(error))) from None
        self.store.record_decision(
            review, record, username, stage, decision, kind=kind, reason=reason, note=note
        )

    def next_record(self, review: str, username: str, stage: str) -> str | None:
        """The first record, in screening order, that ``username`` may still vote on."""
        states = self.states(review)
        for record in self.screened_records(review):
            state = states.state(record, stage)  # type: ignore[arg-type]
            if state.available and state.status == "open" and username not in state.votes:
                return record
        return None

    def study_of(self, review: str) -> dict[str, str]:
        """The study each linked report belongs to."""
        return {link.record_id: link.study_id for link in self.store.study_links(review)}

    def prisma(self, review: str) -> PrismaOutcome:
        """The PRISMA counts from the store's records, duplicate groups and final decisions,
        or the problems that keep them from adding up (screening unfinished, reports with no
        study)."""
        records = self.store.records(review)
        groups = tuple(g.record_ids for g in self.store.duplicate_groups(review))
        sources = tuple(
            SearchSource(name=name, file=name) for name in self.store.source_counts(review)
        )
        identification = Identification(
            sources, records, DedupResult(groups=groups, review_pairs=(), n_records=len(records))
        )
        try:
            rows = resolved_decision_rows(self.states(review), self.study_of(review))
            return PrismaOutcome(prisma_counts(identification, rows))
        except PrismaError as error:
            return PrismaOutcome(None, error.problems)
        except ScreeningError as error:
            return PrismaOutcome(None, (str(error),))


def _plain(message: str) -> str:
    """The rule a refusal broke, without the event's description in front of it."""
    return message.split(" refused: ", 1)[-1]
