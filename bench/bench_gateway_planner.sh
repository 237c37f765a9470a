#!/usr/bin/env bash
# sysbench through the PLANNER gateway (`vrepl serve`, as `vrepl up` starts
# it) against the same shard's mariadbd directly, same run.
#
# A private cluster (bench/gw_planner/cluster.json, copied and moved to free
# ports at 41000 or above) with two keyspaces, primaries only:
#   sbtest          unsharded, one shard "0", ONE tablet: "direct" is that
#                   very mariadbd, so the gateway's cost is all the difference
#   sbtest_sharded  -80,80-, hash vindex on id (gw_planner/vschema_sharded.json)
# The unsharded tables are loaded by `sysbench prepare` directly on the
# tablet; the sharded tables are created on both shards directly and their
# rows inserted through the gateway (which routes them by the vindex).
#
# Measured, 16 threads, server-side prepared statements (--db-ps-mode=auto),
# direct and gateway runs alternating twice so drift hits both alike:
#   oltp_point_select and oltp_read_only on sbtest (unsharded);
#   oltp_point_select on sbtest_sharded through the gateway (routed to one
#   shard per statement) against the same directly on shard -80 (which
#   holds about half of the ids, so half of its point selects find no row);
#   oltp_point_select with 1 thread and --percentile=50 on sbtest: the
#   latency the gateway adds (p50 difference, and the mean from the QPS).
# Prints one table (test, direct QPS, gateway QPS, ratio, p95 direct/gateway)
# and the 1-thread latency figures.
#   bench/bench_gateway_planner.sh [BUILD_DIR]
#     SECS=20 per run (point select; the others half of it), SHARDED=0 skips
#     the sharded variant, TABLE_SIZE=100000 rows per table (4 tables),
#     KEEP_LOG=FILE keeps vrepl serve's log, PERF_WAIT=N pauses N s before
#     the runs (to attach perf or strace to the printed pid)
set -euo pipefail
build=${1:-build}
secs=${SECS:-20}
threads=16
table_size=${TABLE_SIZE:-100000}
here=$(cd "$(dirname "$0")" && pwd)
vrepl=$(realpath "$build/vrepl")
command -v sysbench >/dev/null || { echo "bench_gateway_planner: sysbench is not installed (scripts/install-deps)"; exit 1; }
work=$(mktemp -d /tmp/vrepl-bench-gwp-XXXXXX)
cleanup() {
  "$vrepl" down --var "$work/var" >/dev/null 2>&1 || true
  if [ -n "${KEEP_LOG:-}" ]; then cp "$work/var/serve.log" "$KEEP_LOG" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# ---- ports: base (tablets at base+100/200/300), gateway at base+1; never
# the demo cluster's (15306, 17000+) nor the tests' (21000-39999)
port_free() { ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
cp "$here/gw_planner/cluster.json" "$here/gw_planner/vschema_sharded.json" "$work/"
base=""
for b in $(seq 41000 1000 59000); do
  port_free $((b + 1)) && port_free $((b + 100)) && port_free $((b + 200)) &&
    port_free $((b + 300)) || continue
  sed -e "s/\"base_port\": 41000/\"base_port\": $b/" -e "s/\"port\": 41001/\"port\": $((b + 1))/" \
    "$here/gw_planner/cluster.json" >"$work/cluster.json"
  if "$vrepl" up --config "$work/cluster.json" --var "$work/var" >"$work/up.out" 2>&1; then
    base=$b; break
  fi
  # a port taken between the check and `vrepl up` (nothing was started): next block
  grep -q 'already in use' "$work/up.out" ||
    { echo "bench_gateway_planner: vrepl up failed:"; cat "$work/up.out"; exit 1; }
  rm -rf "$work/var"
done
[ -n "$base" ] || { echo "bench_gateway_planner: no free ports in 41000-59300"; exit 1; }
gwport=$((base + 1)) uport=$((base + 100)) s1port=$((base + 200))
for _ in $(seq 1 200); do
  mariadb --no-defaults -h127.0.0.1 -P$gwport -uapp -papp -e 'select 1' >/dev/null 2>&1 && break
  sleep 0.05
done
serve_pid=$(sed -n "s/.*started vrepl serve (pid \([0-9]*\)).*/\1/p" "$work/up.out" | head -n 1)

shard_sql() { mariadb --no-defaults -h127.0.0.1 -P"$1" -uroot -e "$2"; }
# the tablets start with an 8 MB buffer pool: give them room for the data,
# so both paths read from memory (the same setting for direct and gateway)
for p in $uport $s1port $((base + 300)); do
  shard_sql $p "set global innodb_buffer_pool_size = 256*1024*1024;
                set global max_prepared_stmt_count = 100000"
done

sb_common=(--db-driver=mysql --mysql-host=127.0.0.1 --tables=4 --table-size=$table_size
           --db-ps-mode=auto)
sysbench oltp_point_select "${sb_common[@]}" --mysql-port=$uport --mysql-user=root \
  --mysql-db=vt_sbtest --threads=4 prepare >/dev/null

sharded=${SHARDED:-1}
if [ "$sharded" = 1 ]; then
  for p in $s1port $((base + 300)); do # tables only (0 rows), on each shard
    sysbench oltp_point_select "${sb_common[@]}" --table-size=0 --mysql-port=$p \
      --mysql-user=root --mysql-db=vt_sbtest_sharded prepare >/dev/null
  done
  for t in 1 2 3 4; do # rows through the gateway: it sends each to its shard
    awk -v t=$t -v n=$table_size 'BEGIN {
      srand(t);
      for (i = 1; i <= n; i++) {
        if (i % 1000 == 1) printf "insert into sbtest%d (id, k, c, pad) values ", t;
        c = ""; for (j = 0; j < 10; j++) c = c sprintf("%011d-", int(rand() * 1e11));
        printf "(%d,%d,\x27%s\x27,\x27%011d-%011d-%011d-%011d-%011d\x27)%s", i,
               int(rand() * n) + 1, substr(c, 1, 119), int(rand() * 1e11), int(rand() * 1e11),
               int(rand() * 1e11), int(rand() * 1e11), int(rand() * 1e11),
               (i % 1000 == 0 || i == n) ? ";\n" : ",";
      }
    }' | mariadb --no-defaults -h127.0.0.1 -P$gwport -uapp -papp sbtest_sharded
  done
  n0=$(shard_sql $s1port "select count(*) from vt_sbtest_sharded.sbtest1" | tail -n 1)
  n1=$(shard_sql $((base + 300)) "select count(*) from vt_sbtest_sharded.sbtest1" | tail -n 1)
  [ $((n0 + n1)) -eq "$table_size" ] ||
    { echo "bench_gateway_planner: sharded sbtest1 has $n0 + $n1 rows, not $table_size"; exit 1; }
  split="sbtest_sharded.sbtest1 rows: $n0 on -80, $n1 on 80-"
fi

# run TEST DURATION PORT USER PASS DB [THREADS [PERCENTILE]] -> "qps pNNms"
run() {
  local out
  out=$(sysbench "$1" "${sb_common[@]}" --mysql-port="$3" --mysql-user="$4" \
        --mysql-password="$5" --mysql-db="$6" --threads="${7:-$threads}" \
        --percentile="${8:-95}" --time="$2" --report-interval=0 run 2>&1) || true
  if ! grep -q 'queries:' <<<"$out"; then
    echo "bench_gateway_planner: sysbench $1 on :$3 failed:" >&2; echo "$out" >&2; exit 1
  fi
  echo "$(sed -n 's/.*queries: *[0-9]* *(\([0-9.]*\) per sec.).*/\1/p' <<<"$out") \
$(sed -n 's/.*th percentile: *\([0-9.]*\).*/\1/p' <<<"$out")"
}

rows=()
# bench LABEL TEST SECS DIRECT_PORT DIRECT_DB GATEWAY_DB: alternate direct
# and gateway twice; one row of the table
bench() {
  local label=$1 test=$2 t=$3 dport=$4 ddb=$5 gdb=$6 d1 g1 d2 g2
  run "$test" 3 "$dport" root "" "$ddb" >/dev/null            # warm up both paths
  run "$test" 3 "$gwport" app app "$gdb" >/dev/null
  d1=$(run "$test" "$t" "$dport" root "" "$ddb")
  g1=$(run "$test" "$t" "$gwport" app app "$gdb")
  d2=$(run "$test" "$t" "$dport" root "" "$ddb")
  g2=$(run "$test" "$t" "$gwport" app app "$gdb")
  rows+=("$(awk -v l="$label" -v d1="$d1" -v g1="$g1" -v d2="$d2" -v g2="$g2" 'BEGIN {
    split(d1, a, " "); split(g1, b, " "); split(d2, c, " "); split(g2, e, " ");
    dq = (a[1] + c[1]) / 2; gq = (b[1] + e[1]) / 2;
    dp = (a[2] + c[2]) / 2; gp = (b[2] + e[2]) / 2;
    printf "%-40s %10.0f %10.0f %6.2f %8.2f / %-8.2f", l, dq, gq, gq / dq, dp, gp }')")
}

# One client thread: what the gateway adds to each statement's latency.
latency() {
  local t=$1 d g d2 g2
  run oltp_point_select 3 "$gwport" app app sbtest 1 50 >/dev/null
  d=$(run oltp_point_select "$t" "$uport" root "" vt_sbtest 1 50)
  g=$(run oltp_point_select "$t" "$gwport" app app sbtest 1 50)
  d2=$(run oltp_point_select "$t" "$uport" root "" vt_sbtest 1 50)
  g2=$(run oltp_point_select "$t" "$gwport" app app sbtest 1 50)
  awk -v d="$d" -v g="$g" -v d2="$d2" -v g2="$g2" 'BEGIN {
    split(d, a, " "); split(g, b, " "); split(d2, c, " "); split(g2, e, " ");
    a[1] = (a[1] + c[1]) / 2; b[1] = (b[1] + e[1]) / 2;
    a[2] = (a[2] + c[2]) / 2; b[2] = (b[2] + e[2]) / 2;
    printf "oltp_point_select, 1 thread, unsharded:\n";
    printf "  direct:  %7.0f QPS  mean %6.1f us  p50 %.3f ms\n", a[1], 1e6 / a[1], a[2];
    printf "  gateway: %7.0f QPS  mean %6.1f us  p50 %.3f ms\n", b[1], 1e6 / b[1], b[2];
    printf "  added by the gateway: p50 %+.0f us, mean %+.1f us per statement\n",
           (b[2] - a[2]) * 1000, 1e6 / b[1] - 1e6 / a[1];
  }'
}

