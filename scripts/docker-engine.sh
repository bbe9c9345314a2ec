#!/usr/bin/env bash
# The Docker engine kind needs, for machines that have none running: installs Debian's docker.io when
# dockerd is missing, starts dockerd in the background, and stops it again. Idempotent.
#   scripts/docker-engine.sh start    # install if needed, start unless an engine already answers
#   scripts/docker-engine.sh stop     # stop the dockerd this script started (never someone else's)
#   scripts/docker-engine.sh status   # prints the engine record; exit 1 when no engine answers
# Where root's capability bounding set lacks capabilities `docker run --privileged` requests (kind
# nodes are privileged), dockerd's default runtime is scripts/docker/runc-capbnd, which removes exactly
# those from each container's spec. The record (/run/podchurn-docker/engine.json) says whether it is
# in use and which capabilities it removes; podchurn copies it into the run's environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=/run/podchurn-docker
record=$state/engine.json
log=/var/log/podchurn-dockerd.log

engine_answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# Capabilities the kernel knows but this process may not hold (absent from CapBnd).
missing_caps() {
  local last bounding i
  last=$(cat /proc/sys/kernel/cap_last_cap)
  bounding=$((16#$(awk '/^CapBnd:/ {print $2}' /proc/self/status)))
  for ((i = 0; i <= last; i++)); do
    ((bounding >> i & 1)) || echo "$i"
  done
}

install_engine() {
  command -v dockerd >/dev/null && command -v jq >/dev/null && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "podchurn docker-engine: dockerd is missing and installing Debian's docker.io needs root: sudo apt-get install -y docker.io jq" >&2
    exit 3
  fi
  echo "podchurn docker-engine: installing docker.io" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io jq >/dev/null
}

start() {
  if engine_answers; then
    [[ -f $record ]] || echo "podchurn docker-engine: a Docker engine not started by podchurn already answers; using it" >&2
    return 0
  fi
  install_engine
  mkdir -p "$state"
  local args=(--pidfile "$state/dockerd.pid" --host unix:///var/run/docker.sock)
  local missing wrapper=false
  missing=$(missing_caps | tr '\n' ' ')
  if [[ -n ${missing// /} ]]; then
    wrapper=true
    args+=(--add-runtime "podchurn-runc=$here/docker/runc-capbnd" --default-runtime podchurn-runc)
  fi
  # dockerd supervises its own containerd (under /var/run/docker/containerd), apart from any other.
  nohup dockerd "${args[@]}" >>"$log" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 1 120); do
    engine_answers && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "podchurn docker-engine: dockerd exited while starting; the end of $log:" >&2
      tail -20 "$log" >&2
      exit 3
    fi
    sleep 0.5
  done
  if ! engine_answers; then
    echo "podchurn docker-engine: dockerd did not answer within 60 s; the end of $log:" >&2
    tail -20 "$log" >&2
    exit 3
  fi
  local version
  version=$(docker version --format '{{.Server.Version}}')
  jq -n --arg version "$version" --argjson pid "$pid" --argjson wrapper "$wrapper" --arg missing "$missing" --arg log "$log" \
    '{engine: "dockerd", version: $version, pid: $pid, log: $log, capabilityWrapper: $wrapper,
      capabilitiesRemoved: ($missing | split(" ") | map(select(. != "") | tonumber))}' >"$record"
  echo "podchurn docker-engine: dockerd $version running (pid $pid$([[ $wrapper == true ]] && echo ", capability wrapper on: CapBnd lacks capability numbers $missing"))" >&2
}

stop() {
  [[ -f $state/dockerd.pid ]] || { rm -f "$record"; return 0; }
  local pid
  pid=$(cat "$state/dockerd.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$record" "$state/dockerd.pid"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) engine_answers && [[ -f $record ]] && cat "$record" || { engine_answers && echo '{"engine":"external"}' || exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
