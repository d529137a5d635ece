"""The workflow store: open a database, import records, deduplicate, export.

SQLite (one file in the review folder) by default; PostgreSQL (psycopg 3) for a team server.
Every write is one transaction: it happens completely or not at all.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, event, func, insert, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from evsynth.records import (
    WRITE_FORMATS,
    DedupResult,
    Record,
    ReviewPair,
    deduplicate,
    read_records,
    write_records,
)
from evsynth.store._accounts import AccountsMixin
from evsynth.store._decision_log import DecisionLogs
from evsynth.store._errors import StoreError
from evsynth.store._migrations import upgrade_to_head
from evsynth.store._models import (
    KINDS,
    ROLES,
    DecisionRow,
    DedupRunRow,
    GroupMemberRow,
    GroupRow,
    ImportFileRow,
    ImportRow,
    MemberRow,
    QueuePairRow,
    RecordRow,
    ReviewRow,
    SourceRow,
    UserRow,
    utcnow,
)
from evsynth.store._names import check_name as _check_name
from evsynth.store._names import check_stage, stored_record_id
from evsynth.store._stopping_checks import StoppingChecksMixin
from evsynth.store._team import TeamMixin
from evsynth.store._workflow import WorkflowMixin, _derive

__all__ = [
    "DEFAULT_DATABASE",
    "STAGES",
    "DECISIONS",
    "KINDS",
    "ROLES",
    "Store",
    "ImportSummary",
    "DuplicateGroup",
    "DedupRun",
    "DecisionEvent",
    "open_store",
    "stored_record_id",
]

DEFAULT_DATABASE = "evsynth.db"
STAGES = ("title_abstract", "full_text")
DECISIONS = ("include", "exclude", "maybe", "not_retrieved")
#: The decisions taken at each stage: "not_retrieved" only at full text.
_STAGE_DECISIONS = {
    "title_abstract": ("include", "exclude", "maybe"),
    "full_text": DECISIONS,
}

_RECORD_ID = re.compile(r"r(\d+)")
_FIELDS = (
    "title", "abstract", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "issn",
    "language", "type",
)  # fmt: skip


@dataclass(frozen=True)
class ImportSummary:
    """What one :meth:`Store.import_records` call stored.

    Attributes
    ----------
    review, source : str
        Where the records went.
    import_id : int
        The import's number in the store.
    files : tuple of (str, int)
        Each file with its number of records.
    first_last_ids : tuple of str
        Ids of the first and last record stored (empty when the files held none).
    """

    review: str
    source: str
    import_id: int
    files: tuple[tuple[str, int], ...]
    first_last_ids: tuple[str, ...]

    @property
    def n_records(self) -> int:
        """Records stored by this import."""
        return sum(n for _, n in self.files)


@dataclass(frozen=True)
class DuplicateGroup:
    """A current duplicate group of a review.

    Attributes
    ----------
    id : int
        The group's number in the store.
    record_ids : tuple of str
        Record ids, the primary (the record kept) first.
    origin : {"automatic", "person"}
        Made by a deduplication run or by a person.
    created_at : datetime
        When (UTC).
    created_by : str or None
        The user who made a person-made group (None when unknown or automatic).
    """

    id: int
    record_ids: tuple[str, ...]
    origin: str
    created_at: datetime
    created_by: str | None

    @property
    def primary_id(self) -> str:
        """The record kept when duplicates are removed."""
        return self.record_ids[0]


@dataclass(frozen=True)
class DedupRun:
    """One saved deduplication run (the latest one holds the current automatic groups)."""

    id: int
    created_at: datetime
    created_by: str | None
    n_records: int


@dataclass(frozen=True)
class DecisionEvent:
    """A screening decision as stored: append-only, never changed."""

    id: int
    review: str
    record_id: str
    username: str
    stage: str
    kind: str
    decision: str
    reason: str | None
    note: str | None
    created_at: datetime


def _record_number(value: str) -> int:
    match = _RECORD_ID.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise StoreError(f"{value!r} is not a record id (like 'r000123')")
    return int(match.group(1))


def _reason(error: SQLAlchemyError) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _sqlite_url(directory: Path) -> str:
    if not directory.is_dir():
        raise StoreError(f"{directory}: no such folder")
    return f"sqlite:///{directory.resolve() / DEFAULT_DATABASE}"


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"not a database URL: {url!r} (use sqlite:///path/evsynth.db or "
            "postgresql://user@host/database)"
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend in ("postgresql", "postgres"):
        if parsed.drivername not in ("postgresql", "postgres", "postgresql+psycopg"):
            raise StoreError(
                f"unsupported PostgreSQL driver {driver!r}: evsynth uses psycopg 3 "
                "(postgresql:// or postgresql+psycopg://)"
            )
        try:
            return create_engine(parsed.set(drivername="postgresql+psycopg"), pool_pre_ping=True)
        except ImportError:
            raise StoreError("PostgreSQL needs psycopg 3: pip install 'psycopg[binary]'") from None
    if backend == "sqlite":
        if parsed.drivername != "sqlite":
            raise StoreError(f"unsupported SQLite driver {driver!r}: use sqlite:///path")
        return _sqlite_engine(parsed)
    shown = parsed.render_as_string(hide_password=True)
    raise StoreError(
        f"unsupported database {shown!r}: evsynth stores in SQLite (sqlite:///path) "
        "or PostgreSQL (postgresql://...)"
    )


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory and not Path(database).parent.is_dir():
        raise StoreError(f"{Path(database).parent}: no such folder for the SQLite database")
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not in_memory:
            # WAL: readers (the web app) do not block the writer, nor the writer them.
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


def open_store(
    url: str | None = None,
    *,
    directory: str | os.PathLike | None = None,
    clock: Callable[[], datetime] | None = None,
    password_hasher: PasswordHasher | None = None,
) -> Store:
    """Open (and create or upgrade to the newest schema) the workflow store.

    Parameters
    ----------
    url : str, optional
        A database URL: ``sqlite:///path/evsynth.db`` or ``postgresql://user@host/db``
        (psycopg 3; ``postgresql+psycopg://`` is accepted too).
    directory : path, optional
        A review folder: the store is ``DIR/evsynth.db`` (SQLite, WAL journal, foreign keys
        on). Used when ``url`` is None.
    clock, password_hasher
        As for :class:`Store`.

    Returns
    -------
    Store

    Raises
    ------
    StoreError
        Neither argument given, a URL evsynth cannot use, a missing folder, or a database
        that cannot be reached or upgraded.

    Examples
    --------
    >>> import tempfile
    >>> with open_store(directory=tempfile.mkdtemp()) as store:
    ...     store.reviews()
    []
    """
    if url is None:
        if directory is None:
            raise StoreError("give a database URL or a review folder to open the store")
        url = _sqlite_url(Path(directory))
    elif not isinstance(url, str):
        raise StoreError(f"the database URL must be a string; got {type(url).__name__}")
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            upgrade_to_head(connection)
    except SQLAlchemyError as error:
        engine.dispose()
        shown = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot open the store {shown}: {_reason(error)}") from None
    return Store(engine, clock=clock, password_hasher=password_hasher)


class Store(AccountsMixin, TeamMixin, WorkflowMixin, StoppingChecksMixin):
    """An open workflow store (see :func:`open_store`).

    Records are identified by stable ids (``r000001``, ``r000002``, ... per review, in
    import order). Methods that name a review raise :class:`StoreError` when it does not
    exist, except :meth:`import_records`, which creates it, and :meth:`role_of`, an access
    check that answers None.

    Parameters
    ----------
    engine : Engine
        On a database at the newest schema (:func:`open_store` sees to that).
    clock : callable, optional
        Returns the current time, timezone-aware (default: UTC now); used for logins,
        sessions, attachments and study links, so that tests can move time on.
    password_hasher : argon2.PasswordHasher, optional
        Default: argon2-cffi's defaults (argon2id, RFC 9106 low-memory profile). Stored
        hashes made with other parameters are rehashed at the next successful login.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> one = "TY  - JOUR\\nTI  - Peer support for back pain\\nDO  - 10.1000/x\\nER  - \\n"
    >>> _ = (folder / "medline.ris").write_text(one)
    >>> _ = (folder / "embase.ris").write_text(one.replace("back", "Back"))
    >>> with open_store(directory=folder) as store:
    ...     _ = store.import_records("pain", "MEDLINE", [folder / "medline.ris"])
    ...     _ = store.import_records("pain", "Embase", [folder / "embase.ris"])
    ...     print(store.deduplicate("pain").groups)
    ...     print(store.export("pain", folder / "unique.ris"))
    (('r000001', 'r000002'),)
    1
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] | None = None,
        password_hasher: PasswordHasher | None = None,
    ):
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock if clock is not None else utcnow
        self._hasher = password_hasher if password_hasher is not None else PasswordHasher()
        self._decision_logs = DecisionLogs(_derive)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for the web app's own queries)."""
        return self._engine

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Close every connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @contextmanager
    def _transaction(self, action: str) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as error:
            raise StoreError(f"{action} failed, nothing was changed: {_reason(error)}") from None

    def _review(self, session: Session, name: str, *, lock: bool = False) -> ReviewRow:
        query = select(ReviewRow).where(ReviewRow.name == name)
        row = session.scalars(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            known = session.scalars(select(ReviewRow.name).order_by(ReviewRow.name)).all()
            listed = ", ".join(repr(k) for k in known) if known else "none yet"
            raise StoreError(f"no review named {name!r} in {self.url} (reviews: {listed})")
        return row

    def _user(self, session: Session, username: str) -> UserRow:
        row = session.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
        if row is None:
            raise StoreError(f"no user named {username!r} in {self.url}")
        return row

    def _record_pks(self, session: Session, review: ReviewRow, ids: Sequence[str]) -> list[int]:
        numbers = [_record_number(value) for value in ids]
        found = dict(
            session.execute(
                select(RecordRow.number, RecordRow.id).where(
                    RecordRow.review_id == review.id, RecordRow.number.in_(numbers)
                )
            ).all()
        )
        missing = [value for value, n in zip(ids, numbers, strict=True) if n not in found]
        if missing:
            raise StoreError(f"review {review.name!r} has no record {', '.join(missing)}")
        return [found[n] for n in numbers]

    # --- reviews and records ------------------------------------------------------------

    def reviews(self) -> list[str]:
        """Names of the reviews in the store, sorted."""
        with self._transaction("listing the reviews") as session:
            return list(session.scalars(select(ReviewRow.name).order_by(ReviewRow.name)))

    def import_records(
        self,
        review: str,
        source: str,
        files: Sequence[str | os.PathLike],
        *,
        format: str | None = None,
        column_map: dict[str, str] | None = None,
        imported_by: str | None = None,
    ) -> ImportSummary:
        """Import bibliographic export files of one source into a review, all or nothing.

        Every file is read first (:func:`evsynth.records.read_records`); then all records
        are stored in one transaction. The review and source are created when new.

        Parameters
        ----------
        review : str
            The review's name.
        source : str
            The database searched (e.g. ``"MEDLINE (Ovid)"``), stored with each record.
        files : sequence of path
            The export files.
        format, column_map
            As for :func:`~evsynth.records.read_records` (applied to every file).
        imported_by : str, optional
            Who imported (a username or login), kept with the import.

        Returns
        -------
        ImportSummary

        Raises
        ------
        RecordsError
            A file is malformed (names file and line); nothing was stored.
        StoreError
            A file was imported into this review before, or the database failed; nothing
            was stored.
        """
        review = _check_name(review, "review", 200)
        source = _check_name(source, "source", 200)
        if isinstance(files, (str, bytes, os.PathLike)) or not isinstance(files, Sequence):
            raise TypeError("files must be a sequence of paths")
        if not files:
            raise StoreError("no files to import")
        paths = [Path(f) for f in files]
        if len({p.resolve() for p in paths}) != len(paths):
            raise StoreError("the same file is named twice")
        read = []
        for path in paths:
            records = read_records(path, source_name=source, format=format, column_map=column_map)
            read.append((path, hashlib.sha256(path.read_bytes()).hexdigest(), records))
        with self._transaction(f"importing into {review!r}") as session:
            review_row = session.scalars(
                select(ReviewRow).where(ReviewRow.name == review).with_for_update()
            ).one_or_none()
            if review_row is None:
                review_row = ReviewRow(name=review)
                session.add(review_row)
                session.flush()
            self._refuse_reimport(session, review_row, read)
            source_row = session.scalars(
                select(SourceRow).where(
                    SourceRow.review_id == review_row.id, SourceRow.name == source
                )
            ).one_or_none()
            if source_row is None:
                source_row = SourceRow(review_id=review_row.id, name=source)
                session.add(source_row)
                session.flush()
            import_row = ImportRow(
                review_id=review_row.id, source_id=source_row.id, imported_by=imported_by
            )
            session.add(import_row)
            session.flush()
            last = session.scalar(
                select(func.max(RecordRow.number)).where(RecordRow.review_id == review_row.id)
            )
            first = number = (last or 0) + 1
            for path, digest, records in read:
                file_row = ImportFileRow(
                    import_id=import_row.id, path=str(path), sha256=digest, n_records=len(records)
                )
                session.add(file_row)
                session.flush()
                rows = []
                for record in records:
                    rows.append(_record_values(record, number, review_row.id, source_row.id))
                    rows[-1]["import_file_id"] = file_row.id
                    number += 1
                if rows:
                    session.execute(insert(RecordRow), rows)
            import_id = import_row.id
        self._refresh_statistics("records")
        return ImportSummary(
            review=review,
            source=source,
            import_id=import_id,
            files=tuple((str(path), len(records)) for path, _, records in read),
            first_last_ids=(
                (stored_record_id(first), stored_record_id(number - 1)) if number > first else ()
            ),
        )

    def _refresh_statistics(self, *tables: str) -> None:
        """After a bulk import, let PostgreSQL's planner know the tables' new sizes (ANALYZE)
        rather than wait for autovacuum: with stale statistics it reads one record's events
        through the wrong index (1.6 ms instead of 0.08 ms per screening step at 36,000
        events). SQLite's planner needs nothing here."""
        if self._engine.dialect.name != "postgresql":
            return
        with self._engine.connect() as connection:
            for table in tables:
                connection.exec_driver_sql(f"ANALYZE {table}")
            connection.commit()

    def _refuse_reimport(self, session: Session, review: ReviewRow, read: list) -> None:
        digests = {digest: path for path, digest, _ in read}
        earlier = session.execute(
            select(ImportFileRow.sha256, ImportFileRow.path, ImportRow.id)
            .join(ImportRow, ImportRow.id == ImportFileRow.import_id)
            .where(ImportRow.review_id == review.id, ImportFileRow.sha256.in_(digests))
        ).first()
        if earlier is not None:
            path = digests[earlier.sha256]
            alias = "" if str(path) == earlier.path else f" (as {earlier.path})"
            raise StoreError(
                f"{path}: this file was imported into {review.name!r} before{alias} "
                f"(import {earlier.id}); nothing was imported"
            )

    def records(self, review: str) -> dict[str, Record]:
        """Every record of a review, by record id, in import order."""
        with self._transaction(f"reading the records of {review!r}") as session:
            review_row = self._review(session, review)
            rows = session.execute(
                select(RecordRow, SourceRow.name)
                .join(SourceRow, SourceRow.id == RecordRow.source_id)
                .where(RecordRow.review_id == review_row.id)
                .order_by(RecordRow.number)
            ).all()
            return {stored_record_id(row.number): _to_record(row, source) for row, source in rows}

    def record(self, review: str, record: str) -> Record:
        """One record of a review, by its id (``r000123``).

        Raises
        ------
        StoreError
            Unknown review, or the review has no such record.
        """
        with self._transaction(f"reading a record of {review!r}") as session:
            review_row = self._review(session, review)
            (pk,) = self._record_pks(session, review_row, [record])
            row, source = session.execute(
                select(RecordRow, SourceRow.name)
                .join(SourceRow, SourceRow.id == RecordRow.source_id)
                .where(RecordRow.id == pk)
            ).one()
            return _to_record(row, source)

    def source_counts(self, review: str) -> dict[str, int]:
        """Number of records per source, sources in the order they were first imported."""
        with self._transaction(f"counting the records of {review!r}") as session:
            review_row = self._review(session, review)
            rows = session.execute(
                select(SourceRow.name, func.count(RecordRow.id))
                .outerjoin(RecordRow, RecordRow.source_id == SourceRow.id)
                .where(SourceRow.review_id == review_row.id)
                .group_by(SourceRow.id, SourceRow.name)
                .order_by(SourceRow.id)
            ).all()
            return {name: count for name, count in rows}

    # --- deduplication ------------------------------------------------------------------

    def deduplicate(self, review: str, *, run_by: str | None = None) -> DedupResult:
        """Run :func:`evsynth.records.deduplicate` on a review's records and save the run.

        The run's groups replace the earlier run's automatic groups as the current ones (the
        earlier runs stay in the store as history). Person-made groups are never replaced:
        a record in one stays in it, and automatic groups leave it out.

        Returns
        -------
        DedupResult
            The review's current groups (person-made and automatic, primary first) and
            review queue, after this run.
        """
        with self._transaction(f"reading the records of {review!r}") as session:
            review_row = self._review(session, review)
            columns = (RecordRow.number, RecordRow.title, RecordRow.authors, RecordRow.year)
            columns += (RecordRow.journal, RecordRow.volume, RecordRow.issue, RecordRow.pages)
            columns += (RecordRow.doi, RecordRow.pmid, RecordRow.id)
            rows = session.execute(
                select(*columns)
                .where(RecordRow.review_id == review_row.id)
                .order_by(RecordRow.number)
            ).all()
        mappings = [
            {
                "id": stored_record_id(row.number),
                "title": row.title,
                "authors": list(row.authors),
                "year": row.year,
                "journal": row.journal,
                "volume": row.volume,
                "issue": row.issue,
                "pages": row.pages,
                "doi": row.doi,
                "pmid": row.pmid,
            }
            for row in rows
        ]
        result = deduplicate(mappings)
        pk = {stored_record_id(row.number): row.id for row in rows}
        with self._transaction(f"saving the deduplication of {review!r}") as session:
            run = DedupRunRow(review_id=review_row.id, n_records=len(rows), created_by=run_by)
            session.add(run)
            session.flush()
            groups = [
                GroupRow(review_id=review_row.id, run_id=run.id, origin="automatic")
                for _ in result.groups
            ]
            session.add_all(groups)
            session.flush()
            members = [
                {
                    "group_id": group.id,
                    "record_id": pk[member],
                    "position": position,
                    "is_primary": position == 0,
                }
                for group, ids in zip(groups, result.groups, strict=True)
                for position, member in enumerate(ids)
            ]
            if members:
                session.execute(insert(GroupMemberRow), members)
            pairs = [
                {
                    "run_id": run.id,
                    "first_record_id": pk[pair.first_id],
                    "second_record_id": pk[pair.second_id],
                    "title": pair.title,
                    "authors": pair.authors,
                    "journal": pair.journal,
                    "year_match": pair.year_match,
                    "pages_match": pair.pages_match,
                    "reason": pair.reason,
                }
                for pair in result.review_pairs
            ]
            if pairs:
                session.execute(insert(QueuePairRow), pairs)
            current = self._current_groups(session, review_row)
            queue = self._current_queue(session, review_row, current)
        return DedupResult(
            groups=tuple(group.record_ids for group in current),
            review_pairs=queue,
            n_records=len(rows),
        )

    def dedup_runs(self, review: str) -> tuple[DedupRun, ...]:
        """The review's deduplication runs, oldest first."""
        with self._transaction(f"reading the deduplication runs of {review!r}") as session:
            review_row = self._review(session, review)
            rows = session.scalars(
                select(DedupRunRow)
                .where(DedupRunRow.review_id == review_row.id)
                .order_by(DedupRunRow.id)
            )
            return tuple(DedupRun(r.id, r.created_at, r.created_by, r.n_records) for r in rows)

    def duplicate_groups(self, review: str) -> tuple[DuplicateGroup, ...]:
        """The review's current duplicate groups: person-made ones first, then those of the
        latest deduplication run (without records that are in a person-made group)."""
        with self._transaction(f"reading the duplicate groups of {review!r}") as session:
            return self._current_groups(session, self._review(session, review))

    def review_queue(self, review: str) -> tuple[ReviewPair, ...]:
        """Uncertain pairs of the latest deduplication run that no current group settles."""
        with self._transaction(f"reading the review queue of {review!r}") as session:
            review_row = self._review(session, review)
            current = self._current_groups(session, review_row)
            return self._current_queue(session, review_row, current)

    def add_duplicate_group(
        self, review: str, ids: Sequence[str], *, by: str | None = None
    ) -> DuplicateGroup:
        """Record a person's decision that records are duplicates; ``ids[0]`` is kept.

        Person-made groups survive every later deduplication run. A record can be in one
        person-made group only.

        Raises
        ------
        StoreError
            Fewer than two distinct records, an unknown record or user, or a record that is
            already in a person-made group.
        """
        if isinstance(ids, str) or not isinstance(ids, Sequence):
            raise TypeError("ids must be a sequence of record ids")
        if len(set(ids)) != len(ids) or len(ids) < 2:
            raise StoreError("a duplicate group needs two or more distinct records")
        with self._transaction(f"adding a duplicate group to {review!r}") as session:
            review_row = self._review(session, review, lock=True)
            pks = self._record_pks(session, review_row, ids)
            taken = session.execute(
                select(RecordRow.number, GroupRow.id)
                .join(GroupMemberRow, GroupMemberRow.record_id == RecordRow.id)
                .join(GroupRow, GroupRow.id == GroupMemberRow.group_id)
                .where(GroupRow.origin == "person", RecordRow.id.in_(pks))
            ).first()
            if taken is not None:
                raise StoreError(
                    f"{stored_record_id(taken.number)} is already in person-made group {taken.id}"
                )
            user = self._user(session, by) if by is not None else None
            group = GroupRow(
                review_id=review_row.id, origin="person", created_by_id=user.id if user else None
            )
            session.add(group)
            session.flush()
            session.execute(
                insert(GroupMemberRow),
                [
                    {"group_id": group.id, "record_id": pk, "position": i, "is_primary": i == 0}
                    for i, pk in enumerate(pks)
                ],
            )
            return DuplicateGroup(group.id, tuple(ids), "person", group.created_at, by)

    def _latest_run(self, session: Session, review: ReviewRow) -> int | None:
        """The id of the review's latest dedup run (None before the first)."""
        return session.scalar(
            select(func.max(DedupRunRow.id)).where(DedupRunRow.review_id == review.id)
        )

    def _current_group_filter(self, session: Session, review: ReviewRow):
        """Which groups are current: person-made ones and those of the latest run."""
        latest = self._latest_run(session, review)
        wanted = GroupRow.origin == "person"
        return wanted if latest is None else wanted | (GroupRow.run_id == latest)

    def _current_groups(self, session: Session, review: ReviewRow) -> tuple[DuplicateGroup, ...]:
        wanted = self._current_group_filter(session, review)
        rows = session.execute(
            select(GroupRow, UserRow.username, RecordRow.number)
            .join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
            .join(RecordRow, RecordRow.id == GroupMemberRow.record_id)
            .outerjoin(UserRow, UserRow.id == GroupRow.created_by_id)
            .where(GroupRow.review_id == review.id, wanted)
            .order_by(GroupRow.origin.desc(), GroupRow.id, GroupMemberRow.position)
        ).all()
        members: dict[int, list[str]] = {}
        heads: dict[int, tuple[GroupRow, str | None]] = {}
        for group, username, number in rows:
            members.setdefault(group.id, []).append(stored_record_id(number))
            heads[group.id] = (group, username)
        person_made = {
            member for gid, ids in members.items() if heads[gid][0].origin == "person"
            for member in ids
        }  # fmt: skip
        groups = []
        for gid, ids in members.items():
            group, username = heads[gid]
            if group.origin == "automatic":
                ids = [member for member in ids if member not in person_made]
                if len(ids) < 2:
                    continue
            groups.append(DuplicateGroup(gid, tuple(ids), group.origin, group.created_at, username))
        return tuple(groups)

    def _current_queue(
        self, session: Session, review: ReviewRow, current: tuple[DuplicateGroup, ...]
    ) -> tuple[ReviewPair, ...]:
        latest = self._latest_run(session, review)
        if latest is None:
            return ()
        first, second = RecordRow.__table__.alias("first"), RecordRow.__table__.alias("second")
        rows = session.execute(
            select(QueuePairRow, first.c.number, second.c.number)
            .join(first, first.c.id == QueuePairRow.first_record_id)
            .join(second, second.c.id == QueuePairRow.second_record_id)
            .where(QueuePairRow.run_id == latest)
            .order_by(QueuePairRow.id)
        ).all()
        group_of = {member: g.id for g in current for member in g.record_ids}
        queue = []
        for pair, first_number, second_number in rows:
            a, b = stored_record_id(first_number), stored_record_id(second_number)
            if a in group_of and group_of[a] == group_of.get(b):
                continue
            queue.append(
                ReviewPair(
                    first_id=a,
                    second_id=b,
                    title=pair.title,
                    authors=pair.authors,
                    journal=pair.journal,
                    year_match=pair.year_match,
                    pages_match=pair.pages_match,
                    reason=pair.reason,
                )
            )
        return tuple(queue)

    def export(
        self,
        review: str,
        path: str | os.PathLike,
        format: str = "ris",
        unique: bool = True,
    ) -> int:
        """Write a review's records to a RIS or CSV file.

        Parameters
        ----------
        review : str
        path : path
            The file to write.
        format : {"ris", "csv"}
        unique : bool
            True: the primary record of each current duplicate group and every record in no
            group; False: every record.

        Returns
        -------
        int
            Records written.
        """
        if format not in WRITE_FORMATS:
            raise ValueError(f"format must be one of {', '.join(WRITE_FORMATS)}; got {format!r}")
        records = self.records(review)
        if unique:
            for group in self.duplicate_groups(review):
                for member in group.record_ids[1:]:
                    records.pop(member, None)
        write_records(records.values(), path, format)
        return len(records)

    # --- decisions ----------------------------------------------------------------------

    def _append_decision_unchecked(
        self,
        review: str,
        record: str,
        username: str,
        stage: str,
        decision: str,
        *,
        kind: str = "vote",
        reason: str | None = None,
        note: str | None = None,
    ) -> DecisionEvent:
        """Append a screening decision event WITHOUT the screening rules (one vote each,
        who may resolve, locking): for planting histories in tests, broken ones included, to
        check that reading them refuses what the rules forbid. Everything else records
        decisions through :meth:`screen_vote`, :meth:`resolve` or :meth:`import_decisions_csv`.
        Events are never changed or deleted.

        Parameters
        ----------
        review, record : str
            The review and the record id (``r000123``).
        username : str
            A member of the review.
        stage : {"title_abstract", "full_text"}
        decision : {"include", "exclude", "maybe", "not_retrieved"}
            ``"not_retrieved"`` at full text only.
        kind : {"vote", "resolution"}
            A reviewer's independent decision, or the decision settling a conflict (who may
            resolve is the workflow's rule, not the store's).
        reason, note : str, optional
            The exclusion reason; a free note.
        """
        check_stage(stage)
        if decision not in _STAGE_DECISIONS[stage]:
            raise StoreError(
                f"decision must be one of {', '.join(_STAGE_DECISIONS[stage])} at {stage}; "
                f"got {decision!r}"
            )
        if kind not in KINDS:
            raise StoreError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        with self._transaction(f"recording a decision in {review!r}") as session:
            review_row, user = self._review(session, review), self._user(session, username)
            if session.get(MemberRow, (review_row.id, user.id)) is None:
                raise StoreError(f"{username!r} is not a member of review {review!r}")
            (pk,) = self._record_pks(session, review_row, [record])
            row = DecisionRow(
                review_id=review_row.id,
                record_id=pk,
                user_id=user.id,
                stage=stage,
                kind=kind,
                decision=decision,
                reason=reason,
                note=note,
            )
            session.add(row)
            session.flush()
            return decision_event(row, review, stored_record_id(_record_number(record)), username)

    def decisions(
        self, review: str, *, stage: str | None = None, record: str | None = None
    ) -> tuple[DecisionEvent, ...]:
        """A review's decision events in the order they were recorded, optionally of one
        stage and/or one record (served by the index on review, stage and record)."""
        if stage is not None and stage not in STAGES:
            raise StoreError(f"stage must be one of {', '.join(STAGES)}; got {stage!r}")
        with self._transaction(f"reading the decisions of {review!r}") as session:
            review_row = self._review(session, review)
            query = (
                select(DecisionRow, UserRow.username, RecordRow.number)
                .join(UserRow, UserRow.id == DecisionRow.user_id)
                .join(RecordRow, RecordRow.id == DecisionRow.record_id)
                .where(DecisionRow.review_id == review_row.id)
                .order_by(DecisionRow.id)
            )
            if stage is not None:
                query = query.where(DecisionRow.stage == stage)
            if record is not None:
                (pk,) = self._record_pks(session, review_row, [record])
                query = query.where(DecisionRow.record_id == pk)
            rows = session.execute(query).all()
            return tuple(
                decision_event(row, review, stored_record_id(number), username)
                for row, username, number in rows
            )


def _record_values(record: Record, number: int, review_id: int, source_id: int) -> dict:
    values = {field: getattr(record, field) for field in _FIELDS}
    values.update(
        review_id=review_id,
        number=number,
        source_id=source_id,
        source_file=record.source_file,
        record_index=record.record_index,
        line=record.line,
        raw=record.raw,
        authors=list(record.authors),
    )
    return values


def decision_event(row: DecisionRow, review: str, record: str, username: str) -> DecisionEvent:
    """The public form of a stored decision event (``record`` is its text id)."""
    return DecisionEvent(
        id=row.id,
        review=review,
        record_id=record,
        username=username,
        stage=row.stage,
        kind=row.kind,
        decision=row.decision,
        reason=row.reason,
        note=row.note,
        created_at=row.created_at,
    )


def _to_record(row: RecordRow, source: str) -> Record:
    return Record(
        source_file=row.source_file,
        source_name=source,
        record_index=row.record_index,
        line=row.line,
        raw=row.raw,
        authors=tuple(row.authors),
        **{field: getattr(row, field) for field in _FIELDS},
    )
