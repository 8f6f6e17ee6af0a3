"""account_security.risk_text: the title and one-line reason of each flag, word for word, in
English and in Swedish (the compiled catalogue in locale/)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils.translation import override

from account_security.risk_facts import Flag, FlagKind
from account_security.risk_text import (
    WordedFlag,
    duration,
    flag_text,
    flag_title,
    join_names,
    worded,
)

NBSP = "\xa0"

NEW_PLACE = Flag(FlagKind.NEW_PLACE, country_code="DE", city="Berlin")
NEW_DEVICE = Flag(FlagKind.NEW_DEVICE, device="Safari on iPhone")
SEVERAL = Flag(FlagKind.SEVERAL_COUNTRIES, countries=("SE", "DE", "NO"), hours=24)
UNUSUAL = Flag(FlagKind.UNUSUAL_TIME, signed_in_at=datetime(2026, 1, 10, 3, 5))
TRAVEL = Flag(
    FlagKind.IMPOSSIBLE_TRAVEL,
    country_code="US",
    city="New York",
    distance_km=6299.6,
    elapsed=timedelta(hours=2, minutes=40),
)


class TestFlagTitle:
    @pytest.mark.parametrize(
        ("kind", "english", "swedish"),
        [
            (FlagKind.NEW_PLACE, "New place", "Ny plats"),
            (FlagKind.NEW_DEVICE, "Unknown device", "Okänd enhet"),
            (FlagKind.SEVERAL_COUNTRIES, "Several countries", "Flera länder"),
            (FlagKind.UNUSUAL_TIME, "Unusual time", "Ovanlig tid"),
            (FlagKind.IMPOSSIBLE_TRAVEL, "Impossible travel", "Omöjlig resa"),
        ],
    )
    def test_each_kind(self, kind, english, swedish):
        with override("en"):
            assert flag_title(Flag(kind)) == english
        with override("sv"):
            assert flag_title(Flag(kind)) == swedish

    def test_the_site_language_is_swedish(self, settings):
        with override(settings.LANGUAGE_CODE):
            assert flag_title(Flag(FlagKind.NEW_PLACE)) == "Ny plats"


class TestWorded:
    def test_kind_title_and_text_together(self):
        with override("sv"):
            assert worded(NEW_PLACE) == WordedFlag(
                kind=FlagKind.NEW_PLACE,
                title="Ny plats",
                text="Ny plats: första inloggningen från Berlin, Tyskland",
            )

    def test_in_english(self):
        with override("en"):
            flag = worded(NEW_DEVICE)
        assert (flag.kind, flag.title, flag.text) == (
            FlagKind.NEW_DEVICE,
            "Unknown device",
            "Unknown device: first sign-in with Safari on iPhone",
        )


class TestJoinNames:
    @pytest.mark.parametrize(
        ("names", "english", "swedish"),
        [
            ([], "", ""),
            (["Sverige"], "Sverige", "Sverige"),
            (["Sweden", "Germany"], "Sweden and Germany", "Sweden och Germany"),
            (
                ["Sverige", "Norge", "Tyskland"],
                "Sverige, Norge and Tyskland",
                "Sverige, Norge och Tyskland",
            ),
        ],
    )
    def test_names(self, names, english, swedish):
        with override("en"):
            assert join_names(names) == english
        with override("sv"):
            assert join_names(names) == swedish


class TestDuration:
    @pytest.mark.parametrize(
        ("elapsed", "english", "swedish"),
        [
            (timedelta(0), f"1{NBSP}minute", f"1{NBSP}minut"),  # at least a minute
            (timedelta(seconds=59), f"1{NBSP}minute", f"1{NBSP}minut"),
            (timedelta(minutes=40), f"40{NBSP}minutes", f"40{NBSP}minuter"),
            (timedelta(hours=3), f"3{NBSP}hours", f"3{NBSP}timmar"),
            (
                timedelta(hours=2, minutes=40),
                f"2{NBSP}hours, 40{NBSP}minutes",
                f"2{NBSP}timmar, 40{NBSP}minuter",
            ),
            (  # two units at most
                timedelta(days=3, hours=5, minutes=7),
                f"3{NBSP}days, 5{NBSP}hours",
                f"3{NBSP}dagar, 5{NBSP}timmar",
            ),
        ],
    )
    def test_words(self, elapsed, english, swedish):
        with override("en"):
            assert duration(elapsed) == english
        with override("sv"):
            assert duration(elapsed) == swedish


class TestFlagText:
    @pytest.mark.parametrize(
        ("flag", "english", "swedish"),
        [
            (
                NEW_PLACE,
                "New place: first sign-in from Berlin, Germany",
                "Ny plats: första inloggningen från Berlin, Tyskland",
            ),
            (
                Flag(FlagKind.NEW_PLACE, country_code="NO"),
                "New place: first sign-in from Norway",
                "Ny plats: första inloggningen från Norge",
            ),
            (
                Flag(FlagKind.NEW_PLACE, city="Springfield"),
                "New place: first sign-in from Springfield",
                "Ny plats: första inloggningen från Springfield",
            ),
            (
                Flag(FlagKind.NEW_PLACE),
                "New place: first sign-in from Unknown location",
                "Ny plats: första inloggningen från Okänd plats",
            ),
            (
                NEW_DEVICE,
                "Unknown device: first sign-in with Safari on iPhone",
                "Okänd enhet: första inloggningen med Safari on iPhone",
            ),
            (
                Flag(FlagKind.NEW_DEVICE),
                "Unknown device: first sign-in with this device",
                "Okänd enhet: första inloggningen med den här enheten",
            ),
            (
                UNUSUAL,
                "Unusual time: signed in at 3:05 a.m. local time",
                "Ovanlig tid: inloggning kl. 03:05 lokal tid",
            ),
            (
                Flag(FlagKind.UNUSUAL_TIME),
                "Unusual time: signed in at ? local time",
                "Ovanlig tid: inloggning kl. ? lokal tid",
            ),
        ],
    )
    def test_words(self, flag, english, swedish):
        with override("en"):
            assert flag_text(flag) == english
        with override("sv"):
            assert flag_text(flag) == swedish

    def test_several_countries_are_named_in_the_languages_order(self):
        with override("en"):
            assert flag_text(SEVERAL) == (
                "Several countries: sessions from Germany, Norway and Sweden within 24 hours"
            )
        with override("sv"):
            assert flag_text(SEVERAL) == (
                "Flera länder: sessioner från Norge, Sverige och Tyskland inom 24 timmar"
            )

    def test_one_hour_is_singular(self):
        flag = Flag(FlagKind.SEVERAL_COUNTRIES, countries=("SE", "DE"), hours=1)
        with override("en"):
            assert (
                flag_text(flag)
                == "Several countries: sessions from Germany and Sweden within 1 hour"
            )
        with override("sv"):
            assert (
                flag_text(flag) == "Flera länder: sessioner från Sverige och Tyskland inom 1 timme"
            )

    def test_an_unknown_country_is_named_by_its_code(self):
        flag = Flag(FlagKind.SEVERAL_COUNTRIES, countries=("XX", "SE"), hours=24)
        with override("sv"):
            assert flag_text(flag) == "Flera länder: sessioner från Sverige och XX inom 24 timmar"

    def test_impossible_travel(self):
        with override("en"):
            assert flag_text(TRAVEL) == (
                f"Impossible travel: 6,300 km from New York, United States"
                f" in 2{NBSP}hours, 40{NBSP}minutes"
            )
        with override("sv"):
            assert flag_text(TRAVEL) == (
                f"Omöjlig resa: 6{NBSP}300 km från New York, USA på 2{NBSP}timmar, 40{NBSP}minuter"
            )

    def test_impossible_travel_rounds_and_says_at_least_a_minute(self):
        flag = Flag(
            FlagKind.IMPOSSIBLE_TRAVEL,
            country_code="SE",
            distance_km=812.5001,
            elapsed=timedelta(seconds=10),
        )
        with override("en"):
            assert flag_text(flag) == f"Impossible travel: 813 km from Sweden in 1{NBSP}minute"
        with override("sv"):
            assert flag_text(flag) == f"Omöjlig resa: 813 km från Sverige på 1{NBSP}minut"
