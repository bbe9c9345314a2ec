#!/bin/sh
# podchurn workload: stays up until stopped, and reacts to SIGTERM the way PODCHURN_ON_SIGTERM says.
#   exit   - exit 0 at once (a well-behaved server)
#   ignore - ignore SIGTERM; only SIGKILL after the grace period ends it (exit 137)
#   delay  - finish within PODCHURN_DELAY_SECONDS, then exit 0 (a slow drain)
mode="${PODCHURN_ON_SIGTERM:-exit}"
delay="${PODCHURN_DELAY_SECONDS:-0}"
case "$mode" in
  exit) trap 'exit 0' TERM ;;
  ignore) trap '' TERM ;;
  delay) trap 'sleep "$delay"; exit 0' TERM ;;
  *) echo "podchurn workload: unknown PODCHURN_ON_SIGTERM=$mode" >&2; exit 2 ;;
esac
echo "podchurn workload started: onSigterm=$mode delay=$delay"
# `wait` returns as soon as a trapped signal arrives, unlike a foreground sleep.
while :; do
  sleep 3600 &
  wait $!
done
