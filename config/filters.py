"""List filters (their own module: DRF imports the backend while `rest_framework.generics` loads)."""

from django_filters import rest_framework as filters
from django_filters.filters import QuerySetRequestMixin

from organizations.access import scope_for_user


class ScopedFilterSet(filters.FilterSet):
    """A filter that names a row accepts only rows the user may see: another company's id is
    refused exactly as an id that does not exist, so filters never tell which ids exist."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        for row_filter in self.filters.values():  # this instance's own copies
            if isinstance(row_filter, QuerySetRequestMixin) and row_filter.queryset is not None:
                row_filter.queryset = scope_for_user(row_filter.queryset, user)


class ScopedFilterBackend(filters.DjangoFilterBackend):
    filterset_base = ScopedFilterSet
