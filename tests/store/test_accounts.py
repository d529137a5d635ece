"""Accounts: argon2 hashes and rehashing, logins with rate limiting, sessions."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from evsynth.store import (
    LOGIN_WINDOW,
    MAX_LOGIN_FAILURES,
    RateLimited,
    Store,
    StoreError,
    User,
    open_store,
)
from evsynth.store._models import LoginAttemptRow, SessionRow, UserRow

from .conftest import fast_hasher

PASSWORD = "correct horse battery"


class CountingHasher(PasswordHasher):
    """The fast test hasher, noting the hashes it verifies against."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash, password):
        self.verified.append(hash)
        return super().verify(hash, password)


@pytest.fixture
def accounts(store_url, clock):
    with open_store(store_url, clock=clock, password_hasher=CountingHasher()) as store:
        store.add_user("ann", PASSWORD)
        store.add_user("bob", "bobs password")
        yield store


def stored_hash(store: Store, username: str) -> str | None:
    with store.engine.connect() as connection:
        return connection.scalar(select(UserRow.password_hash).where(UserRow.username == username))


def attempts(store: Store) -> list[tuple[str, str, bool]]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(
                LoginAttemptRow.username, LoginAttemptRow.client, LoginAttemptRow.success
            ).order_by(LoginAttemptRow.id)
        ).all()
    return [tuple(row) for row in rows]


# --- passwords ----------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes(accounts):
    stored = stored_hash(accounts, "ann")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert stored != stored_hash(accounts, "bob")
    accounts.add_user("no-login")
    assert stored_hash(accounts, "no-login") is None
    assert accounts.users() == ["ann", "bob", "no-login"]


def test_bad_passwords_add_no_user(team_store):
    for password, message in [
        ("short", "at least 8 characters"),
        ("x" * 1025, "at most 1024"),
        (12345678, "a string"),
    ]:
        with pytest.raises(StoreError, match=message):
            team_store.add_user("ann", password)
    assert team_store.users() == []


def test_login_checks_the_password(accounts, clock):
    user = accounts.verify_login("ann", PASSWORD, client="10.0.0.1")
    assert user == User("ann", user.created_at)
    assert accounts.verify_login("ann", "wrong password", client="10.0.0.1") is None
    assert accounts.verify_login("nobody", PASSWORD, client="10.0.0.1") is None
    accounts.add_user("no-login")
    assert accounts.verify_login("no-login", "", client="10.0.0.1") is None
    accounts.add_user("a" * 100, PASSWORD)
    assert accounts.verify_login("a" * 101, PASSWORD, client="10.0.0.1") is None
    assert accounts.verify_login(" " + "a" * 100, PASSWORD, client="10.0.0.1")
    assert attempts(accounts) == [
        ("ann", "10.0.0.1", True),
        ("ann", "10.0.0.1", False),
        ("nobody", "10.0.0.1", False),
        ("no-login", "10.0.0.1", False),
        ("a" * 100, "10.0.0.1", False),
        ("a" * 100, "10.0.0.1", True),
    ]


def test_unknown_users_cost_a_hash_like_known_ones(accounts):
    verified = accounts._hasher.verified
    accounts.verify_login("ann", "wrong password", client="c")
    accounts.verify_login("nobody", "wrong password", client="c")
    accounts.verify_login("nobody-else", "wrong password", client="c")
    assert len(verified) == 3
    assert verified[0] == stored_hash(accounts, "ann")
    assert verified[1] == verified[2] and verified[1].startswith("$argon2id$")


def test_a_hash_with_old_parameters_is_rehashed_at_login(store_url, clock):
    with open_store(store_url, clock=clock, password_hasher=fast_hasher(1)) as old:
        old.add_user("ann", PASSWORD)
        before = stored_hash(old, "ann")
    with open_store(store_url, clock=clock, password_hasher=fast_hasher(2)) as new:
        assert new.verify_login("ann", "wrong password", client="c") is None
        assert stored_hash(new, "ann") == before  # a wrong password changes nothing
        assert new.verify_login("ann", PASSWORD, client="c")
        after = stored_hash(new, "ann")
        assert ",t=1," in before and ",t=2," in after
        assert new.verify_login("ann", PASSWORD, client="c")
        assert stored_hash(new, "ann") == after  # current parameters: kept


def test_login_arguments_are_checked(accounts):
    with pytest.raises(StoreError, match="client address"):
        accounts.verify_login("ann", PASSWORD, client="")
    with pytest.raises(TypeError, match="strings"):
        accounts.verify_login("ann", None, client="c")
    assert attempts(accounts) == []


# --- rate limiting -----------------------------------------------------------------------


def fail(store: Store, username: str = "ann", client: str = "10.0.0.1", times: int = 1):
    return [store.verify_login(username, "wrong password", client=client) for _ in range(times)]


def test_five_failures_for_a_username_refuse_further_attempts(accounts, clock):
    for _ in range(MAX_LOGIN_FAILURES):
        assert fail(accounts, client=f"10.0.0.{_}") == [None]
        clock.advance(minutes=1)
    checked = len(accounts._hasher.verified)
    refused = accounts.verify_login("ann", PASSWORD, client="10.9.9.9")
    assert isinstance(refused, RateLimited) and not refused
    assert len(accounts._hasher.verified) == checked  # the password was not even checked
    # the first failure was at 9:00; attempts are allowed again at 9:15 (now 9:05)
    assert refused.retry_after == timedelta(minutes=10)
    assert len(attempts(accounts)) == MAX_LOGIN_FAILURES  # refused attempts are not recorded
    assert accounts.verify_login("bob", "bobs password", client="10.9.9.9")  # others may


