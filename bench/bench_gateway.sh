#!/usr/bin/env bash
# sysbench through the gateway against the same mariadbd directly, same run.
# One private mariadbd; `vrepl gateway` in passthrough mode in front of it
# (prepared statements: the gateway turns each execute into a text query);
# oltp_point_select (and a shorter oltp_read_only), 16 threads, server-side
# prepared statements (--db-ps-mode=auto).  Direct and gateway runs
# alternate twice so drift hits both alike; the figures are the means.
# Prints QPS, p95 latency and the gateway/direct ratio.
#   bench/bench_gateway.sh [BUILD_DIR]   (SECS=20 per run by default)
set -euo pipefail
build=${1:-build}
secs=${SECS:-20}
threads=16
vrepl=$(realpath "$build/vrepl")
command -v sysbench >/dev/null || { echo "bench_gateway: sysbench is not installed (scripts/install-deps)"; exit 1; }
work=$(mktemp -d /tmp/vrepl-bench-gw-XXXXXX)
gwpid=""
dbpid=""
cleanup() {
  [ -n "$gwpid" ] && kill "$gwpid" 2>/dev/null && wait "$gwpid" 2>/dev/null || true
  [ -n "$dbpid" ] && kill "$dbpid" 2>/dev/null && wait "$dbpid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(( 30000 + RANDOM % 10000 ))
mkdir -p "$work/data" "$work/tmp"
mariadb-install-db --no-defaults --datadir="$work/data" --tmpdir="$work/tmp" --user=root \
  --auth-root-authentication-method=normal --skip-test-db >/dev/null 2>&1
mariadbd --no-defaults --datadir="$work/data" --tmpdir="$work/tmp" --socket="$work/s.sock" \
  --port=$port --bind-address=127.0.0.1 --user=root --log-error="$work/err" \
  --innodb-buffer-pool-size=256M --max-connections=300 --performance-schema=OFF \
  --max-prepared-stmt-count=100000 >/dev/null 2>&1 &
dbpid=$!
for _ in $(seq 1 200); do
  mariadb --no-defaults -S "$work/s.sock" -uroot -e 'select 1' >/dev/null 2>&1 && break
  sleep 0.05
done
mariadb --no-defaults -S "$work/s.sock" -uroot -e 'create database sbtest'

sb_common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-db=sbtest --tables=4
           --table-size=100000 --db-ps-mode=auto)
sysbench oltp_point_select "${sb_common[@]}" --mysql-port=$port --mysql-user=root \
  --threads=4 prepare >/dev/null

"$vrepl" gateway --port 0 --user app:app --workers $threads \
  --backend "mariadb://root@127.0.0.1:$port/sbtest" >"$work/gw.out" 2>"$work/gw.err" &
gwpid=$!
for _ in $(seq 1 200); do
  grep -q 'listening on' "$work/gw.out" 2>/dev/null && break
  sleep 0.05
done
gwport=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/gw.out")
[ -n "$gwport" ] || { echo "bench_gateway: the gateway did not start:"; cat "$work/gw.err"; exit 1; }

# run TEST DURATION PORT USER PASS [THREADS [PERCENTILE]] -> "qps pNNms"
run() {
  local out
  out=$(sysbench "$1" "${sb_common[@]}" --mysql-port="$3" --mysql-user="$4" \
        --mysql-password="$5" --threads="${6:-$threads}" --percentile="${7:-95}" \
        --time="$2" --report-interval=0 run)
  if ! grep -q 'queries:' <<<"$out"; then echo "$out" >&2; exit 1; fi
  echo "$(sed -n 's/.*queries: *[0-9]* *(\([0-9.]*\) per sec.).*/\1/p' <<<"$out") \
$(sed -n 's/.*th percentile: *\([0-9.]*\).*/\1/p' <<<"$out")"
}

# One client thread: what the gateway adds to each statement's latency
# (the mean from the throughput, since sysbench prints milliseconds).
latency() {
  local t=$1 d g d2 g2
  d=$(run oltp_point_select "$t" "$port" root "" 1 50)
  g=$(run oltp_point_select "$t" "$gwport" app app 1 50)
  d2=$(run oltp_point_select "$t" "$port" root "" 1 50)
  g2=$(run oltp_point_select "$t" "$gwport" app app 1 50)
  awk -v d="$d" -v g="$g" -v d2="$d2" -v g2="$g2" 'BEGIN {
    split(d, a, " "); split(g, b, " "); split(d2, c, " "); split(g2, e, " ");
    a[1] = (a[1] + c[1]) / 2; b[1] = (b[1] + e[1]) / 2;
    a[2] = (a[2] + c[2]) / 2; b[2] = (b[2] + e[2]) / 2;
    printf "oltp_point_select, 1 thread (latency):\n";
    printf "  direct:  mean %5.1f us   p50 %.2f ms\n", 1e6 / a[1], a[2];
    printf "  gateway: mean %5.1f us   p50 %.2f ms\n", 1e6 / b[1], b[2];
    printf "  added by the gateway: %.1f us per statement (mean)\n", 1e6 / b[1] - 1e6 / a[1];
  }'
}

bench() {
  local test=$1 t=$2 d1 g1 d2 g2
  run "$test" 3 "$port" root "" >/dev/null            # warm up both paths
  run "$test" 3 "$gwport" app app >/dev/null
  d1=$(run "$test" "$t" "$port" root "")
  g1=$(run "$test" "$t" "$gwport" app app)
  d2=$(run "$test" "$t" "$port" root "")
  g2=$(run "$test" "$t" "$gwport" app app)
  awk -v test="$test" -v d1="$d1" -v g1="$g1" -v d2="$d2" -v g2="$g2" -v th=$threads 'BEGIN {
    split(d1, a, " "); split(g1, b, " "); split(d2, c, " "); split(g2, e, " ");
    dq = (a[1] + c[1]) / 2; gq = (b[1] + e[1]) / 2;
    dp = (a[2] + c[2]) / 2; gp = (b[2] + e[2]) / 2;
    printf "%s, %d threads, prepared statements:\n", test, th;
    printf "  direct:  %9.0f QPS   p95 %6.2f ms\n", dq, dp;
    printf "  gateway: %9.0f QPS   p95 %6.2f ms\n", gq, gp;
    printf "  gateway/direct QPS ratio %.2f; p95 +%.2f ms\n", gq / dq, gp - dp;
  }'
}

echo "mariadbd on :$port, vrepl gateway (passthrough, $threads workers) on :$gwport," \
     "$(nproc) CPUs shared by sysbench, the gateway and mariadbd"
bench oltp_point_select "$secs"
latency $(( secs / 2 ))
bench oltp_read_only $(( secs / 2 ))
