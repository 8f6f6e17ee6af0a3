"""A software authenticator for the view tests: what a phone or security key answers to
``navigator.credentials.create`` / ``get``, as the JSON django-otp-webauthn's script posts.

It is a stand-in for a third-party device, not for code of ours: every answer is a real
WebAuthn structure (CBOR attestation object with the "none" format, authenticator data, an
ECDSA P-256 signature), which the library and py_webauthn verify for real. The browser tests
use Chromium's own virtual authenticator instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40
REGISTER_BEGIN = "/accounts/passkey/registration/begin/"
REGISTER_COMPLETE = "/accounts/passkey/registration/complete/"
AUTH_BEGIN = "/accounts/passkey/authentication/begin/"
AUTH_COMPLETE = "/accounts/passkey/authentication/complete/"
ADD_PAGE = "/account/security/passkeys/add/"


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftAuthenticator:
    """One passkey on one device: a P-256 key, a credential id, a signature counter."""

    origin: str = "https://testserver"
    rp_id: str = "testserver"
    user_verified: bool = True
    sign_count: int = 0
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    user_handle: bytes = b""

    def _flags(self, extra: int = 0) -> int:
        return UP | (UV if self.user_verified else 0) | extra

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        ).encode()

    def create(self, options: dict, *, origin: str | None = None) -> dict:
        """The answer to the registration options the server sent."""
        self.user_handle = from_b64url(options["user"]["id"])
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        attested = (
            b"\0" * 16 + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_key()
        )
        auth_data = rp_hash + bytes([self._flags(AT)]) + struct.pack(">I", self.sign_count) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
            "authenticatorAttachment": "platform",
        }

    def get(self, options: dict, *, origin: str | None = None, count: int | None = None) -> dict:
        """The assertion for the authentication options the server sent."""
        self.sign_count = self.sign_count + 1 if count is None else count
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        auth_data = rp_hash + bytes([self._flags()]) + struct.pack(">I", self.sign_count)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }


def post_json(browser, path: str, data: dict | None = None):
    return browser.post(path, json.dumps(data or {}), content_type="application/json")


def register_passkey(browser, authenticator: SoftAuthenticator, name: str = "iPhone", **kwargs):
    """Name the passkey on the add page, then run the registration ceremony; the last answer."""
    response = browser.post(ADD_PAGE, {"name": name})
    assert response.status_code == 302, response.content[:500]
    options = post_json(browser, REGISTER_BEGIN)
    assert options.status_code == 200, options.content[:500]
    return post_json(browser, REGISTER_COMPLETE, authenticator.create(options.json(), **kwargs))


def assert_with(browser, authenticator: SoftAuthenticator, next_url: str = "", **kwargs):
    """Run the authentication ceremony; the complete step's answer."""
    options = post_json(browser, AUTH_BEGIN)
    assert options.status_code == 200, options.content[:500]
    path = AUTH_COMPLETE + (f"?next={next_url}" if next_url else "")
    return post_json(browser, path, authenticator.get(options.json(), **kwargs))
