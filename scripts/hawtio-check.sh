#!/usr/bin/env bash
# Scripted check of the Hawtio console: runs the service on the embedded default, serves
# Hawtio beside it, then opens the console in Debian's headless Chromium connected to the
# service's Jolokia agent, checks that the pipeline's routes are listed, and saves a
# screenshot (default docs/hawtio-routes.png). Installs Chromium (apt) and playwright-core
# (npm) when they are missing.
set -euo pipefail
set -m  # each background job in a process group of its own, so it can be stopped whole
cd "$(dirname "$0")/.."
screenshot="${1:-docs/hawtio-routes.png}"

command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }
(cd scripts/hawtio-check && npm install --no-audit --no-fund --silent)

./mvnw -q -B package -DskipTests
logs="$(mktemp -d)"
./mvnw -q -B -o -Pembedded exec:exec@run-embedded -Dembedded.arguments="--scale 0.05" > "$logs/embedded.log" 2>&1 &
embedded=$!
./mvnw -q -B -o -Phawtio exec:exec@run-hawtio > "$logs/hawtio.log" 2>&1 &
hawtio=$!
trap 'kill -- -$embedded -$hawtio 2>/dev/null; wait 2>/dev/null; echo "logs: $logs"' EXIT

for _ in $(seq 1 120); do
    if curl -sf -o /dev/null http://localhost:8778/jolokia/version && curl -sf -o /dev/null http://localhost:8090/hawtio/; then
        break
    fi
    sleep 1
done
node scripts/hawtio-check/check.mjs "$screenshot"
