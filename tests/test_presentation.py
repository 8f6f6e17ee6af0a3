from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from account_security.presentation import activity_label

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "swedish", "english"),
    [
        (timedelta(seconds=5), "Aktiv nu", "Active now"),
        (timedelta(seconds=90), "Aktiv nu", "Active now"),
        (timedelta(minutes=5), "för 5 minuter sedan", "5 minutes ago"),
        (timedelta(hours=3, minutes=10), "för 3 timmar sedan", "3 hours ago"),
        (timedelta(days=2), "för 2 dagar sedan", "2 days ago"),
    ],
)
def test_activity_label(ago, swedish, english):
    with translation.override("sv"):
        assert activity_label(NOW - ago, NOW).replace("\xa0", " ") == swedish
    with translation.override("en"):
        assert activity_label(NOW - ago, NOW).replace("\xa0", " ") == english
