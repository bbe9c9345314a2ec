#!/bin/sh
# podchurn node agent: one per node (a DaemonSet in the run's namespace), with no Kubernetes API access.
# It reports what only the node can see, as one JSON line per report on stdout; podchurn reads the pod's
# log stream through the API, so the agent needs no token and no writable host path.
#
#   {"kind":"versions",...}    once at start: the CRI runtime's name and version (crictl version) and every
#                              containerd shim running on the node, grouped by binary, with what `-v` says.
#                              The shim carries the lost-exit fix, so it is measured apart from containerd.
#   {"kind":"log",...}         every PODCHURN_LOG_PERIOD_SECONDS, where podchurn mounted a node log file
#                              (/var/log/podchurn/UNIT.log): its new lines that name the run's namespace or one of
#                              its containers or sandboxes.
#   {"kind":"tick",...}        after each log pass, stamped with the time the pass began: a read of the lines
#                              mid-run waits for a pass that began after it asked. On SIGTERM the agent makes one
#                              more log pass at once and ends with a tick marked "last": podchurn follows the log to
#                              it at the run's end.
#
# Between those, the agent asks the runtime nothing: a CRI call on the node during the run's deletions (crictl every
# 5 s, as it once did) delayed some pods' deletion by one kubelet relist. What podchurn asks at a given moment, it
# asks through the API's exec, and the answer is the command's output:
#
#   podchurn-node-agent containers   {"kind":"containers",...}: the CRI state of each container of the run's
#                                    namespace (state, pid, whether that pid still lives): a stuck pod's evidence.
#   podchurn-node-agent metrics      the CRI timer families of containerd's Prometheus page.
#
# Environment (set by podchurn's DaemonSet): NODE_NAME, RUN_NAMESPACE, PODCHURN_LOG_PERIOD_SECONDS,
# PODCHURN_MAX_CONTAINERS, PODCHURN_CRI_SOCKET (the socket's path on the host), HOST_IP, PODCHURN_CONTAINERD_METRICS
# (containerd's metrics address as its config writes it, when podchurn scrapes it); the socket itself is mounted
# read-only at /run/podchurn/cri.sock.
set -u
node="${NODE_NAME:-unknown}"
log_period="${PODCHURN_LOG_PERIOD_SECONDS:-1}"
max="${PODCHURN_MAX_CONTAINERS:-200}"
socket="${PODCHURN_CRI_SOCKET:-}"
# Ids of the run's containers and sandboxes seen so far (the newest 1000): what makes a log line about the run.
seen_ids=''
crictl() { /bin/crictl --runtime-endpoint unix:///run/podchurn/cri.sock --timeout 10s "$@" 2>/dev/null; }
# A JSON string from any text: backslashes and quotes escaped, control characters dropped.
quote() { printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# The run's end stops the agent (its DaemonSet or namespace deleted): SIGTERM makes the next log pass the last one,
# begun at once, without waiting out a sleep (see the loop at the end).
stopping=0
trap 'stopping=1' TERM INT

# The containerd shims, found by command line in the host's /proc (hostPID): only those serving this node's
# CRI runtime (their -address is its socket; a host may run other containerds, e.g. Docker's). Each distinct
# binary (a shim whose file was replaced since it started shows "(deleted)") is run once, through
# /proc/PID/exe, so the version is the one of the running process even if the file on disk is newer. A
# dynamically linked shim cannot run here (the image has no libc): its version is reported empty.
shims() {
  found=''
  # One grep over every command line picks the shims (a fork per process would cost the node more than the rest of the agent).
  for file in $(grep -l -a -F containerd-shim /proc/[0-9]*/cmdline 2>/dev/null); do
    dir="${file%/cmdline}"
    # A process may end between the grep and the read: the braces catch the shell's own "can't open".
    cmdline="$({ tr '\000' ' ' <"$file"; } 2>/dev/null)" || continue
    case "$cmdline" in *containerd-shim*) ;; *) continue ;; esac
    [ -z "$socket" ] || case "$cmdline" in *"-address $socket "*) ;; *) continue ;; esac
    exe="$(readlink "$dir/exe" 2>/dev/null)" || exe='unreadable'
    found="$found${dir#/proc/} $exe
