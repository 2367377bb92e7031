"""Events (leads, spend, …) as they came from their source, the rules that attribute them
to employees, a company's settings for what counts, each sync, and the late changes that
events of a closed period would make.

Earlier versions of an event are rows of `EventVersion`, not django-simple-history: an
ingest writes events in bulk (COPY on PostgreSQL), and only a changed event needs its old
version kept — history of every insert would double the work of a million new rows."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from core.domain import PeriodField
from kpis.models import Measure
from organizations.models import Company, Employee

LEADS, SPEND_MEASURE = "leads", "marketing_spend"
#: The measure each kind of event feeds (other kinds are stored, and feed nothing yet).
MEASURE_OF_KIND = {"lead": LEADS, "spend": SPEND_MEASURE}
#: Lead statuses that do not count unless the company says otherwise: closed as lost.
DEFAULT_EXCLUDED_STATUSES = {"amocrm": ["143"], "bitrix24": ["JUNK"]}


def default_excluded_statuses() -> dict[str, list[str]]:
    return {source: list(statuses) for source, statuses in DEFAULT_EXCLUDED_STATUSES.items()}


class EventSettings(models.Model):
    """What counts for one company."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="event_settings")
    reports_include_vat = models.BooleanField(
        default=False, help_text="spend with no VAT flag of its own includes VAT (it is removed)"
    )
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(20), help_text="%")
    excluded_statuses = models.JSONField(
        default=default_excluded_statuses, blank=True, help_text='lead statuses that do not count, per source: {"amocrm": ["143"]}'
    )
    events_replace_manual = models.BooleanField(
        default=False, help_text="events may take over a measure value entered by hand (else the hand value stays)"
    )

    class Meta:
        verbose_name_plural = "event settings"

    def __str__(self) -> str:
        return f"event settings of {self.company}"


class AttributionRule(models.Model):
    """Which employee an event counts for. Rules are tried by `priority` (lowest first); the
    first that matches and names an employee wins."""

    class Match(models.TextChoices):
        ANY = "any", "Any event (of the source)"
        RESPONSIBLE_USER = "responsible_user", "The CRM's responsible user"
        CAMPAIGN_ID = "campaign_id", "Campaign id"
        UTM = "utm", "A UTM field"

    class Assign(models.TextChoices):
        EMPLOYEE = "employee", "The employee named"
        NUMBER_PREFIX = "number_prefix", "The employee whose personnel number begins the text"

    class Text(models.TextChoices):
        CAMPAIGN_NAME = "campaign_name", "Campaign name"
        UTM_CAMPAIGN = "utm_campaign", "utm_campaign"
        CAMPAIGN_OR_UTM = "campaign_or_utm", "Campaign name, else utm_campaign"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="attribution_rules")
    priority = models.PositiveIntegerField(default=100)
    source = models.CharField(max_length=20, blank=True, help_text="empty: any source")
    kind = models.CharField(max_length=10, blank=True, help_text="empty: any kind (lead, spend…)")
    match = models.CharField(max_length=20, choices=Match.choices, default=Match.ANY)
    utm_field = models.CharField(max_length=20, blank=True, help_text="source, medium, campaign, content, term")
    value = models.CharField(max_length=255, blank=True)
    prefix = models.BooleanField(default=False, help_text="the value is a prefix")
    assign = models.CharField(max_length=15, choices=Assign.choices, default=Assign.EMPLOYEE)
    employee = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    number_from = models.CharField(max_length=15, choices=Text.choices, default=Text.CAMPAIGN_OR_UTM)

    class Meta:
        ordering = ["company", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.get_match_display()} {self.value} → {self.employee or self.get_assign_display()}"


