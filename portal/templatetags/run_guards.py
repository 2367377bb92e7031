"""Tags of the run page's includes (issue 13): the page's view stays as it is."""

from django import template

from payroll.books import run_books_problems as books_problems

register = template.Library()


VERIFY = "books"  # `?verify=books`: the run page checks every payout's digest too


@register.simple_tag(takes_context=True)
def run_books_problems(context, run) -> list[str]:
    """What disagrees between the run's recorded checksum and its payouts (empty: they agree):
    the count and sums on every view, every payout's amounts and trace when asked for."""
    return books_problems(run, digest=books_fully_verified(context))


@register.simple_tag(takes_context=True)
def books_fully_verified(context) -> bool:
    request = context.get("request")
    return request is not None and request.GET.get("verify") == VERIFY
