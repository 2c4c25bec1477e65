"""Sign-in that cannot be raced or used to lock others out (issue #18 item 4): the attempt is
counted before the argon2 check, atomically; the delay is per account AND address and grows;
the password form is throttled per account; proxy headers are trusted only from the
addresses configured as proxies."""

from __future__ import annotations

import threading
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from yujing import accounts
from yujing.accounts import LOGIN_MAX_FAILURES, login_wait
from yujing.errors import AccountError, LoginThrottledError
from yujing.web.app import create_app
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "correct-horse-1"


@pytest.fixture
def ws(tmp_path: Path) -> Any:
    ws = Workspace.init(tmp_path / "ws", pack="anshan", school="鞍山师范学院")
    ws.add_user("sec", role="secretary", password=PASSWORD)
    ws.add_user("other", role="inspector", password=PASSWORD)
    yield ws
    ws.close()


class _CountingHasher:
    """argon2's hasher, counting the password checks (verify, and hash for unknown names)."""

    def __init__(self, counter: list[int], lock: threading.Lock) -> None:
        from argon2 import PasswordHasher

        self.real, self.counter, self.lock = PasswordHasher(), counter, lock

    def verify(self, stored: str, password: str) -> bool:
        with self.lock:
            self.counter[0] += 1
        return bool(self.real.verify(stored, password))

    def hash(self, password: str) -> str:
        with self.lock:
            self.counter[0] += 1
        return str(self.real.hash(password))


def test_forty_parallel_attempts_try_at_most_the_limit(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter, lock = [0], threading.Lock()
    monkeypatch.setattr(accounts, "_hasher", lambda: _CountingHasher(counter, lock))
    outcomes: list[str] = []
    start = threading.Barrier(40)

    def guess(n: int) -> None:
        own = Workspace(ws.root)  # one connection per thread, as the server has
        try:
            start.wait()
            own.authenticate("sec", f"guess-{n:04d}", "203.0.113.7")
        except LoginThrottledError:
            outcomes.append("throttled")
        except AccountError:
            outcomes.append("wrong")
        finally:
            own.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 40
    assert counter[0] <= LOGIN_MAX_FAILURES
    assert outcomes.count("wrong") == counter[0]
    assert outcomes.count("throttled") == 40 - counter[0]


def test_lockout_is_per_account_and_address(ws: Workspace) -> None:
    for _ in range(LOGIN_MAX_FAILURES):
        with pytest.raises(AccountError):
            ws.authenticate("sec", "wrong-password", "203.0.113.7")
    with pytest.raises(LoginThrottledError, match="秒后再试"):
        ws.authenticate("sec", PASSWORD, "203.0.113.7")  # the right password waits too
    # the account is not locked for its owner at another address, nor other accounts there
    assert ws.authenticate("sec", PASSWORD, "198.51.100.2").name == "sec"
    assert ws.authenticate("other", PASSWORD, "203.0.113.7").name == "other"
    assert ws.registry.events("login-throttled")


def test_delay_grows_and_ends() -> None:
    at = datetime(2026, 1, 1, 12, 0, 0)
    last = at.isoformat(timespec="seconds")
    assert login_wait(LOGIN_MAX_FAILURES - 1, last, at) == timedelta(0)
    first = login_wait(LOGIN_MAX_FAILURES, last, at)
    second = login_wait(LOGIN_MAX_FAILURES + 1, last, at)
    assert timedelta(0) < first < second <= accounts.LOGIN_WINDOW
    assert login_wait(LOGIN_MAX_FAILURES + 50, last, at) == accounts.LOGIN_WINDOW
    assert login_wait(LOGIN_MAX_FAILURES, last, at + first) == timedelta(0)


def test_password_form_is_throttled_per_account(ws: Workspace) -> None:
    client = TestClient(create_app(ws.root, worker=False))
    other = TestClient(create_app(ws.root, worker=False))

    def change(c: TestClient, name: str, old: str) -> int:
        cookie, csrf = ws.open_session(name)
        c.cookies.set("yj_session", cookie)
        resp = c.post(
            "/account/password",
            data={"old": old, "new": "brand-new-pass-1", "csrf": csrf},
            follow_redirects=False,
        )
        return resp.status_code

    for _ in range(LOGIN_MAX_FAILURES + 1):
        assert change(client, "sec", "wrong-password") == 400
    # "sec" failing its own password form does not block "other" from the same address
    assert change(other, "other", PASSWORD) == 303
    assert ws.authenticate("other", "brand-new-pass-1", "x").name == "other"


def test_proxy_headers_trusted_only_from_configured_proxies(ws: Workspace) -> None:
    from yujing.web.app import uvicorn_proxy_options

    assert uvicorn_proxy_options(ws) == {"proxy_headers": False}
    config = ws.root / "yujing.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[web]\ntrusted_proxies = ["127.0.0.1", "10.0.0.5"]\n',
        encoding="utf-8",
    )
    again = Workspace(ws.root)
    try:
        assert uvicorn_proxy_options(again) == {
            "proxy_headers": True,
            "forwarded_allow_ips": "127.0.0.1,10.0.0.5",
        }
    finally:
        again.close()
