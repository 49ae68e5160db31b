#!/usr/bin/env bash
# group-protocol and ts-mls on the same realistic group shapes, in one run, with ratios.
#
#   interop/ts-mls-driver/bench-realistic.sh [output directory]
#
# Environment: JAVA_SIZES (default 100,1000,10000) and TS_SIZES (default 100,1000) are the group
# sizes of each side; ts-mls takes tens of seconds per operation at 1,000 members and grows with
# N², so 10,000 is left out by default. JMH_OPTS adds JMH options (e.g. "-wi 1 -i 3"), TS_OPTS
# options of bench-realistic.mjs (e.g. "--reps 3 --budget-seconds 30").
# Writes jmh.json (JMH, with the HPKE seal before the group benchmarks), seal-after.json (the seal
# again after them), ts-mls.json and table.md (medians and ts-mls / group-protocol ratios).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mkdir -p "${1:-$root/bench-realistic-results}" && cd "${1:-$root/bench-realistic-results}" && pwd)
java_sizes=${JAVA_SIZES:-100,1000,10000}
ts_sizes=${TS_SIZES:-100,1000}

cd "$root"
. bin/select-jdk.sh
ampoule_select_jdk
mvn -q -B -ntp -Pbench -pl group-protocol -am package -DskipTests
echo "[bench] $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/run.log"
# The realistic shapes, and the HPKE seal they are measured against (suite 1).
# shellcheck disable=SC2086
java -jar group-protocol/target/benchmarks.jar 'RealisticGroupBenchmark|HpkeBenchmark.seal' \
    -p members="$java_sizes" -p suite=1 ${JMH_OPTS:-} -rf json -rff "$out/jmh.json" | tee -a "$out/run.log"
# The seal again, after: on a shared machine the load moves during the run.
# shellcheck disable=SC2086
java -jar group-protocol/target/benchmarks.jar 'HpkeBenchmark.seal' -p suite=1 ${JMH_OPTS:-} \
    -rf json -rff "$out/seal-after.json" | tee -a "$out/run.log"
echo "[bench] $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/run.log"
(cd "$here" && npm ci --no-audit --no-fund --prefer-offline >/dev/null \
    && node bench-realistic.mjs --members "$ts_sizes" ${TS_OPTS:-} --out "$out/ts-mls.json") | tee -a "$out/run.log"
echo "[bench] $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/run.log"
node "$here/realistic-table.mjs" "$out/jmh.json" "$out/ts-mls.json" "$out/seal-after.json" | tee "$out/table.md"
