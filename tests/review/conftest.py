"""Fixtures for the review-folder tests."""

from tests.review._folders import folder

__all__ = ["folder"]
