"""The workbench in the browser: dual independent, blinded screening for a review team.

``create_app(store)`` builds the FastAPI app over an open :class:`evsynth.store.Store`:
server-rendered pages (Jinja2) with a little hand-written JavaScript, and JSON endpoints
behind the same access, blinding and CSRF rules. ``evsynth serve DIR`` runs it with uvicorn.
The app computes no statistics: states, views, progress, agreement and PRISMA counts come
from :mod:`evsynth.screening`, through the one adapter :class:`Workflow`.
"""

from evsynth.web._app import SECURITY_HEADERS, create_app
from evsynth.web._highlight import eligibility_keywords, highlight, keywords_from_toml
from evsynth.web._workflow import PrismaOutcome, Workflow, WorkflowRefusal

__all__ = [
    "create_app",
    "Workflow",
    "WorkflowRefusal",
    "PrismaOutcome",
    "highlight",
    "eligibility_keywords",
    "keywords_from_toml",
    "SECURITY_HEADERS",
]
