"""Latency of the marketer's projection, `GET /api/v1/me/projection/?period=2026-11`, under
gunicorn with 10,000 employees in PostgreSQL and 20 concurrent clients.

Run from the repository root:

    .venv/bin/python bench/api.py [--employees N] [--clients C] [--seconds S] [--workers W] [--url U]

(defaults 10,000 marketers, 20 clients, 30 s, 2 gunicorn workers, the projection; `--url
/api/v1/me/` measures the cheapest authenticated read, a floor for any endpoint). It creates its own
database (`marketer_bonus_bench_api` on BENCH_API_DATABASE_URL's server, dropped at the end
unless --keep), migrates it, seeds the demo company plus N marketers in bulk (salaries,
scheme assignments, plans, measures: `tests/payroll/worker.add_marketers`), gives each a
user with a token, and prints:

- one request in this process: its queries and where its time goes (cProfile);
- under `gunicorn config.wsgi -w W` on a free port of 127.0.0.1 (database connections kept
  600 s through `DATABASE_URL=…?conn_max_age=600`; `--conn-max-age 0` is Django's default of
  one connection per request): C client threads, each cycling through its own share of
  the marketers' tokens (every request another marketer), sending requests one after
  another for S seconds (after a 2 s warm-up that is not
  counted): p50/p95/p99 latency, requests per second, each request's time inside a worker
  (gunicorn's access log) and the CPU the workers, PostgreSQL and the clients used.

Only 127.0.0.1 is ever contacted, and the load stops by itself.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import os
import pstats
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.payroll import cpu_seconds, drop_database, postgres_pids  # noqa: E402

URL = "/api/v1/me/projection/?period=2026-11"
TARGET_P95_MS = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=10_000, help="marketers added to the demo company")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--conn-max-age", type=int, default=600,
        help="seconds gunicorn's workers keep a database connection (0: a new one per request, Django's default)",
    )  # fmt: skip
    parser.add_argument("--url", default=URL, help="the path (and query) every request asks for")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="use the kept bench database as it is (no seeding)")
    return parser.parse_args()


def issue_tokens(users) -> list[str]:
    """A new API token for each user (knox stores only their hashes), in the users' order."""
    from django.utils import timezone
    from knox.crypto import create_token_string, hash_token
    from knox.models import AuthToken
    from knox.settings import CONSTANTS, knox_settings

    AuthToken.objects.filter(user__in=users).delete()
    tokens = [create_token_string() for _ in users]
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    AuthToken.objects.bulk_create(
        [
            AuthToken(digest=hash_token(token), token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH], user=user, expiry=expiry)
            for token, user in zip(tokens, users, strict=True)
        ],
        batch_size=5000,
    )
    return tokens


def seed(employees: int) -> list[str]:
    """The demo company plus `employees` marketers, each linked to a user with a token.
    Returns the tokens, in personnel-number order."""
    from django.contrib.auth.models import User
    from django.db import connection

    from compensation.demo import seed_demo
    from organizations.models import CompanyMembership, Employee
    from tests.payroll.worker import add_marketers

    company = seed_demo()
    ids = add_marketers(company, employees)
    marketers = list(Employee.objects.filter(pk__in=ids).order_by("personnel_number"))
    users = User.objects.bulk_create(
        [User(username=f"bench-{e.personnel_number}", password="!", first_name=e.full_name) for e in marketers],
        batch_size=5000,
    )
    CompanyMembership.objects.bulk_create(
        [CompanyMembership(user=user, company=company, role=CompanyMembership.Role.MARKETER) for user in users],
        batch_size=5000,
    )
    for employee, user in zip(marketers, users, strict=True):
        employee.user = user
    Employee.objects.bulk_update(marketers, ["user"], batch_size=5000)
    tokens = issue_tokens(users)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # a live database has planner statistics; a bulk-loaded one has none yet
    return tokens


