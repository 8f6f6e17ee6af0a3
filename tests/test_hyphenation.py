"""``|shy``: soft hyphens at the joints of long Swedish compounds, nothing else changed."""

from __future__ import annotations

from django.template import Context, Template

from accounts.templatetags.hyphenation import SOFT_HYPHEN, soft_hyphens


class TestSoftHyphens:
    def test_joints_of_a_compound_in_any_case(self):
        assert soft_hyphens("Aktivera tvåfaktorsautentisering") == (
            f"Aktivera två{SOFT_HYPHEN}faktors{SOFT_HYPHEN}autentisering"
        )
        assert soft_hyphens("Tvåfaktorsautentisering (2FA)") == (
            f"Två{SOFT_HYPHEN}faktors{SOFT_HYPHEN}autentisering (2FA)"
        )

    def test_inflected_forms_keep_their_ending(self):
        assert soft_hyphens("Säkerhetsloggen") == f"Säkerhets{SOFT_HYPHEN}loggen"

    def test_other_words_are_untouched(self):
        text = "Two-factor authentication (2FA) – Logga ut från alla enheter"
        assert soft_hyphens(text) == text


class TestFilter:
    def render(self, value) -> str:
        return Template("{% load hyphenation %}{{ value|shy }}").render(Context({"value": value}))

    def test_plain_text_is_still_escaped(self):
        assert self.render("<b>Kontosäkerhet</b>") == (
            f"&lt;b&gt;Konto{SOFT_HYPHEN}säkerhet&lt;/b&gt;"
        )

    def test_translated_text_gets_its_joints(self):
        assert SOFT_HYPHEN in self.render("Enhetsaktivitet")
