"""Locust users for ``bench/load.py``: webhooks, communicators and supervisors.

Run by ``bench/load.py`` (``locust --headless -f bench/locustfile.py``); it passes
the Meta app secret, the page's platform id, the users' password and the files
where accepted deliveries and replies are recorded in the environment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import re
import threading
import uuid

from locust import HttpUser, between, constant_throughput, task

SECRET = os.environ["LOAD_SECRET"]
PAGE_ID = os.environ["LOAD_PAGE_ID"]
PASSWORD = os.environ["LOAD_PASSWORD"]
COMMUNICATORS = os.environ["LOAD_COMMUNICATORS"].split()
SUPERVISORS = os.environ["LOAD_SUPERVISORS"].split()
WEBHOOK_RATE = float(os.environ.get("LOAD_WEBHOOK_RATE", "10"))
RUN = uuid.uuid4().hex[:8]

_lock = threading.Lock()
_accepted = open(os.environ["LOAD_ACCEPTED"], "a", buffering=1)  # noqa: SIM115
_replies = open(os.environ["LOAD_REPLIES"], "a", buffering=1)  # noqa: SIM115
_counter = 0
_next_user = {"communicator": 0, "supervisor": 0}

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
ITEM_LINK = re.compile(r'href="/items/(\d+)"')


def _record(handle: object, line: str) -> None:
    with _lock:
        handle.write(line + "\n")  # type: ignore[attr-defined]


def _pick(role: str, emails: list[str]) -> str:
    with _lock:
        n = _next_user[role]
        _next_user[role] = n + 1
    return emails[n % len(emails)]


def delivery(n: int) -> tuple[str, bytes]:
    comment_id = f"{PAGE_ID}_load{RUN}_{n}"
    post_id = f"{PAGE_ID}_p{n % 20}"
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": comment_id,
        "post_id": post_id,
        "parent_id": post_id,
        "created_time": 1_763_000_000 + n,
        "from": {"id": f"u{n % 997}", "name": "Anna Andersson"},
        "message": f"Hej! När öppnar simhallen igen? ({n})",
    }
    doc = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1_763_000_000 + n,
                "changes": [{"field": "feed", "value": value}],
            }
        ],
    }
    return comment_id, json.dumps(doc).encode()


class Webhook(HttpUser):
    """Meta delivering signed comment webhooks at a steady rate."""

    fixed_count = int(os.environ.get("LOAD_WEBHOOK_USERS", "2"))
    wait_time = constant_throughput(WEBHOOK_RATE)

    @task
    def deliver(self) -> None:
        global _counter
        with _lock:
            _counter += 1
            n = _counter
        comment_id, body = delivery(n)
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        with self.client.post(
            "/webhooks/meta",
            data=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            name="webhook",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                _record(_accepted, comment_id)
                response.success()
            else:
                response.failure(f"status {response.status_code}")


class _SignedIn(HttpUser):
    abstract = True
    role = ""
    emails: list[str] = []  # noqa: RUF012

    def on_start(self) -> None:
        email = _pick(self.role, self.emails)
        page = self.client.get("/login", headers={"accept": "text/html"}, name="login form")
        token = CSRF.search(page.text)
        assert token, "no CSRF token on the sign-in page"
        with self.client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
            allow_redirects=False,
            name="login",
            catch_response=True,
        ) as response:
            if response.status_code == 303:
                response.success()
            else:
                response.failure(f"sign-in answered {response.status_code}")


class Communicator(_SignedIn):
    """Lists the queue, opens an item, and replies to it."""

    fixed_count = int(os.environ.get("LOAD_COMMUNICATOR_USERS", "6"))
    wait_time = between(1, 3)
    role = "communicator"
    emails = COMMUNICATORS

    @task
    def work(self) -> None:
        queue = self.client.get("/", headers={"accept": "text/html"}, name="queue")
        ids = ITEM_LINK.findall(queue.text)
        if not ids:
            return
        item_id = random.choice(ids)
        page = self.client.get(f"/items/{item_id}", headers={"accept": "text/html"}, name="item")
        token = CSRF.search(page.text)
        if token is None:
            return
        text = f"Tack för din fråga! Vi återkommer. (ref {RUN}-{uuid.uuid4().hex[:12]})"
        with self.client.post(
            f"/items/{item_id}/record",
            data={"text": text, "csrf_token": token.group(1), "confirm": "1"},
            allow_redirects=False,
            name="reply",
            catch_response=True,
        ) as response:
            if response.status_code == 303:
                _record(_replies, f"{item_id}\t{text}")
                response.success()
            else:
                response.failure(f"status {response.status_code}")


class Supervisor(_SignedIn):
    """Loads the dashboard."""

    fixed_count = int(os.environ.get("LOAD_SUPERVISOR_USERS", "2"))
    wait_time = between(2, 5)
    role = "supervisor"
    emails = SUPERVISORS

    @task
    def dashboard(self) -> None:
        self.client.get("/dashboard", headers={"accept": "text/html"}, name="dashboard")
