"""schemathesis calls every operation of the OpenAPI document in-process, with data drawn from
the document (valid and not), and checks every answer against it with all its checks."""
from __future__ import annotations

import uuid

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from tests import backoffice
from widget.services.api_clients import create_api_client

office, received = backoffice.office, backoffice.received
# Every check runs. Valid-looking data may still be refused by what a schema cannot say (the
# request's status, a colleague of another unit): 409 and 422 are the documented answers then.
# Texts are drawn as the document says they must be: UTF-8, no NUL (a lone surrogate or a NUL
# is a documented 400, which JSON Schema cannot express; tests/test_untrusted_input.py).
CONFIG = SchemathesisConfig.from_dict({
    "generation": {"allow-x00": False, "codec": "utf-8"},
    "checks": {"positive_data_acceptance": {
        "expected-statuses": ["2XX", "3XX", "401", "403", "404", "409", "422", "429"]}}})


def test_every_operation_answers_as_documented(app, office, received):
    received()  # something to read, register, pause...
    key = create_api_client(office["people"]["admin"], "CRM", [])[1]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            headers = {"Authorization": f"Bearer {key}"}
            if case.method == "POST":  # one key per attempt: a reused key with another body is 422
                headers["Idempotency-Key"] = uuid.uuid4().hex
            case.call_and_validate(headers=headers)
        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collect them all
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
