"""Every HR page in a real browser with the demo data (issue 14, item 5): each page of HR's
navigation (`HR_PAGES`) and the detail pages — a person, a scheme, a band table, a KPI set, a
run — at 1366 px and at 390 px wide, a screenshot of each kept; at 390 px no page scrolls
sideways (wide tables and charts scroll inside their own box), and the navigation's links
can all be reached."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Page

from compensation.models import BandTable, BonusScheme
from engine import Period
from kpis.models import KpiSet
from organizations.models import Employee
from payroll.services import payroll_run_start
from portal.templatetags.portal import HR_PAGES
from tests.portal.test_browser import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo"),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]
WIDTHS = (1366, 390)

# What sticks out past the right edge of the window, outside any box that scrolls on its own.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const scrolls = (e) => { for (let p = e.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX; if (x === 'auto' || x === 'scroll' || x === 'hidden') return true; }
    return false; };
  const out = [];
  for (const e of document.body.querySelectorAll('*')) {
    const box = e.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !scrolls(e)) {
      out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '') + ' → ' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, out: out.slice(0, 8)};
}"""

# The main navigation at this width: every link visible on the screen, or the nav scrolls them.
NAVIGATION = """() => {
  const nav = document.querySelector('nav.nav');
  const x = getComputedStyle(nav).overflowX;
  const scrolls = (x === 'auto' || x === 'scroll') && nav.getBoundingClientRect().right <= window.innerWidth + 1;
  const off = [...nav.querySelectorAll('a')].filter(a => { const b = a.getBoundingClientRect();
    return b.left < -1 || b.right > window.innerWidth + 1; }).map(a => a.textContent.trim());
  const tiny = [...nav.querySelectorAll('a')].filter(a => a.getBoundingClientRect().height < 24).map(a => a.textContent.trim());
  return {links: nav.querySelectorAll('a').length, scrolls: scrolls, off: off, tiny: tiny};
}"""


def hr_pages(demo) -> list[tuple[str, str]]:
    """(name, address) of every HR page: the navigation's, then one of each detail page."""
    run, _ = payroll_run_start(company=demo, period=Period.parse("2026-11"), started_by=User.objects.get(username="hr"))
    details = [
        ("person", reverse("portal:person", args=[Employee.objects.get(company=demo, personnel_number="DEMO-A").pk])),
        ("scheme", reverse("portal:scheme", args=[BonusScheme.objects.get(company=demo, name="Leads × cost per lead").pk])),
        ("band-table", reverse("portal:band_table", args=[BandTable.objects.get(company=demo, name="Seed bands (0 / 80 / 100)").pk])),
        ("kpi-set", reverse("portal:kpi_set", args=[KpiSet.objects.filter(company=demo, is_active=True).first().pk])),
        ("run", reverse("portal:run", args=[run.pk])),
        ("band-table-new", reverse("portal:band_table_create")),
        ("scheme-new", reverse("portal:scheme_create")),
        ("kpi-set-new", reverse("portal:kpi_set_create")),
    ]
    listed = [name for name, _label, _also in HR_PAGES]
    if "corrections" not in listed:  # an HR page not (yet) in the navigation
        details.append(("corrections", reverse("portal:corrections")))
    return [(name.replace("_", "-"), reverse(f"portal:{name}")) for name in listed] + details


def test_every_hr_page_at_desktop_and_phone_width(page: Page, live_server, demo, eager_celery, screenshot):
    pages = hr_pages(demo)
    sign_in(page, live_server, "hr")
    problems = []
    for name, address in pages:
        page.set_viewport_size({"width": 1366, "height": 900})
        response = page.goto(f"{live_server.url}{address}")
        assert response is not None and response.status == 200, f"{name}: {response and response.status}"
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, f"hr-{name}-{width}")
            overflow = page.evaluate(OVERFLOW)
            if overflow["scrollWidth"] > overflow["innerWidth"] + 1:
                problems.append(f"{name} scrolls sideways at {width} px ({overflow['scrollWidth']} px): {overflow['out']}")
            if width != 390:
                continue
            navigation = page.evaluate(NAVIGATION)
            if navigation["links"] < len(HR_PAGES) or (navigation["off"] and not navigation["scrolls"]):
                problems.append(f"{name}: the navigation at 390 px hides {navigation['off']}")
            if navigation["tiny"]:
                problems.append(f"{name}: navigation links too small to tap: {navigation['tiny']}")
    assert problems == [], "\n".join(problems)


def test_the_stylesheet_closes_every_block_it_opens():
    """An unclosed `@media {` (as a merge once left one) silently made every later rule apply
    on phones only."""
    import re
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "portal" / "static" / "portal" / "portal.css").read_text(encoding="utf-8")
    depth = 0
    for line_number, line in enumerate(re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), css, flags=re.S).splitlines(), start=1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"line {line_number} closes a block never opened"
    assert depth == 0, "a block is never closed"