def one_request(token: str, url: str) -> None:
    """One request in this process: its queries, then its time under cProfile."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    print(f"one request in this process: {len(captured.captured_queries)} queries, {seconds * 1000:.1f} ms")
    for query in captured.captured_queries:
        print(f"  {Decimal(query['time']) * 1000:5.1f} ms  {' '.join(query['sql'].split())[:110]}")

    profile = cProfile.Profile()
    rounds = 50
    started = time.perf_counter()
    profile.enable()
    for _ in range(rounds):
        client.get(url)
    profile.disable()
    per_request = (time.perf_counter() - started) / rounds
    stats = pstats.Stats(profile).stats
    steps = {
        "whole request (Django handler)": ("django/core/handlers/base.py", "_get_response"),
        "  authentication (token, user)": ("rest_framework/request.py", "_authenticate"),
        "  payout_projection": ("payroll/outlook.py", "payout_projection"),
        "    payout_inputs (gather)": ("compensation/selectors.py", "payout_inputs"),
        "    company_configuration (kept)": ("compensation/selectors.py", "company_configuration"),
        "    calculate_payout (engine)": ("engine/payout.py", "calculate_payout"),
        "    next_bands (guidance)": ("engine/guidance.py", "next_bands"),
        "  rendering JSON": ("rest_framework/renderers.py", "render"),
        "all SQL round trips": ("django/db/backends/utils.py", "_execute"),
    }
    print(f"under cProfile, {rounds} requests ({per_request * 1000:.1f} ms each with the profiler on), ms per request:")
    for label, (suffix, function) in steps.items():
        total = sum(v[3] for (path, _line, name), v in stats.items() if name == function and path.endswith(suffix))
        print(f"  {label:34} {total / rounds * 1000:7.2f}")


def machine() -> str:
    import platform

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, PostgreSQL {postgres}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path, access: Path) -> subprocess.Popen:
    """gunicorn with an access log of each request's time in the worker (µs) and its path."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--log-level", "warning", "--access-logfile", str(access), "--access-logformat", "%(D)s %(s)s %(U)s",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not listen within 60 s")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Client(threading.Thread):
    """Requests one after another on a keep-alive connection (re-opened when the server
    closes it, as gunicorn's sync workers do), each with the next of its `tokens`, until
    `stop_at`; latencies after `count_from`."""

    def __init__(self, port: int, url: str, tokens: list[str], count_from: float, stop_at: float):
        super().__init__(daemon=True)
        self.port, self.url, self.tokens, self.count_from, self.stop_at = port, url, tokens, count_from, stop_at
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = [{"Authorization": f"Token {token}", "Accept": "application/json"} for token in self.tokens]
        sent = 0
        while (now := time.perf_counter()) < self.stop_at:
            try:
                connection.request("GET", self.url, headers=headers[sent % len(headers)])
                response = connection.getresponse()
                response.read()
                status = str(response.status)
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                status = type(error).__name__
            sent += 1
            elapsed = time.perf_counter() - now
            if now >= self.count_from:
                if status == "200":
                    self.latencies.append(elapsed)
                else:
                    self.errors[status] = self.errors.get(status, 0) + 1
        connection.close()


