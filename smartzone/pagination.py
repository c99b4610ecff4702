"""Pages of the /api/v1/ lists (DRF's DEFAULT_PAGINATION_CLASS)."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """limit/offset pages of at most 1000 rows. An offset past the end gives an empty page:
    a number too large for the database (limit or offset of 2**70, say) was passed on to it and
    failed there, a 500."""

    max_limit = 1000

    def get_offset(self, request):
        return min(super().get_offset(request), self.count)