echo "vrepl up: tablets sbtest/0 :$uport, sbtest_sharded/-80 :$s1port, 80- :$((base + 300));" \
     "vrepl serve (planner gateway) :$gwport${serve_pid:+ (pid $serve_pid)};" \
     "$(nproc) CPUs shared by sysbench, the gateway and mariadbd; load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "${split:-}" ] || echo "$split"
if [ -n "${PERF_WAIT:-}" ]; then echo "waiting $PERF_WAIT s (profile pid $serve_pid now)"; sleep "$PERF_WAIT"; fi
bench "oltp_point_select (unsharded)" oltp_point_select "$secs" $uport vt_sbtest sbtest
bench "oltp_read_only (unsharded)" oltp_read_only $(( secs / 2 )) $uport vt_sbtest sbtest
if [ "$sharded" = 1 ]; then
  bench "oltp_point_select (-80,80-; direct -80)" oltp_point_select $(( secs / 2 )) \
    $s1port vt_sbtest_sharded sbtest_sharded
fi
lat=$(latency $(( secs / 2 )))
echo
printf '%-40s %10s %10s %6s %19s\n' "test ($threads threads, prepared)" "direct QPS" "gw QPS" \
  "ratio" "p95 ms direct / gw"
for r in "${rows[@]}"; do echo "$r"; done
echo "$lat"
