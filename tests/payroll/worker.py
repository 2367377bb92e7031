"""Support for payroll runs on real services, shared by `test_real_worker.py` and
`bench/payroll.py`: a Celery worker in its own process group, bulk test data, and the
amounts a run must reach, computed in-process.

Import it after Django is set up (it imports models)."""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from compensation.demo import seed_demo
from compensation.models import BonusScheme, SalaryAgreement, SchemeAssignment
from compensation.selectors import employees_in_period, payout_inputs
from engine import Period, calculate_payout
from kpis.models import Kpi, Measure, MeasureValue, Plan
from organizations.models import Company, Employee
from payroll.models import Adjustment
from payroll.selectors import adjustments_by_employee

ROOT = Path(__file__).resolve().parents[2]
PERIOD = Period(2026, 11)
D = Decimal
ZERO = Decimal(0)


def database_url(db: dict) -> str:
    """`postgres://USER[:PASSWORD]@HOST:PORT/NAME` for Django's DATABASES entry."""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def worker_env(
    *, database: str, broker: str, queue: str, media_root: Path, visibility_timeout: int | None = None
) -> dict[str, str]:
    """The environment of a worker process: the settings are read from it (config/settings.py)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database,
        CELERY_BROKER_URL=broker,
        CELERY_QUEUE=queue,
        CELERY_TASK_ALWAYS_EAGER="false",
        MEDIA_ROOT=str(media_root),  # files the tasks write (payroll sheets) stay out of the checkout
        PYTHONUNBUFFERED="1",
    )
    for name in ("CELERY_VISIBILITY_TIMEOUT", "PAYROLL_STALLED_AFTER_SECONDS", "PAYROLL_CHUNK_SIZE"):
        env.pop(name, None)  # the defaults, unless the caller asks otherwise
    if visibility_timeout is not None:
        env["CELERY_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
    return env


@dataclass
class CeleryWorker:
    """`celery -A config worker --pool prefork` in a new session, so the whole worker (its
    main process and its pool children) can be killed at once, as when a machine dies."""

    name: str
    queue: str
    env: dict[str, str]
    log_path: Path
    concurrency: int = 2
    app: str = "config"
    process: subprocess.Popen | None = field(default=None, init=False)

    @property
    def hostname(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def start(self) -> CeleryWorker:
        command = [
            sys.executable, "-m", "celery", "-A", self.app, "worker", "--pool", "prefork",
            "-c", str(self.concurrency), "-Q", self.queue, "-n", self.hostname,
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, app, timeout: float = 30) -> None:
        """Until the worker answers a ping addressed to it alone."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return
        raise TimeoutError(f"worker {self.name} not ready after {timeout:g} s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        """The main process and its pool children (everything in its process group)."""
        if self.process is None:
            return []
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp …
            if int(fields[2]) == self.process.pid:
                found.append(int(entry.name))
        return sorted(found)

    def peak_rss_kib(self) -> dict[int, int]:
        """VmHWM (peak resident set) of each process of the worker, in KiB."""
        peaks = {}
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1])
            except OSError:
                continue
        return peaks

    def _signal_group(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                pass

    def freeze(self) -> None:
        """SIGSTOP to the whole process group: every process stops where it is, at once."""
        self._signal_group(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal_group(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL to the whole process group: nothing acknowledges, nothing cleans up."""
        if self.process is None or self.process.poll() is not None:
            return
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """Warm shutdown (running tasks finish and are acknowledged), else kill."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


def drop_queue(app, queue: str) -> None:
    """Empty a queue on the Redis broker and forget its unacknowledged messages, so that no
    later worker (ours or anyone's on the same Redis database) redelivers them."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.queue_purge(queue)
        client = channel.client
        for tag in _unacked_tags(channel, queue):
            client.hdel(channel.unacked_key, tag)
            client.zrem(channel.unacked_index_key, tag)
        for prefix in ("_kombu.binding.", "_kombu.binding_permanent."):  # exchange → routing key, pattern, queue
            for key in client.scan_iter(match=f"{prefix}*"):
                for member in list(client.smembers(key)):
                    if member.decode(errors="replace").endswith(f"\x06\x16{queue}"):
                        client.srem(key, member)


def purge_queue(app, queue: str) -> None:
    """Drop the messages waiting in `queue` (what a Redis emptied by a restart has lost)."""
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


def add_marketers(company: Company, count: int, *, prefix: str = "B", batch_size: int = 5000) -> list[int]:
    """`count` more marketers of the demo company (run `seed_demo()` first), created in bulk:
    three in four on the seeds' leads × cost-per-lead scheme, one in four on the stage-2
    scorecard; every 17th joined on 2026-11-10 with a raise on the 20th, every 97th lacks
    its lead count, every 50th has an adjustment. Deterministic. Returns the new ids."""
    rng = random.Random(f"{prefix}{count}")
    leads_cpl = BonusScheme.objects.get(company=company, name="Leads × cost per lead")
    scorecard = BonusScheme.objects.get(company=company, name="Stage scorecard")
    kpis = {kpi.code: kpi.pk for kpi in Kpi.objects.filter(company=None)}
    measures = {measure.code: measure.pk for measure in Measure.objects.filter(company=None)}
    joined, raised = date(2026, 11, 10), date(2026, 11, 20)

    employees = [
        Employee(
            company=company,
            personnel_number=f"{prefix}-{number:06d}",
            full_name=f"Bulk marketer {number}",
            position="Marketer",
            hire_date=joined if number % 17 == 0 else date(2024, 1, 1),
        )
        for number in range(1, count + 1)
    ]
    Employee.objects.bulk_create(employees, batch_size=batch_size)

    salaries, assignments, plans, values, adjustments = [], [], [], [], []
    for number, employee in enumerate(employees, start=1):
        salary = D(rng.randrange(40, 101, 5) * 1000)
        salaries.append(SalaryAgreement(employee_id=employee.pk, effective_from=employee.hire_date, monthly_amount=salary))
        if employee.hire_date == joined:
            salaries.append(SalaryAgreement(employee_id=employee.pk, effective_from=raised, monthly_amount=salary + 5000))
        on_scorecard = number % 4 == 0
        assignments.append(
            SchemeAssignment(
                employee_id=employee.pk,
                effective_from=employee.hire_date,
                scheme_id=(scorecard if on_scorecard else leads_cpl).pk,
            )
        )
        if on_scorecard:
            period_plans = {
                "awareness": 1000, "new_client_share": 20, "repeat_requests": 50,
                "purchase_frequency_growth": 105, "avg_check_growth": 103,
            }  # fmt: skip
            period_values = {
                "aware_prospects": rng.randrange(700, 1400), "new_clients": rng.randrange(100, 260),
                "total_clients": rng.randrange(900, 1200), "repeat_requests": rng.randrange(30, 70),
                "purchases": rng.randrange(60, 140), "revenue": rng.randrange(80, 260) * 1000,
                "orders": rng.randrange(60, 140),
            }  # fmt: skip
            previous = {
                "purchases": rng.randrange(60, 140),
                "revenue": rng.randrange(80, 260) * 1000,
                "orders": rng.randrange(60, 140),
            }
            values += [
                MeasureValue(employee_id=employee.pk, period=str(PERIOD.previous), measure_id=measures[code], value=D(value))
                for code, value in previous.items()
            ]
        else:
            plan_leads, plan_cpl = rng.randrange(100, 301, 10), rng.randrange(400, 801, 50)
            leads = int(plan_leads * rng.uniform(0.6, 1.3))
            spend = (D(leads) * plan_cpl * rng.randrange(80, 130) / 100).quantize(D("0.01"))
            period_plans = {"leads": plan_leads, "cpl": plan_cpl}
            period_values = {"marketing_spend": spend} if number % 97 == 0 else {"leads": leads, "marketing_spend": spend}
        plans += [
            Plan(employee_id=employee.pk, period=str(PERIOD), kpi_id=kpis[code], value=D(value))
            for code, value in period_plans.items()
        ]
        values += [
            MeasureValue(employee_id=employee.pk, period=str(PERIOD), measure_id=measures[code], value=D(value))
            for code, value in period_values.items()
        ]
        if number % 50 == 0:
            adjustments.append(
                Adjustment(employee_id=employee.pk, period=str(PERIOD), amount=D(rng.randrange(-50, 100) or 1) * 100,
                           reason="one-off correction")
            )
    for model, rows in (
        (SalaryAgreement, salaries),
        (SchemeAssignment, assignments),
        (Plan, plans),
        (MeasureValue, values),
        (Adjustment, adjustments),
    ):
        model.objects.bulk_create(rows, batch_size=batch_size)
    return [employee.pk for employee in employees]


def demo_company_with(count: int) -> Company:
    """The demo company (spec examples A–C and 36 varied marketers) plus `count` in bulk."""
    company = seed_demo()
    add_marketers(company, count)
    return company


@dataclass
class Expected:
    """What a run of the company and period must contain: total per personnel number and sums."""

    totals: dict[str, Decimal] = field(default_factory=dict)
    fixed: Decimal = ZERO
    bonus: Decimal = ZERO
    adjustments: Decimal = ZERO
    total: Decimal = ZERO


def expected_run(company: Company, period: Period = PERIOD, batch: int = 5000) -> Expected:
    """Every payout computed in this process with the engine, from the same bulk gatherer."""
    expected = Expected()
    ids = list(employees_in_period(company=company, period=period).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        part = ids[start : start + batch]
        adjustments = adjustments_by_employee(employee_ids=part, period=period)
        for data in payout_inputs(company=company, period=period, employee_ids=part, adjustments=adjustments):
            result = calculate_payout(data)
            expected.totals[result.employee] = result.total
            expected.fixed += result.fixed
            expected.bonus += result.bonus
            expected.adjustments += result.adjustments
            expected.total += result.total
    return expected


def _unacked_tags(channel, queue: str) -> list[bytes]:
    """Delivery tags of `queue`'s messages held by some worker, not yet acknowledged (kombu
    keeps them in one hash per Redis database: message, exchange, routing key)."""
    tags = []
    for tag, raw in channel.client.hscan_iter(channel.unacked_key):
        try:
            _message, exchange, routing_key = json.loads(raw)
        except (TypeError, ValueError):
            continue
        if queue in (exchange, routing_key):
            tags.append(tag)
    return tags


def unacked_count(app, queue: str) -> int:
    with app.connection_for_write() as connection:
        return len(_unacked_tags(connection.default_channel, queue))


def chunks_held(app, queue: str) -> set[int]:
    """Indexes of the `compute_chunk` messages Redis holds for `queue`: waiting in the
    queue or delivered and not yet acknowledged. A message a worker has popped but not yet
    recorded as unacknowledged is in neither place: only in that worker's memory."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        client = channel.client
        messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
        messages += [json.loads(client.hget(channel.unacked_key, tag))[0] for tag in _unacked_tags(channel, queue)]
    held = set()
    for message in messages:
        if message["headers"].get("task") == "payroll.tasks.compute_chunk":
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            held.add(args[2])
    return held