class Sync(models.Model):
    """One ingest: a file, an API call or a pull, with its counts and errors."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="event_syncs")
    source = models.CharField(max_length=20)
    label = models.CharField(max_length=255, blank=True, help_text="the file's name, 'api', …")
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    received = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    unattributed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, code, message}, …]")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} sync {self.started_at:%Y-%m-%d %H:%M}"


class EventContent(models.Model):
    """What a source says of an event: kept by the event and by each of its earlier versions."""

    kind = models.CharField(max_length=10)
    occurred_at = models.DateTimeField()
    period = PeriodField()
    status = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    includes_vat = models.BooleanField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(1))
    campaign_id = models.CharField(max_length=255, blank=True)
    campaign_name = models.CharField(max_length=500, blank=True)
    utm = models.JSONField(default=dict, blank=True)
    responsible_user = models.CharField(max_length=255, blank=True)
    responsible_name = models.CharField(max_length=255, blank=True)
    deal_amount = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class Event(EventContent):
    """An event as its source gave it (the latest version), and what it counts for."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="events")
    source = models.CharField(max_length=20)
    external_id = models.CharField(max_length=255)
    period = PeriodField(db_index=False)
    version = models.PositiveIntegerField(default=1)
    digest = models.CharField(max_length=40, help_text="of the source's fields: an identical event is unchanged")
    received_at = models.DateTimeField()
    # the sync and the rule are a record of where it came from: no database check of theirs on
    # each of a million rows (Django still empties them when a sync or rule is deleted)
    sync = models.ForeignKey(Sync, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    employee = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    rule = models.ForeignKey(AttributionRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    # what it counts for: the measure's code ("" none), whether it counts, its value in it
    measure_code = models.CharField(max_length=50, blank=True)
    counts = models.BooleanField(default=False)
    value = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0), help_text="a lead 1, spend net of VAT")

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "source", "external_id"], name="one_event_per_source_id")
        ]
        indexes = [
            models.Index(fields=["company", "period", "employee", "measure_code"], name="event_cell"),
            models.Index(fields=["company", "employee"], condition=models.Q(employee__isnull=True), name="event_unattributed"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.external_id}"


#: Event fields a version keeps (what the source said, and what it counted for).
VERSIONED_FIELDS = (
    "kind", "occurred_at", "period", "status", "amount", "currency", "includes_vat", "quantity", "campaign_id",
    "campaign_name", "utm", "responsible_user", "responsible_name", "deal_amount", "raw", "version", "digest",
    "received_at", "sync_id", "employee_id", "rule_id", "measure_code", "counts", "value",
)


class EventVersion(EventContent):
    """An earlier version of an event, as it was before a later one replaced it."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    digest = models.CharField(max_length=40)
    received_at = models.DateTimeField()
    sync = models.ForeignKey(Sync, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    employee = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule = models.ForeignKey(AttributionRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    measure_code = models.CharField(max_length=50, blank=True)
    counts = models.BooleanField(default=False)
    value = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "version"]
        constraints = [models.UniqueConstraint(fields=["event", "version"], name="one_event_version")]

    def __str__(self) -> str:
        return f"{self.event_id} v{self.version}"


class LateChange(models.Model):
    """What events of a closed period would change in one measure value. Pending until HR
    turns it into a correction of that period (not built yet); the approved payout is
    never touched."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPLIED = "applied", "Turned into a correction"
        DISMISSED = "dismissed", "Dismissed"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="late_changes")
    period = PeriodField()
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="late_changes")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="+")
    old_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True, help_text="empty: none")
    new_value = models.DecimalField(max_digits=18, decimal_places=4)
    events = models.ManyToManyField(Event, related_name="late_changes", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "employee", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "period", "measure"],
                condition=models.Q(status="pending"),
                name="one_pending_late_change_per_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.period}: {self.old_value} → {self.new_value}"


class IdempotencyKey(models.Model):
    """The answer given to one `Idempotency-Key` of the events API: the same key and body
    get the same answer, and nothing is written twice."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    body_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "key"], name="one_idempotency_key_per_company")]

    def __str__(self) -> str:
        return self.key
