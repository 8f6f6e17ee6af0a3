#!/usr/bin/env bash
# `make test`: the whole suite on SQLite, again on PostgreSQL when one is reachable, the browser
# tests (tests/e2e, once, on SQLite) when Chromium is installed, the Redis tests when Redis
# answers. Ends with a plain account of what ran and what was SKIPPED, and why.
#
# With CI=true nothing is skipped: a missing PostgreSQL, Redis or Chromium is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
PYTEST=("$PY" -m pytest -q -p no:cacheprovider)
PG_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
CI_MODE=false
[[ "${CI:-}" == "true" ]] && CI_MODE=true

LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
ran=()
skipped=()
failed=()
totals=(0 0 0)  # passed, failed (incl. errors), skipped

# A service the suite wants is missing: skip that part, or fail it in CI.
missing() {
    local what=$1 why=$2
    if $CI_MODE; then
        failed+=("$what: $why (CI never skips)")
    else
        skipped+=("SKIPPED: $what ($why)")
    fi
}

# URL without its password, for printing.
redact() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$1"; }

pg_reachable() {
    # pg_isready answers fast; the psycopg connect also proves the credentials work.
    DATABASE_URL=$PG_URL "$PY" - <<'EOF' >/dev/null 2>&1
import os, sys
import psycopg
try:
    # The maintenance database: pytest-django creates test_<name> from there.
    psycopg.connect(os.environ["DATABASE_URL"], dbname="postgres", connect_timeout=3).close()
except Exception:
    sys.exit(1)
EOF
}

redis_answers() {
    "$PY" - "$REDIS_HOST" "$REDIS_PORT" <<'EOF' >/dev/null 2>&1
import socket, sys
with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2) as s:
    s.sendall(b"PING\r\n")
    sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
EOF
}

ensure_chromium() {
    [[ -x "$CHROMIUM" ]] && return 0
    if [[ "$(id -u)" == 0 && "$CHROMIUM" == /usr/bin/chromium ]] && command -v apt-get >/dev/null; then
        echo "Chromium is missing: installing it with apt-get (Debian's package)…"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
    fi
    [[ -x "$CHROMIUM" ]]
}

# axe-core (npm) for the accessibility audit in tests/e2e; node_modules is not committed.
AXE=tests/e2e/node_modules/axe-core/axe.min.js
ensure_axe() {
    [[ -f $AXE ]] && return 0
    if command -v npm >/dev/null; then
        echo "axe-core is missing: installing it with npm (tests/e2e/package.json)…"
        npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error >/dev/null
    fi
    [[ -f $AXE ]]
}

# run LABEL [env assignments…] -- [pytest args…]
run() {
    local label=$1; shift
    local envs=()
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done
    shift
    local log="$LOGS/$(tr -c 'a-zA-Z0-9' _ <<<"$label").log"
    echo
    echo "=== $label ==="
    env "${envs[@]}" "${PYTEST[@]}" "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local result
    result=$(grep -E '^=*\s*[0-9]+ (passed|failed|error|skipped|deselected)|no tests ran' "$log" | tail -1 \
        | sed -E 's/^=+ //; s/ =+$//')
    local p f e s
    p=$(grep -oE '[0-9]+ passed' <<<"$result" | grep -oE '[0-9]+' || true)
    f=$(grep -oE '[0-9]+ failed' <<<"$result" | grep -oE '[0-9]+' || true)
    e=$(grep -oE '[0-9]+ errors?' <<<"$result" | grep -oE '[0-9]+' || true)
    s=$(grep -oE '[0-9]+ skipped' <<<"$result" | grep -oE '[0-9]+' || true)
    totals[0]=$((totals[0] + ${p:-0}))
    if [[ $status != 0 && -z $f$e ]]; then e=1; fi  # a run that broke before counting
    totals[1]=$((totals[1] + ${f:-0} + ${e:-0}))
    totals[2]=$((totals[2] + ${s:-0}))
    if [[ $status == 0 ]]; then
        ran+=("ran:     $label — ${result:-ok}")
    else
        failed+=("$label — ${result:-pytest exited $status}")
    fi
}

started=$SECONDS

# Which optional parts can run here.
marks="not soak and not e2e"
if redis_answers; then
    redis_note=""
else
    marks="$marks and not redis"
    redis_note="Redis tests"
fi
if pg_reachable; then pg=true; else pg=false; fi
if ensure_chromium; then chromium=true; else chromium=false; fi

run "SQLite" -u DATABASE_URL -- -m "$marks" --ignore=tests/e2e
if $pg; then
    run "PostgreSQL ($(redact "$PG_URL"))" DATABASE_URL="$PG_URL" -- -m "$marks" --ignore=tests/e2e
else
    missing "PostgreSQL" "not reachable at $(redact "$PG_URL")"
fi
if $chromium; then
    # Without it the audit skips (fails in CI) and says why.
    ensure_axe || echo "WARNING: axe-core could not be installed (npm ci --prefix tests/e2e)" >&2
    run "browser tests (tests/e2e, Chromium, SQLite)" -u DATABASE_URL -- -m "e2e and not soak" tests/e2e
else
    missing "browser tests (tests/e2e)" "no Chromium at $CHROMIUM; apt-get install chromium"
fi
if [[ -n $redis_note ]]; then
    missing "$redis_note (marker redis)" "Redis not answering on $REDIS_HOST:$REDIS_PORT"
fi

echo
echo "=== make test: what ran ($((SECONDS - started)) s) ==="
for line in "${ran[@]}"; do echo "$line"; done
for line in "${skipped[@]}"; do echo "$line"; done
echo "not in make test: soak tests (make soak)"
for line in "${failed[@]}"; do echo "FAILED:  $line"; done
[[ -n ${CI_STARTED_AT:-} ]] && echo "CI run: $(($(date +%s) - CI_STARTED_AT)) s in all (services, install, tests)"
echo "Total: ${totals[0]} passed, ${totals[1]} failed, ${totals[2]} skipped"
[[ ${#failed[@]} == 0 ]]
