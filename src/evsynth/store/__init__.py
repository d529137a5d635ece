"""The workflow store: records, duplicate groups, users and screening decisions in a database.

SQLite in the review folder (``DIR/evsynth.db``) by default, PostgreSQL for a team server.
``open_store()`` creates or upgrades the schema (Alembic migrations shipped in the package);
every write is one transaction, so a failed import changes nothing.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.ris").write_text("TY  - JOUR\\nTI  - A trial\\nPY  - 2020\\nER  - \\n")
>>> with open_store(directory=folder) as store:
...     summary = store.import_records("pain", "Embase", [folder / "a.ris"])
...     (summary.n_records, store.source_counts("pain"))
(1, {'Embase': 1})
"""

from evsynth.store._accounts import (
    ACCOUNT_HISTORY_RETENTION,
    LOGIN_WINDOW,
    MAX_LOGIN_FAILURES,
    MIN_PASSWORD_LENGTH,
    SESSION_LIFETIME,
    NewSession,
    RateLimited,
    SessionUser,
    User,
)
from evsynth.store._errors import StoreError
from evsynth.store._stopping_checks import StoppingCheck
from evsynth.store._store import (
    DECISIONS,
    DEFAULT_DATABASE,
    KINDS,
    ROLES,
    STAGES,
    DecisionEvent,
    DedupRun,
    DuplicateGroup,
    ImportSummary,
    Store,
    open_store,
    stored_record_id,
)
from evsynth.store._team import (
    DEFAULT_EXCLUSION_REASONS,
    MAX_ATTACHMENT_BYTES,
    MAX_VOTES_REQUIRED,
    Attachment,
    Member,
    ReviewSettings,
    StudyLink,
)
from evsynth.store._workflow import (
    DECISIONS_CSV_FIELDS,
    SPREAD_BLOCK,
    STUDIES_CSV_FIELDS,
    RecordedDecision,
    ScreeningStep,
)

__all__ = [
    "open_store",
    "Store",
    "StoreError",
    "ImportSummary",
    "DuplicateGroup",
    "DedupRun",
    "DecisionEvent",
    "User",
    "RateLimited",
    "NewSession",
    "SessionUser",
    "Member",
    "ReviewSettings",
    "Attachment",
    "StudyLink",
    "stored_record_id",
    "DEFAULT_DATABASE",
    "DEFAULT_EXCLUSION_REASONS",
    "STAGES",
    "DECISIONS",
    "KINDS",
    "ROLES",
    "LOGIN_WINDOW",
    "MAX_LOGIN_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "SESSION_LIFETIME",
    "ACCOUNT_HISTORY_RETENTION",
    "MAX_ATTACHMENT_BYTES",
    "MAX_VOTES_REQUIRED",
    "DECISIONS_CSV_FIELDS",
    "STUDIES_CSV_FIELDS",
    "SPREAD_BLOCK",
    "ScreeningStep",
    "RecordedDecision",
    "StoppingCheck",
]
