import logging
import uuid

import pytest
from fastapi.testclient import TestClient

from portal.accounts import routes
from portal.accounts.ratelimit import RateLimit, for_app
from tests.conftest import csrf_token, service_unavailable
from tests.factories import form_login as login
from tests.factories import make_user

REDIS_URL = "redis://127.0.0.1:6379/15"
PREFIX = "portal-rl"


def test_rate_limit_counts_per_key_on_a_moving_window():
    limit = RateLimit("3/minute", namespace=f"t-{uuid.uuid4().hex}")
    assert [limit.hit("a")[0] for _ in range(3)] == [True, True, True]
    allowed, retry = limit.hit("a")
    assert not allowed and 1 <= retry <= 60
    assert limit.hit("b") == (True, 0)  # other keys unaffected
    limit.clear("a")
    assert limit.hit("a") == (True, 0)


def test_redis_down_falls_back_to_memory_with_a_warning(caplog):
    limit = RateLimit("2/minute", storage_url="redis://127.0.0.1:1/0", namespace="down")
    with caplog.at_level(logging.WARNING, logger="portal.ratelimit"):
        assert limit.hit("k") == (True, 0)
    assert limit.fallback
    assert "falling back" in caplog.text
    assert limit.hit("k")[0] is True
    assert limit.hit("k")[0] is False


def test_limiters_are_per_app(app, settings, db):
    from portal.app import create_app

    other = create_app(settings, db=db)
    assert for_app(app, "x", "1/minute") is for_app(app, "x", "1/minute")
    assert for_app(app, "x", "1/minute") is not for_app(other, "x", "1/minute")


def _sixth_attempt_is_refused(client, session):
    """Five failures of one account from one address: then even the right password waits for the window."""
    csrf = csrf_token(client)
    user = make_user(session, email=f"rl-{uuid.uuid4().hex[:10]}@soctrang.gov.vn")
    for _ in range(5):
        assert login(client, csrf, email=user.email, password="wrong password again").status_code == 400
    response = login(client, csrf, email=user.email)  # even the right password
    assert response.status_code == 429
    retry = int(response.headers["retry-after"])
    assert 1 <= retry <= 15 * 60
    assert f"{retry}" in response.text
    assert "portal_session" not in "".join(response.headers.get_list("set-cookie"))
    # a different account from the same address is still allowed
    other = make_user(session)
    assert login(client, csrf, email=other.email).status_code == 303
    return user


def test_login_rate_limit_per_account_in_memory(client, session):
    _sixth_attempt_is_refused(client, session)


def test_login_rate_limit_per_address(client, csrf, session, monkeypatch):
    monkeypatch.setattr(routes, "LOGIN_FAILURES_PER_ADDRESS", "3/15 minutes")
    fresh = TestClient(client.app, base_url="http://127.0.0.1:8000")
    token = csrf_token(fresh)
    for i in range(3):
        assert login(fresh, token, email=f"a{i}@x.vn", password="wrong password x").status_code == 400
    response = login(fresh, token, email="a9@x.vn", password="wrong password x", lang="en")
    assert response.status_code == 429
    assert "Too many attempts" in response.text


@pytest.fixture
def redis_client():
    import redis

    conn = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        conn.ping()
    except redis.RedisError as err:
        service_unavailable("Redis", err)

    yield conn
    conn.close()


@pytest.mark.redis
def test_login_rate_limit_on_redis(settings, db, redis_client):
    from portal.app import create_app

    # A client address of its own: the per-address count starts at zero although other runs of the suite
    # (the other pass, other checkouts on this machine) count failures on the same Redis at the same time.
    address = f"redis-{uuid.uuid4().hex[:12]}"
    ours = [address]
    app = create_app(settings.model_copy(update={"ratelimit_url": REDIS_URL}), db=db)
    try:
        with TestClient(app, base_url="http://127.0.0.1:8000", client=(address, 50000)) as c, db.session() as s:
            user = _sixth_attempt_is_refused(c, s)
            ours.append(user.email)
            limiter = app.state.ratelimits["login-fail-account-address"]
            assert not limiter.fallback
            prefix = app.state.settings.ratelimit_key_prefix.encode()
            assert any(user.email.encode() in k and k.startswith(prefix) for k in redis_client.scan_iter(f"{PREFIX}*"))
        # shared between workers: a second app on the same Redis sees the same counts
        second = create_app(settings.model_copy(update={"ratelimit_url": REDIS_URL}), db=db)
        shared = for_app(second, "login-fail-account-address", routes.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS)
        assert shared.check(f"{user.email}|{address}")[0] is False
    finally:
        for key in [k for mark in ours for k in redis_client.scan_iter(f"{PREFIX}*{mark}*")]:
            redis_client.delete(key)


def test_the_rate_limit_prefix_comes_from_settings_and_differs_per_database(settings):
    assert settings.model_copy(update={"ratelimit_prefix": "soctrang"}).ratelimit_key_prefix == "soctrang"
    one = settings.model_copy(update={"database_url": "postgresql+psycopg://u:secret@db/portal_a"})
    other = settings.model_copy(update={"database_url": "postgresql+psycopg://u:secret@db/portal_b"})
    assert one.ratelimit_key_prefix.startswith("portal-rl-")
    assert one.ratelimit_key_prefix != other.ratelimit_key_prefix
    assert "secret" not in one.ratelimit_key_prefix
    rotated = settings.model_copy(update={"database_url": "postgresql+psycopg://u:rotated@db/portal_a"})
    assert rotated.ratelimit_key_prefix == one.ratelimit_key_prefix  # a new password: the same counts


@pytest.mark.redis
def test_two_portals_on_one_redis_keep_their_own_counts(settings, db, redis_client):
    """Two portals (two databases) on one Redis: each its own counts; the workers of one share theirs."""
    from portal.app import create_app

    run = uuid.uuid4().hex[:8]
    on_redis = {"ratelimit_url": REDIS_URL}
    first = settings.model_copy(update={**on_redis, "database_url": f"sqlite:////tmp/rl-{run}-a.db"})
    second = settings.model_copy(update={**on_redis, "database_url": f"sqlite:////tmp/rl-{run}-b.db"})
    worker_a, worker_b = create_app(first, db=db), create_app(first, db=db)  # two workers of the first portal
    other_portal = create_app(second, db=db)
    limits = [for_app(app, "shared-name", "2/minute") for app in (worker_a, worker_b, other_portal)]
    assert [limiter.hit("k")[0] for limiter in limits[:2]] == [True, True]
    assert limits[1].hit("k")[0] is False  # the first portal's workers count together
    assert limits[2].hit("k") == (True, 0)  # the other portal's count is its own
    keys = {  # this test's keys only: other runs of the suite may use the same Redis at the same time
        k.decode()
        for prefix in (first.ratelimit_key_prefix, second.ratelimit_key_prefix)
        for k in redis_client.scan_iter(f"{prefix}*shared-name*")
    }
    assert keys and all(k.startswith((first.ratelimit_key_prefix, second.ratelimit_key_prefix)) for k in keys)
    assert {k.split(":")[0] for k in keys} == {first.ratelimit_key_prefix, second.ratelimit_key_prefix}
    for limiter in limits:
        limiter.clear("k")
    assert not any(limiter.fallback for limiter in limits)
