"""HR's plan builder (issue 14, item 1): band tables and bonus schemes on the portal's own
pages, over the domain services, with charts computed by the engine."""

from decimal import Decimal
from itertools import pairwise

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

import engine
from compensation.models import BandTable, BonusScheme
from kpis.models import Kpi, KpiSet
from portal.band_charts import band_chart, bonus_heatmap
from tests.factories import CompanyFactory, band_table, catalogue_kpi

pytestmark = pytest.mark.django_db
D = Decimal
SEED_BANDS = "Seed bands (0 / 80 / 100)"


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def band_post(name: str, rows, mode: str = "step", action: str = "save") -> dict:
    data = {"name": name, "mode": mode, "action": action}
    for index, (lower, coefficient) in enumerate(rows):
        data[f"row-{index}-lower"] = lower
        data[f"row-{index}-coefficient"] = coefficient
    return data


def scheme_post(name: str, factors, **fields) -> dict:
    data = {"name": name, "base_kind": "share", "base_share": "1", "base_amount": "", "cap": "", "action": "save", **fields}
    for index, (factor_name, position, source, table) in enumerate(factors):
        data.update(
            {
                f"factor-{index}-name": factor_name,
                f"factor-{index}-position": str(position),
                f"factor-{index}-input": source,
                f"factor-{index}-band_table": str(table),
            }
        )
    return data


def vertex_coefficient(chart, percentage: Decimal) -> Decimal:
    """What the drawn line shows at `percentage`: on a riser the later vertex (what the
    bound pays), between two vertices the straight line."""
    vertices = chart.vertices
    at = [c for pct, c in vertices if pct == percentage]
    if at:
        return at[-1]
    for (x1, y1), (x2, y2) in pairwise(vertices):
        if x1 < percentage < x2:
            return y1 + (y2 - y1) * (percentage - x1) / (x2 - x1)
    return vertices[-1][1]


@pytest.fixture
def other_company():
    """Another company with its own band table, KPI set and scheme."""
    company = CompanyFactory(name="Elsewhere LLC")
    table = band_table(company, [(0, 1)], name="Their bands")
    kpi_set = KpiSet.objects.create(company=company, stage=2, name="Their set", cap_pct=D(150))
    scheme = BonusScheme.objects.create(company=company, name="Their scheme")
    own_kpi = Kpi.objects.create(company=company, code="their_kpi", name="Their KPI", direction="higher_is_better", formula="leads")
    return {"company": company, "table": table, "scheme": scheme, "kpi_set": kpi_set, "kpi": own_kpi}


# --- band tables -----------------------------------------------------------------------


def test_hr_creates_a_band_table_typing_decimal_commas_and_sees_what_was_understood(demo):
    response = signed_in("hr").post(
        reverse("portal:band_table_create"), band_post("Half at 80", [("0", "0"), ("80", "0,5"), ("100", "1.0")]), follow=True
    )

    table = BandTable.objects.get(company=demo, name="Half at 80")
    assert [(p.lower_bound_pct, p.coefficient) for p in table.points.all()] == [(D(0), D(0)), (D(80), D("0.5")), (D(100), D(1))]
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("portal:band_table", args=[table.pk])
    assert "Half at 80 is saved: 0 % → 0, 80 % → 0.5, 100 % → 1." in html
    assert 'data-testid="band-chart"' in html


def test_preview_shows_the_reading_the_chart_and_saves_nothing(demo):
    response = signed_in("hr").post(
        reverse("portal:band_table_create"), band_post("Preview me", [("0", "0"), ("80", "0,5")], action="preview")
    )

    html = response.content.decode()
    assert response.status_code == 200 and not BandTable.objects.filter(name="Preview me").exists()
    assert 'data-understood="coefficient">read as 0.5<' in html
    assert "preview, not saved" in html and 'data-testid="band-chart"' in html
    assert 'value="0,5"' in html  # what was typed stays in the field


