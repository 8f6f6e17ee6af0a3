"""User agents and addresses the tests sign in with (real strings from real clients)."""

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0"
IMMICH_ANDROID = "Immich_Android_1.132.3"

# Addresses with known answers in the embedded GeoLite2 City database.
IP_STOCKHOLM = "83.250.0.1"
IP_GERMANY = "5.9.0.1"
IP_BRITAIN = "81.2.69.142"
