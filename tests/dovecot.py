"""A real Dovecot IMAP server for tests: its own config in a temp dir, a Maildir, loopback only."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port

USER = "kontakt"
PASSWORD = "hemligt-losen"


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    root: Path


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )


def _users(root: Path) -> tuple[str, str, str, str, str]:
    """Login user, internal user and group, mail user and group."""
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:
        # Dovecot never touches mail as root: as root, run it the way the Debian
        # package does (its own users), with the mail owned by nobody.
        return (
            "dovenull",
            "dovecot",
            "dovecot",
            "nobody",
            grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name,
        )
    user, group = pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
    return user, user, group, user, group


def _config(root: Path, port: int, extra: str) -> str:
    login_user, internal_user, internal_group, mail_user, mail_group = _users(root)
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
first_valid_gid = 1
mail_uid = {mail_user}
mail_gid = {mail_group}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
{extra}
"""


@contextmanager
def dovecot_server(extra_config: str = "") -> Iterator[Dovecot]:
    """A running server; ``extra_config`` is added to its configuration as it is."""
    binary = dovecot_binary()
    if binary is None:
        raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
    # Its own directory under /tmp: Dovecot's unprivileged processes must reach it.
    root = Path(tempfile.mkdtemp(prefix="inbox-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(mode=0o755)
    _, _, _, mail_user, mail_group = _users(root)
    for sub in ("mail", "home"):
        shutil.chown(root / sub, mail_user, mail_group)
    (root / "users").write_text(
        f"{USER}:{{PLAIN}}{PASSWORD}:::::{root}/home/{USER}::\n", encoding="utf-8"
    )
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port, extra_config), encoding="utf-8")
    proc = subprocess.Popen(
        [binary, "-F", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                log = (root / "dovecot.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"dovecot exited with status {proc.returncode}: {log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("dovecot did not start listening") from None
                time.sleep(0.05)
        yield Dovecot("127.0.0.1", port, USER, PASSWORD, root)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