def test_a_bad_row_is_named_and_nothing_is_lost(demo):
    response = signed_in("hr").post(
        reverse("portal:band_table_create"), band_post("Broken", [("0", "0"), ("80", "0,5"), ("70", "1"), ("90", "1,2.3")])
    )

    html = response.content.decode()
    assert response.status_code == 400 and not BandTable.objects.filter(name="Broken").exists()
    assert "row 4: &#x27;1,2.3&#x27; is not a number (use one decimal separator" in html  # named before the domain is asked
    assert 'value="1,2.3"' in html and 'value="70"' in html

    fixed_number = signed_in("hr").post(
        reverse("portal:band_table_create"), band_post("Broken", [("0", "0"), ("80", "0,5"), ("70", "1")])
    ).content.decode()
    assert "row 3: the lower bound 70 must be greater than the row above (80)" in fixed_number
    assert 'id="row-2-lower-error"' in fixed_number  # on the third row's field


def test_the_issues_five_for_a_half_table_is_saved_with_its_warnings_shown(demo):
    """Issue 14: "0,5" read as 5 paid 5 in the middle band and 1 at the top, silently."""
    hr = signed_in("hr")
    preview = hr.post(
        reverse("portal:band_table_create"), band_post("Typo", [("0", "0"), ("80", "5"), ("100", "1")], action="preview")
    ).content.decode()
    falls = "row 3: the coefficient falls from 5 to 1 at 100 %: a higher fulfillment pays less"
    more = "row 2: the band from 80 % pays 5, more than the top band (1)"
    assert falls in preview and more in preview

    saved = hr.post(reverse("portal:band_table_create"), band_post("Typo", [("0", "0"), ("80", "5"), ("100", "1")]), follow=True)
    html = saved.content.decode()
    assert BandTable.objects.filter(company=demo, name="Typo").exists()
    assert f"Typo: {falls}" in html  # the message after the save
    assert 'data-testid="warnings"' in html  # and the page's own list
    listing = hr.get(reverse("portal:schemes")).content.decode()
    assert "2 warnings" in listing.split('data-band-table="Typo"')[1].split("</tr>")[0]


def test_hr_edits_a_table_adds_and_removes_rows(demo):
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    hr = signed_in("hr")
    page = hr.get(reverse("portal:band_table", args=[table.pk])).content.decode()
    assert 'value="80"' in page and 'value="0.5"' in page and page.count('name="remove"') == 3 + 3 + 1  # rows, blanks, template

    added = hr.post(reverse("portal:band_table", args=[table.pk]), {**band_post(SEED_BANDS, [("0", "0"), ("80", "0.5")]), "action": "add"})
    assert added.content.decode().count(" autofocus") == 1
    data = band_post(SEED_BANDS, [("0", "0"), ("80", "0.5"), ("100", "1"), ("120", "1,3")])
    data["remove"] = ["1"]
    hr.post(reverse("portal:band_table", args=[table.pk]), data)
    assert [(p.lower_bound_pct, p.coefficient) for p in table.points.all()] == [(D(0), D(0)), (D(100), D(1)), (D(120), D("1.3"))]


