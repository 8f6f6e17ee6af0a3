"""Queries and writes per request for one configuration, counted in-process on a warm session.

Run by run.py as `django shell -c` under the configuration's settings, with the session cookie
the configuration's own gunicorn issued; prints one JSON line.
"""

import json
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

REQUESTS = 20
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def main(cookie: str) -> None:
    name, value = cookie.split("=", 1)
    client = Client(HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR="127.0.0.1")
    client.cookies[name] = value
    assert client.get("/bench/").status_code == 200
    queries = writes = 0
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/bench/")
        assert response.status_code == 200, response.status_code
        queries += len(captured.captured_queries)
        writes += sum(bool(_WRITE.match(q["sql"])) for q in captured.captured_queries)
    print(json.dumps({"queries": queries / REQUESTS, "writes": writes / REQUESTS}))
