"""The key server's API fuzzed from its own OpenAPI document (schemathesis):
requests that fit the document and requests that break it, against the real
server on loopback. No answer may be a 5xx, and every error must be the
documented JSON body {"error": ..., "status": <the status code>}.

The document says only "base64" for the keys, so half the registrations get
two valid keys put in: they then reach the store, the mailer and the 409 path."""
import base64
import json
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

REQUESTS = 800
JSON_CLIENT = {"Accept": "application/json"}


def _error_problem(response):
    """Why an error answer is not the documented JSON error, or None."""
    kinds = [v for k, v in response.headers.items() if k.lower() == "content-type"]
    kind = (kinds[0][0] if isinstance(kinds[0], list) else kinds[0]) if kinds else ""
    if not kind.startswith("application/json"):
        return "error answered as %s" % (kind or "no content type")
    try:
        body = json.loads(response.content)
    except ValueError:
        return "error body is not JSON"
    if not isinstance(body, dict) or not isinstance(body.get("error"), str) or body.get("status") != response.status_code:
        return "error JSON lacks error/status"
    return None


_KEY = st.binary(min_size=32, max_size=32).map(lambda raw: base64.b64encode(raw).decode())


@st.composite
def _requests(draw, schema):
    case = draw(st.one_of(schema.as_strategy(schemathesis.GenerationMode.POSITIVE),
                          schema.as_strategy(schemathesis.GenerationMode.NEGATIVE)))
    if case.method.upper() == "POST" and isinstance(case.body, dict) and draw(st.booleans()):
        case.body.update(public_key_message=draw(_KEY), public_key_sign=draw(_KEY))
    return case


def test_api_fuzzed_from_openapi_has_no_5xx_and_json_errors(keyserver):
    schema = schemathesis.openapi.from_url(keyserver.url + "/openapi.json")
    cases = _requests(schema)
    answers = Counter()
    problems = Counter()
    examples = {}

    @settings(max_examples=REQUESTS, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def run(case):
        response = case.call(base_url=keyserver.url, headers=JSON_CLIENT, timeout=30)
        status = response.status_code
        answers[(case.method.upper(), case.operation.path, status)] += 1
        problem = "server error %d" % status if status >= 500 else None
        if problem is None and status >= 400:
            problem = _error_problem(response)
        if problem:
            problems[problem] += 1
            examples.setdefault(problem, case.as_curl_command(headers=JSON_CLIENT))

    run()
    total = sum(answers.values())
    print("\nschemathesis: %d requests from /openapi.json (positive and negative)" % total)
    for (method, path, status), n in sorted(answers.items()):
        print("  %s %s -> %d: %d" % (method, path, status, n))
    assert total >= REQUESTS
    assert len({(m, p) for m, p, _ in answers}) >= 5, "not every operation was exercised"
    assert not problems, "%s\nreproduce: %s" % (dict(problems), examples)
