"""The API's error answers in the OpenAPI schema (a drf-spectacular postprocessing hook).

drf-spectacular documents only the success answers a view declares. Every operation can also
refuse: 400 for bad input (query or body), 415 for a body in a format it does not read,
401/403 without the right credentials or role, 404 for an id that does not exist or belongs
to another station. This hook adds those to each
operation that can give them, unless the view documented them itself, so that clients (and
tests/smartzone/test_api_fuzz.py) see every status the API really answers.
"""

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
