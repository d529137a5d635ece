"""Accounts: argon2 password hashes, logins with rate limiting, sessions with CSRF tokens.

The methods here are part of :class:`evsynth.store.Store` (mixed in); they use its
``_transaction``, ``_user``, ``_clock`` and ``_hasher``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select, update

from evsynth.store._errors import StoreError
from evsynth.store._models import LoginAttemptRow, SessionRow, UserRow
from evsynth.store._names import check_name
from evsynth.store._team import role_select

__all__ = [
    "LOGIN_WINDOW",
    "MAX_LOGIN_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "SESSION_LIFETIME",
    "User",
    "RateLimited",
    "NewSession",
    "SessionUser",
    "AccountsMixin",
]

LOGIN_WINDOW = timedelta(minutes=15)
MAX_LOGIN_FAILURES = 5
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
SESSION_LIFETIME = timedelta(hours=12)
#: Ended sessions (expired or revoked) and login attempts are kept this long, for the
#: record, then deleted when someone next logs in.
ACCOUNT_HISTORY_RETENTION = timedelta(days=30)
# last_seen_at is written at most this often, so that reading a session is not a write per request
_LAST_SEEN_RESOLUTION = timedelta(minutes=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


@dataclass(frozen=True)
class User:
    """A user of the store, as :meth:`Store.verify_login` returns them."""

    username: str
    created_at: datetime


@dataclass(frozen=True)
class RateLimited:
    """:meth:`Store.verify_login`'s answer while a username or client has had too many recent
    failures: the password was not checked. False in a boolean test, like a failed login.

    Examples
    --------
    >>> outcome = RateLimited(retry_after=timedelta(minutes=3))
    >>> bool(outcome), int(outcome.retry_after.total_seconds())
    (False, 180)
    """

    retry_after: timedelta

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True)
class NewSession:
    """A session just created: ``token`` goes into the cookie and is never stored (only its
    SHA-256 is); ``csrf_token`` goes into the session's forms."""

    token: str = field(repr=False)
    username: str
    csrf_token: str = field(repr=False)
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class SessionUser:
    """The user of a valid session, with the session's CSRF token."""

    username: str
    csrf_token: str = field(repr=False)
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime

    def csrf_matches(self, value: object) -> bool:
        """Whether ``value`` (from a form or header) is this session's CSRF token, compared in
        constant time.

        Examples
        --------
        >>> from datetime import UTC
        >>> now = datetime(2026, 1, 1, tzinfo=UTC)
        >>> user = SessionUser("ann", "abc", now, now, now)
        >>> user.csrf_matches("abc"), user.csrf_matches("abd"), user.csrf_matches(None)
        (True, False, False)
        """
        if not isinstance(value, str):
            return False
        return hmac.compare_digest(value.encode(), self.csrf_token.encode())


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _check_password(password: object) -> str:
    if not isinstance(password, str):
        raise StoreError(f"the password must be a string; got {type(password).__name__}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StoreError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    return password


class AccountsMixin:
    """Users, logins and sessions (part of :class:`Store`)."""

    _hasher: PasswordHasher
    _dummy_hash: str | None = None

    # --- users --------------------------------------------------------------------------

    def add_user(self, username: str, password: str | None = None) -> None:
        """Add a user; the password is stored as an argon2id hash.

        Parameters
        ----------
        username : str
            Unique in the database (users are global to it; roles are per review).
        password : str, optional
            At least 8 characters. None: the user cannot log in (a name for records kept by
            the command line, e.g. who made a duplicate group).

        Raises
        ------
        StoreError
            The name is taken or empty, or the password is too short.
        """
        username = check_name(username, "user", 100)
        hashed = None if password is None else self._hasher.hash(_check_password(password))
        with self._transaction(f"adding user {username!r}") as session:
            exists = session.scalar(select(UserRow.id).where(UserRow.username == username))
            if exists is not None:
                raise StoreError(f"a user named {username!r} exists already")
            session.add(UserRow(username=username, password_hash=hashed))

    def users(self) -> list[str]:
        """Names of the database's users, sorted."""
        with self._transaction("listing the users") as session:
            return list(session.scalars(select(UserRow.username).order_by(UserRow.username)))

    # --- logins -------------------------------------------------------------------------

    def verify_login(
        self, username: str, password: str, *, client: str
    ) -> User | RateLimited | None:
        """Check a login and record the attempt, refusing while it is rate-limited.

        After :data:`MAX_LOGIN_FAILURES` (5) failures within :data:`LOGIN_WINDOW` (15
        minutes) for the username (since its last successful login) or from the client,
        attempts are refused without checking the password until the oldest of those
        failures leaves the window; refused attempts are not recorded (so they do not
        prolong the refusal). An unknown user costs the same hashing time as a known one. A
        correct password whose hash has older argon2 parameters is rehashed.

        Parameters
        ----------
        username, password : str
            As typed.
        client : str
            The client's address (e.g. ``request.client.host``).

        Returns
        -------
        User or RateLimited or None
            The user when the password is right; :class:`RateLimited` (falsy) when refused;
            None when the username or password is wrong.

        Examples
        --------
        >>> import tempfile
        >>> from evsynth.store import open_store
        >>> with open_store(directory=tempfile.mkdtemp()) as store:
        ...     store.add_user("ann", "correct horse battery")
        ...     print(store.verify_login("ann", "wrong password", client="10.0.0.7"))
        ...     user = store.verify_login("ann", "correct horse battery", client="10.0.0.7")
        ...     session = store.create_session(user.username)
        ...     print(store.session_user(session.token).username)
        ...     print(store.revoke_session(session.token), store.session_user(session.token))
        None
        ann
        True None
        """
        if not isinstance(username, str) or not isinstance(password, str):
            raise TypeError("username and password must be strings")
        if not isinstance(client, str) or not client.strip():
            raise StoreError(f"the client address must be a non-empty string; got {client!r}")
        name = username.strip()
        recorded, client = name[:100], client.strip()[:100]  # the columns' lengths
        now = self._clock()
        with self._transaction("checking a login") as session:
            retry_at = self._login_refused_until(session, recorded, client, now)
            user = None
            if retry_at is None:
                user = session.execute(
                    select(UserRow.id, UserRow.password_hash, UserRow.created_at).where(
                        UserRow.username == name
                    )
                ).one_or_none()
        if retry_at is not None:
            return RateLimited(retry_after=retry_at - now)
        stored = user.password_hash if user is not None else None
        success = self._password_matches(stored, password)
        rehashed = None
        if success and self._hasher.check_needs_rehash(stored):
            rehashed = self._hasher.hash(password)
        with self._transaction("recording a login") as session:
            session.add(
                LoginAttemptRow(username=recorded, client=client, attempted_at=now, success=success)
            )
            if rehashed is not None:
                session.execute(
                    update(UserRow).where(UserRow.id == user.id).values(password_hash=rehashed)
                )
        return User(name, user.created_at) if success else None

    def _password_matches(self, stored: str | None, password: str) -> bool:
        if stored is None:
            # no such user (or no password): spend the same time as a real check
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
            stored = self._dummy_hash
            try:
                self._hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                pass
            return False
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _login_refused_until(self, session, username: str, client: str, now: datetime):
        """When attempts for ``username`` / from ``client`` are allowed again (None: now)."""
        start = now - LOGIN_WINDOW
        last_success = session.scalar(
            select(func.max(LoginAttemptRow.attempted_at)).where(
                LoginAttemptRow.username == username,
                LoginAttemptRow.success.is_(True),
                LoginAttemptRow.attempted_at > start,
            )
        )
        user_since = max(start, last_success) if last_success is not None else start
        refused = []
        for column, value, since in (
            (LoginAttemptRow.username, username, user_since),
            (LoginAttemptRow.client, client, start),
        ):
            failures = session.scalars(
                select(LoginAttemptRow.attempted_at)
                .where(
                    column == value,
                    LoginAttemptRow.success.is_(False),
                    LoginAttemptRow.attempted_at > since,
                )
                .order_by(LoginAttemptRow.attempted_at.desc())
                .limit(MAX_LOGIN_FAILURES)
            ).all()
            if len(failures) >= MAX_LOGIN_FAILURES:
                refused.append(failures[-1] + LOGIN_WINDOW)
        return max(refused) if refused else None

    # --- sessions -----------------------------------------------------------------------

    def create_session(
        self, username: str, *, lifetime: timedelta = SESSION_LIFETIME
    ) -> NewSession:
        """Start a session for a user (after :meth:`verify_login` said yes).

        Parameters
        ----------
        username : str
        lifetime : timedelta
            The session expires this long after it starts (default 12 hours).

        Returns
        -------
        NewSession
            ``token`` (32 random bytes, URL-safe base64) for the cookie; only its SHA-256
            is stored. ``csrf_token`` (random, per session) for the forms.
        """
        if not isinstance(lifetime, timedelta) or lifetime <= timedelta(0):
            raise StoreError(f"the session lifetime must be a positive timedelta; got {lifetime!r}")
        token, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self._clock()
        with self._transaction(f"starting a session for {username!r}") as session:
            user = self._user(session, username)
            self._prune_history(session, now)
            session.add(
                SessionRow(
                    token_sha256=_token_digest(token),
                    user_id=user.id,
                    csrf_token=csrf_token,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + lifetime,
                )
            )
        return NewSession(token, user.username, csrf_token, now, now + lifetime)

    def _prune_history(self, session, now: datetime) -> None:
        """Delete the sessions that ended, and the login attempts made, more than
        :data:`ACCOUNT_HISTORY_RETENTION` ago (far beyond any rate-limiting window)."""
        before = now - ACCOUNT_HISTORY_RETENTION
        session.execute(
            delete(SessionRow).where(
                or_(SessionRow.expires_at < before, SessionRow.revoked_at < before)
            )
        )
        session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.attempted_at < before))

    def session_user(self, token: object) -> SessionUser | None:
        """The user of the session with this cookie token, or None when the token is unknown,
        malformed, expired or revoked. Notes when the session was last seen."""
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            return None
        with self._transaction("reading a session") as session:
            return self._session_user(session, token)

    def session_member(self, token: object, review: str) -> tuple[SessionUser, str | None] | None:
        """:meth:`session_user` and the user's role in ``review`` (None when not a member, as
        :meth:`role_of` says), read in one transaction: the check before every request to a
        review. None when there is no valid session."""
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            return None
        with self._transaction("reading a session") as session:
            user = self._session_user(session, token)
            if user is None:
                return None
            role = (
                session.scalar(role_select(review, user.username))
                if isinstance(review, str)
                else None
            )
            return user, role

    def _session_user(self, session, token: str) -> SessionUser | None:
        found = session.execute(
            select(SessionRow, UserRow.username)
            .join(UserRow, UserRow.id == SessionRow.user_id)
            .where(SessionRow.token_sha256 == _token_digest(token))
        ).one_or_none()
        if found is None:
            return None
        row, username = found
        now = self._clock()
        if row.revoked_at is not None or now >= row.expires_at:
            return None
        if now - row.last_seen_at >= _LAST_SEEN_RESOLUTION:
            row.last_seen_at = now
        return SessionUser(
            username, row.csrf_token, row.created_at, row.last_seen_at, row.expires_at
        )

    def revoke_session(self, token: object) -> bool:
        """End a session (log out). True when a valid session was ended."""
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            return False
        now = self._clock()
        with self._transaction("ending a session") as session:
            result = session.execute(
                update(SessionRow)
                .where(
                    SessionRow.token_sha256 == _token_digest(token),
                    SessionRow.revoked_at.is_(None),
                    SessionRow.expires_at > now,
                )
                .values(revoked_at=now)
            )
            return result.rowcount > 0

    def revoke_sessions(self, username: str) -> int:
        """End every valid session of a user (e.g. after a password leak); how many ended."""
        now = self._clock()
        with self._transaction(f"ending the sessions of {username!r}") as session:
            user = self._user(session, username)
            result = session.execute(
                update(SessionRow)
                .where(
                    SessionRow.user_id == user.id,
                    SessionRow.revoked_at.is_(None),
                    SessionRow.expires_at > now,
                )
                .values(revoked_at=now)
            )
            return result.rowcount
