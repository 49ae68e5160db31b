#!/usr/bin/env bash
# CPU time used over an interval by the processes of a local benchmark, grouped: the load generator,
# the relay (nodes and cluster launcher) and PostgreSQL. Linux only (reads /proc).
#   load-test/cpu-by-process.sh SECONDS
# Prints one line per group: CPU seconds over the interval and the cores that makes.
set -euo pipefail
secs=${1:?usage: $0 SECONDS}

snapshot() {
  local p pid cmd group ticks
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
    case "$cmd" in
      *ampoule-load-test*) group=generator ;;
      *dev.ampoule.relay.Main*|*LocalCluster*|*ampoule-relay.jar*) group=relay ;;
      postgres*|*/bin/postgres\ *) group=postgresql ;;
      *) continue ;;
    esac
    # utime + stime, fields 14 and 15 of /proc/PID/stat (the command name, field 2, has no spaces here)
    ticks=$(awk '{print $14 + $15}' "$p/stat" 2>/dev/null) || continue
    echo "$pid $group $ticks"
  done
}

before=$(snapshot)
sleep "$secs"
after=$(snapshot)
hz=$(getconf CLK_TCK)
awk -v hz="$hz" -v secs="$secs" '
  NF < 3 { next }
  NR == FNR { start[$1] = $3; next }
  { used[$2] += ($3 - ($1 in start ? start[$1] : 0)) / hz }
  END { for (g in used) printf "%-10s %7.1f CPU s over %s s = %.2f cores\n", g, used[g], secs, used[g] / secs }
' <(echo "$before") <(echo "$after") | sort
