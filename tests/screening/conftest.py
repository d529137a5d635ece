"""The review-folder fixture, shared with the review tests."""

from tests.review._folders import folder  # noqa: F401