"
  done
  # One line per binary: how many shims run it, and one of their pids to run it through.
  printf '%s' "$found" | awk '{ exe = substr($0, length($1) + 2); n[exe]++; pid[exe] = $1 } END { for (e in n) print n[e], pid[e], e }' | {
    first=1
    printf '['
    while read -r count pid exe; do
      version="$("/proc/$pid/exe" -v 2>/dev/null | sed -n 's/^[[:space:]]*Version:[[:space:]]*//p' | head -n 1)"
      [ "$first" = 1 ] || printf ','
      first=0
      printf '{"path":%s,"version":%s,"processes":%d,"examplePid":%s}' "$(quote "$exe")" "$(quote "$version")" "$count" "$pid"
    done
    printf ']'
  }
}

versions() {
  out="$(crictl version)"
  name="$(printf '%s\n' "$out" | sed -n 's/^RuntimeName:[[:space:]]*//p')"
  version="$(printf '%s\n' "$out" | sed -n 's/^RuntimeVersion:[[:space:]]*//p')"
  api="$(printf '%s\n' "$out" | sed -n 's/^RuntimeApiVersion:[[:space:]]*//p')"
  printf '{"kind":"versions","node":%s,"time":%s,"runtimeName":%s,"runtimeVersion":%s,"runtimeApiVersion":%s,"crictlOk":%s,"shims":%s}\n' \
    "$(quote "$node")" "$(quote "$(now)")" "$(quote "$name")" "$(quote "$version")" "$(quote "$api")" \
    "$([ -n "$version" ] && echo true || echo false)" "$(shims)"
}

# The CRI state of each container of the run's namespace (at most PODCHURN_MAX_CONTAINERS): the runtime's own view.
# A lost exit shows as CONTAINER_RUNNING with a pid that no longer lives.
containers() {
  states="$(inspect_all $(crictl ps -a -q --label "io.kubernetes.pod.namespace=${RUN_NAMESPACE:-}" | head -n "$max"))"
  # Read after the inspect, so a pid seen alive was alive when the runtime answered.
  pids=" $(ls /proc | tr '\n' ' ') "
  printf '%s\n' "$states" | awk -v node="$node" -v time="$(now)" -v pids="$pids" '
    function str(s) { gsub(/[\\"]/, "\\\\&", s); return "\"" s "\"" }
    BEGIN { printf "{\"kind\":\"containers\",\"node\":%s,\"time\":%s,\"containers\":[", str(node), str(time) }
    NF == 0 { next }
    {
      if (NF < 4) { $2 = "INSPECT_FAILED"; $3 = "0"; $4 = "unknown" }
      alive = ($3 != "0" && index(pids, " " $3 " ") > 0) ? "true" : "false"
      printf "%s{\"id\":%s,\"state\":%s,\"pid\":%s,\"pidAlive\":%s,\"pod\":%s}", (n++ ? "," : ""), str($1), str($2), str($3), alive, str($4)
    }
    END { print "]}" }'
}

# "ID STATE PID POD" per container id given: one crictl inspect for them all. Where that fails (a container
# removed since the listing, or one whose shim does not answer: the very case a stuck pod may be), one per container,
# and a container the runtime cannot answer for is listed with its id alone (INSPECT_FAILED) rather than left out.
fields='{{.status.state}} {{.info.pid}} {{index .status.labels "io.kubernetes.pod.name"}}'
inspect_all() {
  [ $# -gt 0 ] || return 0
  if [ $# -gt 1 ] && all="$(crictl inspect -o go-template --template "{{range .}}{{.status.id}} $fields{{\"\\n\"}}{{end}}" "$@")"; then
    printf '%s\n' "$all"
    return 0
  fi
  for id in "$@"; do
    printf '%s %s\n' "$id" "$(crictl inspect -o go-template --template "$fields" "$id")"
  done
}

remember() {
  case " $seen_ids " in *" $1 "*) ;; *) seen_ids="$seen_ids $1" ;; esac
}

# The size of a log file when last read, per unit: each report carries only what was appended since.
size_of() { wc -c <"$1" 2>/dev/null || echo 0; }

# Lines about the run: naming its namespace or an id remembered (ids hold no spaces, so the unquoted
# substitution splits into "-e ID" pairs).
about_run() { grep -F -e "${RUN_NAMESPACE:-podchurn}" $(for id in $seen_ids; do printf -- '-e %s ' "$id"; done); }

# New lines of each mounted log file that name the run: its namespace, or an id of its sandboxes and containers
# (StopContainer and the exit events name a container only by id). Ids come from the new lines themselves, twice
# over: the sandbox's line names the namespace, the container's creation names the sandbox. At most 500 lines per
# file and report.
logs() {
  for unit in containerd kubelet; do
    file="/var/log/podchurn/$unit.log"
    [ -f "$file" ] || continue
    eval "offset=\${offset_$unit:-0}"
    size="$(size_of "$file")"
    [ "$size" -ge "$offset" ] || offset=0 # rotated or truncated: read it from the start
    [ "$size" -gt "$offset" ] || continue
    chunk="$(tail -c +$((offset + 1)) "$file" | head -c $((size - offset)))"
    eval "offset_$unit=$size"
    for round in 1 2; do
      for id in $(printf '%s\n' "$chunk" | about_run | grep -o -E '[0-9a-f]{64}'); do remember "$id"; done
    done
    set -- $seen_ids
    [ $# -le 1000 ] || seen_ids="$(printf '%s\n' $seen_ids | tail -n 1000 | tr '\n' ' ')"
    lines="$(printf '%s\n' "$chunk" | about_run | head -n 500 |
      tr -d '\000-\011\013-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/"/' | awk 'NR > 1 { printf "," } { printf "%s", $0 }')"
    [ -n "$lines" ] || continue
    printf '{"kind":"log","unit":"%s","node":%s,"time":%s,"lines":[%s]}\n' "$unit" "$(quote "$node")" "$(quote "$(now)")" "$lines"
  done
}

# containerd's CRI timer families (containerd_cri_*) off its /v1/metrics: the whole page is ~400 KB, those few KB.
# A wildcard host (0.0.0.0, [::]) is the node's own address; a loopback one is reached because podchurn then runs
# the agent in the host's network namespace.
metrics() {
  address="${PODCHURN_CONTAINERD_METRICS:-}"
  [ -n "$address" ] || { echo 'no containerd metrics address configured (PODCHURN_CONTAINERD_METRICS)' >&2; return 2; }
  host_ip="${HOST_IP:-}"
  case "$host_ip" in *:*) host_ip="[$host_ip]" ;; esac
  case "$address" in 0.0.0.0:* | \[::\]:*) address="$host_ip:${address##*:}" ;; esac
  # timeout, not wget -T: Debian's static busybox crashes on -T.
  page="$(timeout 8 wget -q -O - "http://$address/v1/metrics")" || { echo "containerd's metrics at http://$address/v1/metrics did not answer" >&2; return 1; }
  printf '%s\n' "$page" | grep -e '^containerd_cri_' -e '^# [A-Z]* containerd_cri_'
  return 0
}

