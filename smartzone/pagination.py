"""Pages of the /api/v1/ lists (DRF's DEFAULT_PAGINATION_CLASS)."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from smartzone import params


class Pagination(LimitOffsetPagination):
    """limit/offset pages of at most 1000 rows. A limit or offset that is not a whole number in
    range (an empty one too) is a 400 naming it (DRF would quietly use the default); an offset
    past the end gives an empty page."""

    max_limit = 1000

    def _param(self, request, name: str, minimum: int, maximum: int, default):
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            return params.number(raw, name=name, minimum=minimum, maximum=maximum)
        except params.ParameterError as exc:
            raise ValidationError({name: [exc.reason]}) from None

    def get_limit(self, request):
        return self._param(request, self.limit_query_param, 1, self.max_limit, self.default_limit)

    def get_offset(self, request):
        offset = self._param(request, self.offset_query_param, 0, params.ID_MAX, 0)
        return min(offset, self.count)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit},
            self.offset_query_param: {"minimum": 0, "maximum": params.ID_MAX},
        }
        for parameter in parameters:
            parameter["schema"] |= bounds.get(parameter["name"], {})
        return parameters