def test_after_editing_from_a_scheme_the_save_goes_back_to_it(demo):
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    scheme = BonusScheme.objects.get(company=demo, name="Leads × cost per lead")
    back = reverse("portal:scheme", args=[scheme.pk])
    response = signed_in("hr").post(
        reverse("portal:band_table", args=[table.pk]), {**band_post(SEED_BANDS, [("0", "0"), ("80", "0,5"), ("100", "1")]), "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    elsewhere = signed_in("hr").post(
        reverse("portal:band_table", args=[table.pk]),
        {**band_post(SEED_BANDS, [("0", "0"), ("80", "0,5"), ("100", "1")]), "next": "https://evil.example/"},
    )
    assert elsewhere["Location"] == reverse("portal:band_table", args=[table.pk])


# --- the charts are the engine's --------------------------------------------------------


@pytest.mark.parametrize("mode", ["step", "linear"])
def test_chart_points_are_what_the_engine_pays(mode):
    rows = [(D(0), D(0)), (D(70), D("0.5")), (D(90), D("0.8")), (D(100), D(1)), (D("120.5"), D("1.3"))]
    chart = band_chart(rows, mode)
    table = engine.BandTable.build("t", rows, mode)

    for percentage in ["0", "35", "69.99", "70", "80", "89.99", "90", "95.5", "100", "120.49", "120.5", "150", "180"]:
        paid = table.look_up(D(percentage)).coefficient
        drawn = vertex_coefficient(chart, D(percentage))
        assert abs(drawn - paid) <= D("0.0001"), (mode, percentage, drawn, paid)
    if mode == "step":  # a riser: two corners at the bound, the lower band's then the bound's
        assert [c for pct, c in chart.vertices if pct == D(70)] == [D(0), D("0.5")]
    else:
        assert [pct for pct, _ in chart.vertices] == [D(0), D(70), D(90), D(100), D("120.5"), chart.reach]
    x, y = chart.polyline.split()[2].split(",")
    assert (D(x), D(y)) == (chart.x(chart.vertices[2][0]).quantize(D("0.1")), chart.y(chart.vertices[2][1]).quantize(D("0.1")))


def test_no_chart_for_rows_that_are_not_a_table():
    assert band_chart([(D(10), D(1))], "step") is None


def test_heatmap_cells_are_the_engines_bonus_with_the_cap():
    bands = engine.BandTable.build("seed", [(D(0), D(0)), (D(80), D("0.5")), (D(100), D(1)), (D(120), D(2))])
    scheme = engine.Scheme("s", (engine.Factor("k1", bands), engine.Factor("k2", bands)), base_share=D("0.5"), cap=D("1.5"))

    heatmap = bonus_heatmap(scheme, fixed=D(40000))

    by_pair = {(cell.first, cell.second): cell for cell in heatmap["cells"]}
    assert by_pair[(D(100), D(100))].bonus == D("20000.00")  # 0.5 × 40 000 × 1 × 1
    assert by_pair[(D(80), D(100))].bonus == D("10000.00")
    assert by_pair[(D(0), D(120))].bonus == D("0.00")
    top = by_pair[(D(120), D(120))]  # 2 × 2 = 4 > cap 1.5: 1.5 × 20 000
    assert top.bonus == D("30000.00") and top.capped
    assert {D(80), D(100), D(120)} <= {cell.first for cell in heatmap["cells"]}
    assert bonus_heatmap(engine.Scheme("one", (engine.Factor("k1", bands),)), fixed=D(1)) is None


# --- schemes ---------------------------------------------------------------------------


def test_hr_builds_the_seeds_two_factor_scheme(demo):
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    leads, cpl = catalogue_kpi("leads"), catalogue_kpi("cpl")
    hr = signed_in("hr")
    form = hr.get(reverse("portal:scheme_create")).content.decode()
    assert 'value="k1"' in form and 'value="k2"' in form and 'name="factor-1-position" value="2"' in form
    assert f'<option value="kpi:{leads.pk}">Leads (leads)</option>' in form  # the name, the code as a hint
    assert "company" not in form.split('id="scheme-form"')[1].split("</form>")[0].lower().replace("company's stage", "")

    response = hr.post(
        reverse("portal:scheme_create"),
        scheme_post("Leads × CPL, new", [("k1", 1, f"kpi:{leads.pk}", table.pk), ("k2", 2, f"kpi:{cpl.pk}", table.pk)], cap="1,5"),
        follow=True,
    )

    scheme = BonusScheme.objects.get(company=demo, name="Leads × CPL, new")
    assert scheme.cap == D("1.5") and scheme.base_share == D(1)
    assert [(f.position, f.name, f.kpi.code, f.band_table) for f in scheme.factors.all()] == [(1, "k1", "leads", table), (2, "k2", "cpl", table)]
    html = response.content.decode()
    assert "is saved with 2 factors" in html
    assert html.count('data-testid="band-chart"') == 2 and 'data-testid="heatmap"' in html
    assert f'href="{reverse("portal:band_table", args=[table.pk])}?next={reverse("portal:scheme", args=[scheme.pk])}"' in html


def test_a_duplicate_position_is_refused_naming_the_row(demo):
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    leads, cpl = catalogue_kpi("leads"), catalogue_kpi("cpl")
    response = signed_in("hr").post(
        reverse("portal:scheme_create"),
        scheme_post("Twice", [("k1", 1, f"kpi:{leads.pk}", table.pk), ("k2", 1, f"kpi:{cpl.pk}", table.pk)]),
    )
    html = response.content.decode()
    assert response.status_code == 400 and not BonusScheme.objects.filter(name="Twice").exists()
    assert "factor 2 (k2) — row 2: the position 1 is already that of row 1; give each factor its own" in html
    assert html.count('aria-invalid="true"') == 1 and 'value="Twice"' in html


def test_scheme_errors_name_the_field_and_keep_the_input(demo):
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    response = signed_in("hr").post(
        reverse("portal:scheme_create"),
        scheme_post("Fixed", [("k1", 1, "stage_kpi_set", table.pk), ("", "x", "", table.pk)], base_kind="fixed_amount", cap="abc"),
    )
    html = response.content.decode()
    assert response.status_code == 400 and not BonusScheme.objects.filter(name="Fixed").exists()
    assert "cap: &#x27;abc&#x27; is not a number" in html
    assert "write the position as a whole number" in html and "choose what the factor reads" in html


def test_the_stage_set_and_a_named_set_are_inputs_too(demo):
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    own_set = KpiSet.objects.filter(company=demo).first()
    signed_in("hr").post(
        reverse("portal:scheme_create"),
        scheme_post("Sets", [("k", 1, "stage_kpi_set", table.pk), ("s", 2, f"kpi_set:{own_set.pk}", table.pk)], base_kind="fixed_amount", base_amount="10 000,50"),
    )
    scheme = BonusScheme.objects.get(company=demo, name="Sets")
    assert scheme.base_amount == D("10000.50")
    assert [(f.input_kind, f.kpi_set) for f in scheme.factors.all()] == [("stage_kpi_set", None), ("kpi_set", own_set)]


def test_the_scheme_page_shows_its_tables_warnings(demo):
    typo = band_table(demo, [(0, 0), (80, 5), (100, 1)], name="Typo bands")
    scheme = BonusScheme.objects.get(company=demo, name="Stage scorecard")
    factor = scheme.factors.get()
    factor.band_table = typo
    factor.save()
    html = signed_in("hr").get(reverse("portal:scheme", args=[scheme.pk])).content.decode()
    assert "Typo bands: row 2: the band from 80 % pays 5, more than the top band (1)" in html


def test_editing_a_scheme_keeps_it_and_removes_a_factor(demo):
    scheme = BonusScheme.objects.get(company=demo, name="Leads × cost per lead")
    page = signed_in("hr").get(reverse("portal:scheme", args=[scheme.pk])).content.decode()
    assert 'name="factor-2-name" value="k3"' in page  # one blank factor to type into
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    data = scheme_post(scheme.name, [("k1", 1, f"kpi:{catalogue_kpi('leads').pk}", table.pk), ("k2", 2, f"kpi:{catalogue_kpi('cpl').pk}", table.pk)])
    data["remove"] = ["1"]
    signed_in("hr").post(reverse("portal:scheme", args=[scheme.pk]), data)
    assert [f.name for f in scheme.factors.all()] == ["k1"]


# --- company and role -------------------------------------------------------------------


def test_another_companys_tables_and_schemes_are_not_there(demo, other_company):
    hr = signed_in("hr")
    for name in ("band_table", "scheme"):
        target = other_company["table"] if name == "band_table" else other_company["scheme"]
        url = reverse(f"portal:{name}", args=[target.pk])
        assert hr.get(url).status_code == 404
        assert hr.post(url, {"name": "Taken over", "action": "save"}).status_code == 404
    other_company["table"].refresh_from_db()
    other_company["scheme"].refresh_from_db()
    assert other_company["table"].name == "Their bands" and other_company["scheme"].name == "Their scheme"

    listing = hr.get(reverse("portal:schemes")).content.decode()
    form = hr.get(reverse("portal:scheme_create")).content.decode()
    for html in (listing, form):
        assert "Their bands" not in html and "Their scheme" not in html and "Their set" not in html and "Their KPI" not in html
    assert f'value="{other_company["table"].pk}"' not in form.split('name="factor-0-band_table"')[1].split("</select>")[0]


def test_a_forged_choice_of_another_company_is_refused(demo, other_company):
    leads = catalogue_kpi("leads")
    response = signed_in("hr").post(
        reverse("portal:scheme_create"),
        scheme_post(
            "Forged",
            [("k1", 1, f"kpi:{leads.pk}", other_company["table"].pk), ("k2", 2, f"kpi_set:{other_company['kpi_set'].pk}", other_company["table"].pk)],
        ),
    )
    assert response.status_code == 400 and not BonusScheme.objects.filter(name="Forged").exists()
    assert "choose one of the company&#x27;s band tables" in response.content.decode()


PAGES = [
    ("portal:schemes", None),
    ("portal:scheme_create", None),
    ("portal:scheme", "scheme"),
    ("portal:band_table_create", None),
    ("portal:band_table", "table"),
]


@pytest.mark.parametrize(("url_name", "target"), PAGES, ids=[p[0].split(":")[1] for p in PAGES])
def test_only_hr_reaches_the_builder(demo, url_name, target):
    objects = {"scheme": BonusScheme.objects.get(company=demo, name="Stage scorecard"), "table": BandTable.objects.get(company=demo, name=SEED_BANDS)}
    url = reverse(url_name, args=[objects[target].pk] if target else [])
    before = (BandTable.objects.count(), BonusScheme.objects.count(), list(BandTable.objects.values_list("name", flat=True)))

    assert signed_in("hr").get(url).status_code == 200
    posted = 405 if url_name == "portal:schemes" else 403  # the list takes no POST from anyone
    for role in ("marketer", "finance"):
        assert signed_in(role).get(url).status_code == 403
        assert signed_in(role).post(url, band_post("Taken", [("0", "1")])).status_code == posted
    anonymous = Client()
    responses = [anonymous.get(url)] + ([] if posted == 405 else [anonymous.post(url, band_post("Taken", [("0", "1")]))])
    for response in responses:
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    if posted == 405:
        assert signed_in("hr").post(url, band_post("Taken", [("0", "1")])).status_code == 405
    assert (BandTable.objects.count(), BonusScheme.objects.count(), list(BandTable.objects.values_list("name", flat=True))) == before


def test_the_hr_nav_links_the_schemes(demo):
    html = signed_in("hr").get(reverse("portal:schemes")).content.decode()
    nav = html.split('aria-label="Main"')[1].split("</nav>")[0]
    assert f'href="{reverse("portal:schemes")}" aria-current="page">Schemes<' in nav
    assert "Schemes" not in signed_in("marketer").get(reverse("portal:dashboard")).content.decode().split("</nav>")[0]


@pytest.mark.parametrize(
    ("language", "said"),
    [("ru", ["Схемы премирования", "Новая шкала коэффициентов", "Добавить фактор", "Позиция"]),
     ("uz", ["Mukofotlash sxemalari", "Yangi koeffitsiyentlar shkalasi", "Omil qoʻshish", "Oʻrin"])],
)
def test_the_builder_reads_in_russian_and_uzbek(demo, language, said):
    hr = signed_in("hr")
    html = hr.get(reverse("portal:schemes"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    html += hr.get(reverse("portal:scheme_create"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for words in said:
        assert words in html
    assert "Должность" not in html and "Lavozim" not in html  # a factor's position is no job title


# --- a band table edited in place on the scheme page ------------------------------------


def seeds_scheme_post(demo, table, rows=None, mode=None, **fields) -> dict:
    data = scheme_post(
        "Leads × cost per lead",
        [("k1", 1, f"kpi:{catalogue_kpi('leads').pk}", table.pk), ("k2", 2, f"kpi:{catalogue_kpi('cpl').pk}", table.pk)],
        **fields,
    )
    data["edit_table"] = [str(table.pk)]
    data[f"table-{table.pk}-mode"] = mode or table.mode
    stored = [(f"{p.lower_bound_pct.normalize():f}", f"{p.coefficient.normalize():f}") for p in table.points.all()]
    for index, (lower, coefficient) in enumerate(rows or stored):
        data[f"table-{table.pk}-row-{index}-lower"] = lower
        data[f"table-{table.pk}-row-{index}-coefficient"] = coefficient
    return data


def test_the_scheme_page_edits_its_table_in_place_and_saves_both(demo):
    scheme = BonusScheme.objects.get(company=demo, name="Leads × cost per lead")
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    hr = signed_in("hr")
    page = hr.get(reverse("portal:scheme", args=[scheme.pk])).content.decode()
    assert page.count('data-testid="edit-in-place"') == 1 and "The table is edited with factor 1." in page

    response = hr.post(
        reverse("portal:scheme", args=[scheme.pk]),
        seeds_scheme_post(demo, table, [("0", "0"), ("80", "0,6"), ("100", "1")], mode="linear", cap="2"),
        follow=True,
    )

    html = response.content.decode()
    table.refresh_from_db()
    scheme.refresh_from_db()
    assert table.mode == "linear" and [p.coefficient for p in table.points.all()] == [D(0), D("0.6"), D(1)]
    assert scheme.cap == D(2)
    assert f"{SEED_BANDS} is saved: 0 % → 0, 80 % → 0.6, 100 % → 1." in html and "is saved with 2 factors" in html


def test_an_unchanged_table_is_not_saved_again(demo):
    scheme = BonusScheme.objects.get(company=demo, name="Leads × cost per lead")
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    history = (table.history.count(), table.points.first().history.count())
    signed_in("hr").post(reverse("portal:scheme", args=[scheme.pk]), seeds_scheme_post(demo, table, cap="2"))
    scheme.refresh_from_db()
    assert scheme.cap == D(2)
    assert (table.history.count(), table.points.first().history.count()) == history


def test_a_refused_table_edit_saves_neither_and_names_the_tables_row(demo):
    scheme = BonusScheme.objects.get(company=demo, name="Leads × cost per lead")
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    response = signed_in("hr").post(
        reverse("portal:scheme", args=[scheme.pk]), seeds_scheme_post(demo, table, [("0", "0"), ("80", "0,5"), ("70", "1")], cap="2")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert f"{SEED_BANDS}: row 3: the lower bound 70 must be greater than the row above (80)" in html
    assert 'id="table-' + str(table.pk) + '-row-2-lower-error"' in html and "<details" in html and " open>" in html
    scheme.refresh_from_db()
    assert scheme.cap is None and [p.lower_bound_pct for p in table.points.all()] == [D(0), D(80), D(100)]


def test_a_previewed_table_edit_draws_the_new_curve_and_saves_nothing(demo):
    scheme = BonusScheme.objects.get(company=demo, name="Leads × cost per lead")
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    data = seeds_scheme_post(demo, table, [("0", "0"), ("80", "0,5"), ("100", "2")], action="preview", chart_pay="10 000")
    html = signed_in("hr").post(reverse("portal:scheme", args=[scheme.pk]), data).content.decode()
    assert "Preview: nothing is saved yet." in html
    # 10 000 × 2 × 2 through the table as typed (as stored: 10 000 × 1 × 1)
    assert 'data-first="100" data-second="100" data-bonus="40000.00"' in html
    assert [p.coefficient for p in table.points.all()] == [D(0), D("0.5"), D(1)]


def test_another_companys_table_is_never_edited_through_a_scheme(demo, other_company):
    scheme = BonusScheme.objects.get(company=demo, name="Leads × cost per lead")
    table = BandTable.objects.get(company=demo, name=SEED_BANDS)
    theirs = other_company["table"]
    data = seeds_scheme_post(demo, table)
    data["edit_table"] = [str(table.pk), str(theirs.pk)]
    data[f"table-{theirs.pk}-row-0-lower"], data[f"table-{theirs.pk}-row-0-coefficient"] = "0", "9"
    signed_in("hr").post(reverse("portal:scheme", args=[scheme.pk]), data)
    assert [p.coefficient for p in theirs.points.all()] == [D(1)]
