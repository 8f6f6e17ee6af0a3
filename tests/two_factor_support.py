"""Helpers for 2FA tests: an account with an authenticator, and the codes its app would show."""

from __future__ import annotations

import time

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import TOTP_TOLERANCE

CODE_STEP = "/accounts/login/code/"
BACKUP_CODES = [f"code{n:04d}" for n in range(10)]


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    """The code an authenticator app shows at ``at`` (default: now, as the clock says)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def add_authenticator(user, backup_codes: list[str] | None = None) -> TOTPDevice:
    """2FA on, as after a completed set-up (the set-up itself is tested through its pages)."""
    device = TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=True, tolerance=TOTP_TOLERANCE
    )
    static = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    for token in BACKUP_CODES if backup_codes is None else backup_codes:
        StaticToken.objects.create(device=static, token=token)
    return device


def pass_code_step(browser: Client, device: TOTPDevice) -> None:
    response = browser.post(CODE_STEP, {"code": code_for(device)})
    assert response.status_code == 302, response.content[:800]
