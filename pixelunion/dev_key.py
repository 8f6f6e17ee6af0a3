"""The OpenID Connect signing key of a development checkout (``make run``), never production's."""

from __future__ import annotations

from pathlib import Path


def development_key(path: Path) -> str:
    """The PEM in ``path``, made there (mode 0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path.touch(mode=0o600)
    path.write_text(pem)
    return pem.strip()
