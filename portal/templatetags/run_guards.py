"""Tags of the run page's includes (issue 13): the page's view stays as it is."""

from django import template

from payroll.books import run_books_problems as books_problems

register = template.Library()


@register.simple_tag
def run_books_problems(run) -> list[str]:
    """What disagrees between the run's recorded checksum and its payouts (empty: they agree)."""
    return books_problems(run)
