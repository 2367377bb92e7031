"""The demo company's share of events: its attribution rules and what counts."""

from events.models import AttributionRule, EventSettings, default_excluded_statuses
from organizations.models import Company

#: (priority, kind, number taken from): a campaign's spend for the employee whose personnel
#: number begins the campaign's name ("DEMO-A | Поиск | Москва"); a CRM lead for the one
#: whose number begins its utm_campaign.
DEMO_RULES = (
    (10, "spend", AttributionRule.Text.CAMPAIGN_NAME),
    (20, "lead", AttributionRule.Text.UTM_CAMPAIGN),
)


def seed_events_demo(company: Company) -> None:
    EventSettings.objects.update_or_create(
        company=company,
        defaults={
            "reports_include_vat": False,  # the demo's reports give spend net of VAT
            "excluded_statuses": default_excluded_statuses(),  # amoCRM 143 and Bitrix24 JUNK: closed as lost
            "events_replace_manual": True,  # the seeded (typed) values give way to ingested events
        },
    )
    for priority, kind, text in DEMO_RULES:
        AttributionRule.objects.update_or_create(
            company=company,
            priority=priority,
            kind=kind,
            defaults={"match": AttributionRule.Match.ANY, "assign": AttributionRule.Assign.NUMBER_PREFIX, "number_from": text},
        )
