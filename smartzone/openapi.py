"""The API's error answers in the OpenAPI schema (a drf-spectacular postprocessing hook).

drf-spectacular documents only the success answers a view declares. Every operation can also
refuse: 400 for bad input (query or body), 415 for a body in a format it does not read,
401/403 without the right credentials or role, 404 for an id that does not exist or belongs
to another station. This hook adds those to each
operation that can give them, unless the view documented them itself, so that clients (and
tests/smartzone/test_api_fuzz.py) see every status the API really answers.
"""

from drf_spectacular import openapi
from rest_framework import serializers

ERROR = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'Why the request was refused: {"detail": "..."} (401, 403, 404) or, for 400, each '
        "field with its list of messages."
    ),
    "additionalProperties": {},
}
REASONS = {
    "400": "The input is not valid; the body names each field and the reason.",
    "401": "No valid credentials.",
    "403": "The caller may not do this (wrong role or station).",
    "404": "No such object (or one of another station).",
    "415": "The body's Content-Type is not one this operation reads (see its request body).",
}


def error_statuses(operation: dict) -> list[str]:
    """Return the refusal statuses OPERATION can answer with."""
    parameters = operation.get("parameters", [])
    statuses = []
    if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
        statuses.append("400")
    if "requestBody" in operation:
        statuses.append("415")
    if any(requirement for requirement in operation.get("security", [{}])):
        statuses += ["401", "403"]
    if any(p["in"] == "path" for p in parameters):
        statuses.append("404")
    return statuses


def document_error_responses(result, generator, request, public):
    """Add the refusals each operation can give (see error_statuses) to its responses."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR}"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(operation):
                responses.setdefault(
                    status,
                    {
                        "description": REASONS[status],
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, saying also what a text field refuses in a request: DRF's
    CharField refuses a NUL character always, and, unless blank is allowed, a value that is
    empty once its spaces are trimmed. (drf-spectacular says neither; a client generating
    input from the schema would send them and be refused.)"""

    NO_NUL = "^[^\\x00]*$"
    NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        text = type(field) in (serializers.CharField, serializers.EmailField)
        if direction != "request" or not text or field.read_only or "pattern" in schema:
            return schema
        if field.allow_blank:
            schema["pattern"] = self.NO_NUL
        else:
            schema["pattern"] = self.NOT_BLANK
            schema.setdefault("minLength", 1)
        return schema


def _first_id(schema: dict, components: dict) -> str | None:
    """Where a 2xx body of SCHEMA holds an object id: its own, a page's first or a list's first."""
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    properties = schema.get("properties", {})
    if "id" in properties:
        return "$response.body#/id"
    if "results" in properties:
        return "$response.body#/results/0/id"
    if schema.get("type") == "array":
        return "$response.body#/0/id"
    return None


# Chains a client follows that the paths alone do not show (another path, another parameter).
EXTRA_LINKS = [
    ("reports_create", "reports_status_retrieve", {"code": "$response.body#/code"}),
    ("sos_events_create", "sos_open_acknowledge_create", {"id": "$response.body#/id"}),
    ("sos_events_create", "sos_open_dispatch_create", {"id": "$response.body#/id"}),
]


def document_links(result, generator, request, public):
    """Add OpenAPI links from each list, create and read to the operations on the object it
    returns (GET /x/ and POST /x/ lead to GET /x/{id}/ and POST /x/{id}/act/), so that a client
    (and the fuzzer's stateful phase) can follow create -> read -> update."""
    components = result.get("components", {}).get("schemas", {})
    paths = result.get("paths", {})
    by_id = {op["operationId"]: op for ops in paths.values() for op in ops.values()}
    targets = {
        path: [op["operationId"] for op in ops.values()]
        for path, ops in paths.items()
        if path.count("{") == 1 and "{id}/" in path
    }
    for path, operations in paths.items():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                where = _first_id(schema or {}, components)
                if where is None:
                    continue
                prefix = path
                if "{id}" in path:  # an action's answer may be another object: keep the path's
                    prefix, where = path.split("{id}/", 1)[0], "$request.path.id"
                for target, operation_ids in targets.items():
                    if not target.startswith(prefix + "{id}/") or target == path:
                        continue
                    for operation_id in operation_ids:
                        if operation_id != operation["operationId"]:
                            response.setdefault("links", {})[operation_id] = {
                                "operationId": operation_id,
                                "parameters": {"id": where},
                            }
    for source, target, parameters in EXTRA_LINKS:
        if source in by_id and target in by_id:
            for status, response in by_id[source]["responses"].items():
                if status.startswith("2"):
                    response.setdefault("links", {})[target] = {
                        "operationId": target,
                        "parameters": parameters,
                    }
    return result
