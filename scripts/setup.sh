#!/usr/bin/env bash
# setup.sh: install and start what the tests and the demo need, idempotently.
#   npm packages from package-lock.json, Chromium (Debian), Redis and NATS.
# Usage: bash scripts/setup.sh [--no-browser] [--no-services]
set -euo pipefail
cd "$(dirname "$0")/.."

browser=1 services=1
for a in "$@"; do
  case "$a" in
    --no-browser) browser=0 ;;
    --no-services) services=0 ;;
  esac
done

log() { printf '[setup] %s\n' "$*"; }

# npm packages: reinstall only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.sockbus-lock; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.sockbus-lock
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ "$browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  log "installing Debian chromium"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ "$services" = 1 ]; then
  if ! port_open 6379; then
    if ! command -v redis-server >/dev/null; then
      log "installing redis-server"
      as_root apt-get update -qq
      DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq redis-server >/dev/null
    fi
    log "starting redis-server on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  fi
  if ! port_open 4222; then
    if [ ! -x /usr/sbin/nats-server ]; then
      log "installing nats-server"
      as_root apt-get update -qq
      DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nats-server >/dev/null
    fi
    log "starting nats-server on 127.0.0.1:4222"
    mkdir -p /var/lib/nats-server 2>/dev/null || true
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server
  fi
  for i in $(seq 1 50); do port_open 6379 && port_open 4222 && break; sleep 0.2; done
  port_open 6379 || { log "redis is not reachable on 127.0.0.1:6379"; exit 1; }
  port_open 4222 || { log "nats is not reachable on 127.0.0.1:4222"; exit 1; }
fi
log "ready"
