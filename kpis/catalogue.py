"""The shared catalogue of spec §2 and the stage presets of spec §4, as plain data.

`install_catalogue` is idempotent; the data migration calls it, so both are there after
`migrate`.
"""

from decimal import Decimal

H, L = "higher_is_better", "lower_is_better"

# code: (name, aggregation, unit)
MEASURES = {
    "leads": ("Leads", "sum", "count"),
    "marketing_spend": ("Marketing spend", "sum", "money"),
    "ad_spend": ("Advertising spend", "sum", "money"),
    "orders": ("Orders", "sum", "count"),
    "paid_orders": ("Paid orders", "sum", "count"),
    "carts": ("Carts created", "sum", "count"),
    "clicks": ("Clicks", "sum", "count"),
    "impressions": ("Impressions", "sum", "count"),
    "visits": ("Visits", "sum", "count"),
    "return_visits": ("Returning visits", "sum", "count"),
    "bounces": ("Bounced visits", "sum", "count"),
    "revenue": ("Revenue", "sum", "money"),
    "likes": ("Likes", "sum", "count"),
    "comments": ("Comments", "sum", "count"),
    "reposts": ("Reposts", "sum", "count"),
    "opens": ("E-mail opens", "sum", "count"),
    "delivered": ("E-mails delivered", "sum", "count"),
    "aware_prospects": ("Aware prospects", "last", "count"),
    "new_clients": ("New clients", "sum", "count"),
    "total_clients": ("Total clients", "last", "count"),
    "repeat_requests": ("Repeat requests", "sum", "count"),
    "purchases": ("Purchases", "sum", "count"),
}

# code: (name, formula, direction, unit)
KPIS = {
    "leads": ("Leads", "leads", H, "count"),
    "cpl": ("Cost per lead", "marketing_spend / leads", L, "money"),
    "cpo": ("Cost per order", "marketing_spend / orders", L, "money"),
    "cpc": ("Cost per click", "ad_spend / clicks", L, "money"),
    "ctr": ("Click-through rate", "clicks / impressions * 100", H, "percent"),
    "cr": ("Conversion rate", "orders / visits * 100", H, "percent"),
    "aov": ("Average order value", "revenue / orders", H, "money"),
    "romi": ("Return on marketing investment", "(revenue - marketing_spend) / marketing_spend * 100", H, "percent"),
    "arpv": ("Average revenue per visit", "revenue / visits", H, "money"),
    "rvr": ("Returning visitors rate", "return_visits / visits * 100", H, "percent"),
    "bounce_rate": ("Bounce rate", "bounces / visits * 100", L, "percent"),
    "cart_abandonment": ("Cart abandonment", "(carts - paid_orders) / carts * 100", L, "percent"),
    "traffic": ("Traffic", "visits", H, "count"),
    "engagement": ("Engagement", "likes + comments + reposts", H, "count"),
    "open_rate": ("Open rate", "opens / delivered * 100", H, "percent"),
    "ctor": ("Click-to-open rate", "clicks / opens * 100", H, "percent"),
    "awareness": ("Awareness (stage KPI 1)", "aware_prospects", H, "count"),
    "new_client_share": ("Share of new clients (stage KPI 2)", "new_clients / total_clients * 100", H, "percent"),
    "repeat_requests": ("Repeat requests (stage KPI 3)", "repeat_requests", H, "count"),
    "purchase_frequency_growth": ("Purchase frequency growth (stage KPI 4)", "purchases / prev(purchases) * 100", H, "percent"),
    "avg_check_growth": (
        "Average check growth (stage KPI 5)",
        "(revenue / orders) / (prev(revenue) / prev(orders)) * 100",
        H,
        "percent",
    ),
}

STAGE_KPIS = ("awareness", "new_client_share", "repeat_requests", "purchase_frequency_growth", "avg_check_growth")

# (stage, name, weights of stage KPIs 1-5)
PRESETS = [
    (2, "Stage 2 · variant 1 (repeat requests first)", ("0.1", "0.2", "0.4", "0.2", "0.1")),
    (2, "Stage 2 · variant 2 (retention, loyalty programmes)", ("0.1", "0.1", "0.4", "0.3", "0.1")),
    (2, "Stage 2 · variant 3 (preparing for stage 3, price work)", ("0.1", "0.1", "0.3", "0.3", "0.2")),
    (3, "Stage 3 · A", ("0.2", "0.2", "0.1", "0.3", "0.2")),
    (3, "Stage 3 · B", ("0.2", "0.1", "0.2", "0.3", "0.2")),
]


def install_catalogue(measure_model, kpi_model, kpi_set_model, kpi_set_item_model) -> None:
    """Create or refresh the catalogue and presets (company-less rows). Models are passed in
    so the data migration can use its historical models."""
    measures = {}
    for code, (name, aggregation, unit) in MEASURES.items():
        measures[code], _ = measure_model.objects.update_or_create(
            company=None, code=code, defaults={"name": name, "aggregation": aggregation, "unit": unit}
        )
    kpis = {}
    for code, (name, formula, direction, unit) in KPIS.items():
        is_measure = formula in measures
        kpis[code], _ = kpi_model.objects.update_or_create(
            company=None,
            code=code,
            defaults={
                "name": name,
                "direction": direction,
                "unit": unit,
                "measure": measures[formula] if is_measure else None,
                "formula": "" if is_measure else formula,
            },
        )
    for stage, name, weights in PRESETS:
        preset, _ = kpi_set_model.objects.update_or_create(
            company=None, stage=stage, name=name, defaults={"is_active": False, "cap_pct": Decimal(150)}
        )
        kpi_set_item_model.objects.filter(kpi_set=preset).delete()
        kpi_set_item_model.objects.bulk_create(
            kpi_set_item_model(kpi_set=preset, kpi=kpis[code], weight=Decimal(weight))
            for code, weight in zip(STAGE_KPIS, weights, strict=True)
        )
