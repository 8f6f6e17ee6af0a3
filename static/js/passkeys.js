// After django-otp-webauthn's script has registered a passkey, go back to the page named by the
// section's data-done-url (Kontosäkerhet), where the new passkey is listed with its message.
// A static file, not an inline script (the pages are meant for a strict Content-Security-Policy).
document.addEventListener("otp_webauthn.register_complete", () => {
  const section = document.querySelector("[data-done-url]");
  if (section) {
    window.location.assign(section.dataset.doneUrl);
  }
});
