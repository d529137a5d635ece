"""The screening step a page or ``GET next`` shows: the next record in the reviewer's own
ranked order when prioritisation is on (:class:`evsynth.screening.ReviewerQueues`)."""

from __future__ import annotations

from fastapi import Request

from evsynth.store import ScreeningStep
from evsynth.web._access import Access

__all__ = ["screening_step"]


def screening_step(
    request: Request, access: Access, stage: str, record: str | None = None
) -> ScreeningStep:
    """The step (record, its state, own progress); asks for a fresh ranking when the
    reviewer has voted since theirs was made. The ranking is trained only on what the
    reviewer's own views show (``Store.training_labels``)."""
    store, queues = request.app.state.store, request.app.state.queues
    review, username = access.review, access.username
    order = None
    if queues is not None and record is None:
        ranking = queues.ranking(review, username, stage)
        if ranking is not None and ranking.record_ids:
            order = ranking.record_ids
    step = store.screening_step(review, username, stage, record, spread=True, order=order)
    if queues is not None and queues.is_stale(review, username, stage, step.progress.voted):
        voted = step.progress.voted
        queues.refresh(
            review,
            username,
            stage,
            lambda: (
                store.screening_texts(review),
                store.training_labels(review, username, stage),
                voted,
            ),
        )
    return step
