"""Screening: the rules of the selection process and what is derived from its decisions.

``prisma_counts(identification, decisions)`` counts every box of the PRISMA 2020 flow
diagram from the records the searches found (:func:`evsynth.records.identify`) and the
resolved screening decisions, and refuses when screening is incomplete or contradicts itself;
``prisma_from_review(review)`` does it all for a review folder.
"""

from evsynth.screening._prisma import prisma_counts, prisma_from_review

__all__ = ["prisma_counts", "prisma_from_review"]
