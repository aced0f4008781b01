"""The trading API's reference: HTML for people, OpenAPI 3.1 for client generators. Public, read-only."""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gateway import reference


@require_GET
def reference_html(request: HttpRequest) -> HttpResponse:
    rows = []
    for entry in reference.entries():
        example = reference.worked_example(entry)
        rows.append(
            {
                "entry": entry,
                "example": example,
                "example_answer": json.dumps(example["answer"], indent=2),
                "response_schema": json.dumps(entry.doc.response, indent=2),
            }
        )
    return render(request, "gateway/reference.html", {"rows": rows})


@require_GET
def reference_openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(reference.openapi_document(), json_dumps_params={"indent": 1})