def load(port: int, url: str, tokens: list[str], clients: int, seconds: float) -> tuple[list[float], dict[str, int], float]:
    """`clients` threads, each with every `clients`-th token (each marketer asked by one client)."""
    begin = time.perf_counter()
    count_from, stop_at = begin + 2, begin + 2 + seconds
    threads = [Client(port, url, tokens[n::clients] or tokens, count_from, stop_at) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    errors: dict[str, int] = {}
    for thread in threads:
        for status, count in thread.errors.items():
            errors[status] = errors.get(status, 0) + count
    return [latency for thread in threads for latency in thread.latencies], errors, seconds


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


def workers_of(pid: int, workers: int) -> list[int]:
    """gunicorn's master and its workers, once all are forked (the master listens first)."""
    deadline = time.monotonic() + 30
    while len(found := children_of(pid)) < workers + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def children_of(pid: int) -> list[int]:
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def main() -> None:
    args = parse_args()
    database = os.environ.get("BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketer_bonus_bench_api")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=database, CELERY_TASK_ALWAYS_EAGER="true",
        CELERY_BROKER_URL="", LOG_LEVEL="WARNING", DJANGO_DEBUG="false",
        DJANGO_SECURE_SSL_REDIRECT="false",  # the clients speak plain HTTP to gunicorn on 127.0.0.1
    )  # fmt: skip
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    if not args.reuse:
        drop_database(database, create=True)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    settings.DEBUG = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the seed sets none; faster
    gunicorn = None
    try:
        started = time.perf_counter()
        if args.reuse:
            from django.contrib.auth.models import User

            tokens = issue_tokens(list(User.objects.filter(username__startswith="bench-").order_by("username")))
        else:
            call_command("migrate", verbosity=0)
            tokens = seed(args.employees)
        print(f"machine: {machine()}")
        print(f"data: demo company + {args.employees:,} marketers with users and tokens, in {time.perf_counter() - started:.1f} s")
        one_request(tokens[len(tokens) // 2], args.url)
        connections.close_all()

        log = Path(f"/tmp/bench-api-gunicorn-{os.getpid()}.log")
        access = Path(f"/tmp/bench-api-access-{os.getpid()}.log")
        port = free_port()
        served = f"{database}?conn_max_age={args.conn_max_age}&conn_health_checks=true" if args.conn_max_age else database
        gunicorn = start_gunicorn({**os.environ, "DATABASE_URL": served}, port, args.workers, log, access)
        pids = workers_of(gunicorn.pid, args.workers)
        cpu_before = (cpu_seconds(pids), cpu_seconds(postgres_pids()), cpu_seconds([os.getpid()]))
        latencies, errors, seconds = load(port, args.url, tokens, args.clients, args.seconds)
        cpu_after = (cpu_seconds(pids), cpu_seconds(postgres_pids()), cpu_seconds([os.getpid()]))
        stop_gunicorn(gunicorn)
        gunicorn = None

        if not latencies:
            raise SystemExit(f"no request succeeded: {errors}; gunicorn log: {log.read_text()[-2000:]}")
        ordered = sorted(latencies)
        p50, p95, p99 = (percentile(ordered, f) * 1000 for f in (0.50, 0.95, 0.99))
        print(
            f"load: GET {args.url} under gunicorn -w {args.workers} (sync), {args.clients} clients, "
            f"{seconds:.0f} s after a 2 s warm-up, database connections kept {args.conn_max_age} s"
        )
        print(f"  requests: {len(latencies):,} ok, {sum(errors.values())} failed {errors or ''}")
        print(f"  throughput: {len(latencies) / seconds:,.0f} requests/s")
        print(
            f"  latency ms: p50 {p50:.1f}, p95 {p95:.1f}, p99 {p99:.1f}, "
            f"mean {statistics.fmean(latencies) * 1000:.1f}, max {ordered[-1] * 1000:.1f}"
        )
        in_worker = sorted(
            int(line.split()[0]) / 1000 for line in access.read_text().splitlines() if line.endswith(args.url.split("?")[0])
        )
        print(
            f"  time in the gunicorn worker per request (access log, all requests), ms: p50 {percentile(in_worker, 0.5):.1f}, "
            f"p95 {percentile(in_worker, 0.95):.1f}; the rest of the latency is waiting for a free worker"
        )
        gunicorn_cpu, postgres_cpu, client_cpu = (after - before for before, after in zip(cpu_before, cpu_after, strict=True))
        print(
            f"  CPU: gunicorn workers {gunicorn_cpu:.1f} s ({gunicorn_cpu / len(latencies) * 1000:.1f} ms a request), "
            f"PostgreSQL (all databases) {postgres_cpu:.1f} s, these clients {client_cpu:.1f} s; "
            f"{(seconds + 2) * (os.cpu_count() or 1):.0f} s available on {os.cpu_count()} CPUs"
        )
        verdict = "meets" if p95 <= TARGET_P95_MS else "MISSES"
        print(f"  p95 {p95:.1f} ms {verdict} the target of {TARGET_P95_MS} ms")
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn)
        connections.close_all()
        if not (args.keep or args.reuse):
            drop_database(database)


if __name__ == "__main__":
    main()