def test_the_refusal_ends_when_the_window_passes(accounts, clock):
    fail(accounts, times=MAX_LOGIN_FAILURES)
    clock.advance(minutes=14, seconds=59)
    assert isinstance(accounts.verify_login("ann", PASSWORD, client="c2"), RateLimited)
    clock.advance(seconds=1)
    assert accounts.verify_login("ann", PASSWORD, client="c2") == User(
        "ann", accounts.verify_login("ann", PASSWORD, client="c2").created_at
    )


def test_failures_spread_beyond_the_window_are_not_limited(accounts, clock):
    for _ in range(3 * MAX_LOGIN_FAILURES):
        assert fail(accounts) == [None]
        clock.advance(seconds=LOGIN_WINDOW.total_seconds() / (MAX_LOGIN_FAILURES - 1) + 1)


def test_five_failures_from_a_client_refuse_every_username(accounts):
    for name in ("ann", "bob", "carol", "dave", "erin"):
        fail(accounts, username=name, client="203.0.113.7")
    assert isinstance(
        accounts.verify_login("bob", "bobs password", client="203.0.113.7"), RateLimited
    )
    assert accounts.verify_login("bob", "bobs password", client="198.51.100.1")


def test_a_successful_login_clears_the_username_count_but_not_the_client_count(accounts):
    fail(accounts, client="a", times=MAX_LOGIN_FAILURES - 1)
    assert accounts.verify_login("ann", PASSWORD, client="b")
    fail(accounts, client="c", times=MAX_LOGIN_FAILURES - 1)
    assert accounts.verify_login("ann", PASSWORD, client="d")  # 8 failures, 4 since success
    fail(accounts, username="bob", client="a")  # client a: 5 failures now
    assert isinstance(accounts.verify_login("bob", "bobs password", client="a"), RateLimited)


# --- sessions -----------------------------------------------------------------------------


def test_sessions_store_only_the_token_digest(accounts, clock):
    new = accounts.create_session("ann")
    assert len(new.token) == 43 and len(new.csrf_token) == 43 and new.token != new.csrf_token
    assert new.expires_at == clock.now + timedelta(hours=12)
    assert new.token not in repr(new) and new.csrf_token not in repr(new)
    with accounts.engine.connect() as connection:
        (row,) = connection.execute(select(SessionRow)).all()
    assert row.token_sha256 == hashlib.sha256(new.token.encode()).hexdigest()
    assert new.token not in {str(value) for value in row}
    user = accounts.session_user(new.token)
    assert (user.username, user.csrf_token, user.expires_at) == (
        "ann",
        new.csrf_token,
        new.expires_at,
    )
    assert user.csrf_matches(new.csrf_token) and not user.csrf_matches(new.token)
    assert accounts.create_session("ann").csrf_token != new.csrf_token  # per session


def test_unknown_and_malformed_tokens_have_no_user(accounts):
    accounts.create_session("ann")
    for token in [None, "", "x" * 43, "x" * 42, b"x" * 43, "ü" * 43]:
        assert accounts.session_user(token) is None
        assert accounts.revoke_session(token) is False


def test_sessions_expire(accounts, clock):
    new = accounts.create_session("ann", lifetime=timedelta(hours=1))
    clock.advance(minutes=59, seconds=59)
    assert accounts.session_user(new.token).last_seen_at == clock.now
    clock.advance(seconds=1)
    assert accounts.session_user(new.token) is None
    assert accounts.revoke_session(new.token) is False
    with pytest.raises(StoreError, match="positive timedelta"):
        accounts.create_session("ann", lifetime=timedelta(0))
    with pytest.raises(StoreError, match="no user named 'nobody'"):
        accounts.create_session("nobody")


def test_last_seen_is_written_at_most_once_a_minute(accounts, clock):
    new = accounts.create_session("ann")
    clock.advance(seconds=30)
    assert accounts.session_user(new.token).last_seen_at == new.created_at
    clock.advance(seconds=30)
    assert accounts.session_user(new.token).last_seen_at == clock.now


def test_sessions_are_revoked(accounts):
    first, second = accounts.create_session("ann"), accounts.create_session("ann")
    other = accounts.create_session("bob")
    assert accounts.revoke_session(first.token) is True
    assert accounts.revoke_session(first.token) is False
    assert accounts.session_user(first.token) is None
    assert accounts.session_user(second.token).username == "ann"
    third = accounts.create_session("ann")
    assert accounts.revoke_sessions("ann") == 2
    assert (
        accounts.session_user(second.token) is None and accounts.session_user(third.token) is None
    )
    assert accounts.session_user(other.token).username == "bob"
    with accounts.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(SessionRow)) == 4


def test_ended_sessions_and_old_login_attempts_are_deleted_after_the_retention(accounts, clock):
    expired = accounts.create_session("ann", lifetime=timedelta(hours=1))
    revoked = accounts.create_session("bob")
    accounts.revoke_session(revoked.token)
    assert accounts.verify_login("ann", "wrong password", client="10.0.0.7") is None
    clock.advance(days=30)  # the retention counts from the end of a session
    accounts.create_session("ann")
    with accounts.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(SessionRow)) == 3
        assert connection.scalar(select(func.count()).select_from(LoginAttemptRow)) == 1
    clock.advance(hours=1, seconds=1)
    live = accounts.create_session("bob")
    with accounts.engine.connect() as connection:
        hashes = set(connection.scalars(select(SessionRow.token_sha256)))
        assert connection.scalar(select(func.count()).select_from(LoginAttemptRow)) == 0
    digest = {hashlib.sha256(s.token.encode()).hexdigest(): s for s in (expired, revoked, live)}
    assert {digest[h] for h in hashes if h in digest} == {live}
    assert len(hashes) == 2  # the session started 30 days later and the one just started
    assert accounts.session_user(live.token).username == "bob"