# A question podchurn asks through the API's exec: answered on stdout, and the agent's loop is not disturbed.
case "${1:-}" in
  containers) containers; exit ;;
  metrics) metrics; exit ;;
  '') ;;
  *) echo "unknown command: $1 (containers, metrics, or none to run the agent)" >&2; exit 2 ;;
esac

# What the logs got from shortly before the agent started: the run's first pods are created while the agent comes up
# (the lines are filtered to the run, whose namespace is younger than the agent by seconds; a long-lived node log
# is not read from its start). The first line of that window may be cut; it names the run only by chance.
START_WINDOW_BYTES=4194304
for unit in containerd kubelet; do
  file="/var/log/podchurn/$unit.log"
  [ -f "$file" ] || continue
  size="$(size_of "$file")"
  eval "offset_$unit=$((size > START_WINDOW_BYTES ? size - START_WINDOW_BYTES : 0))"
done

versions
while :; do
  # Backgrounded and waited for, so SIGTERM ends the sleep at once (a foreground sleep would delay the trap).
  if [ "$stopping" = 0 ]; then
    sleep "$log_period" &
    sleeper=$!
    # Interrupted: the sleep is still this shell's unreaped child, so its pid is still its own to kill (host PID namespace).
    wait "$sleeper" || kill "$sleeper" 2>/dev/null
  fi
  # A pass begun after SIGTERM is the last: it holds every line written before the stop, and its tick says so
  # (podchurn follows the log to that tick instead of waiting for a pass begun after the run's end). It reads the
  # logs only.
  last="$stopping"
  began="$(now)"
  logs
  if [ "$last" = 1 ]; then
    printf '{"kind":"tick","node":%s,"time":%s,"last":true}\n' "$(quote "$node")" "$(quote "$began")"
    exit 0
  fi
  printf '{"kind":"tick","node":%s,"time":%s}\n' "$(quote "$node")" "$(quote "$began")"
done
