"""The workbench in the browser: dual independent, blinded screening for a review team.

``create_app(store)`` builds the FastAPI app over an open :class:`evsynth.store.Store`:
server-rendered pages (Jinja2) with a little hand-written JavaScript, and JSON endpoints
behind the same access, blinding and CSRF rules. ``evsynth serve DIR`` runs it with uvicorn.
The app computes nothing itself: votes and resolutions are checked and recorded by the
store's workflow methods (:meth:`evsynth.store.Store.screen_vote`, ``resolve``), and the
states, next record, agreement and PRISMA counts come from the store too; pages and
endpoints show only the blinded views of :mod:`evsynth.screening` (``view_for``,
``progress_for``).
"""

from evsynth.web._app import SECURITY_HEADERS, create_app
from evsynth.web._highlight import eligibility_keywords, highlight, keywords_from_toml

__all__ = [
    "create_app",
    "highlight",
    "eligibility_keywords",
    "keywords_from_toml",
    "SECURITY_HEADERS",
]
