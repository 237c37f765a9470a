#!/usr/bin/env bash
# Time and memory of `vrepl up` for the marketplace cluster (15 tablets),
# against a baseline measured in the same run: the same 15 servers made the
# usual way, mariadb-install-db then mariadbd, one after another.
# Prints: wall time, vrepl's own peak RSS, total and per-tablet RSS at idle.
set -euo pipefail
build=${1:-build}
vrepl=$(realpath "$build/vrepl")
work=$(mktemp -d /tmp/vrepl-bench-up-XXXXXX)
trap '"$vrepl" down --var "$work/var" --purge >/dev/null 2>&1 || true; pkill -f "$work/naive" 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r examples/marketplace "$work/mp"
sed -i 's/"base_port": 17000/"base_port": 27000/' "$work/mp/cluster.json"

rss_kb() { local s=0 p; for p in "$@"; do s=$((s + $(awk '/VmRSS/{print $2}' /proc/$p/status 2>/dev/null || echo 0))); done; echo $s; }

start=$(date +%s.%N)
/usr/bin/env time -f '%M' -o "$work/maxrss" "$vrepl" up --config "$work/mp/cluster.json" --var "$work/var" >/dev/null
end=$(date +%s.%N)
up_s=$(echo "$end - $start" | bc)
pids=$(pgrep -f "$work/var/" || true)
n=$(echo "$pids" | wc -w)
sleep 2 # let the servers settle to idle before reading RSS (a figure, not a test)
total=$(rss_kb $pids)
printf 'vrepl up (marketplace, %d tablets): %.2f s, vrepl peak RSS %d KB\n' "$n" "$up_s" "$(cat "$work/maxrss")"
printf 'idle RSS: %d MB total, %d MB per tablet\n' $((total / 1024)) $((total / 1024 / (n > 0 ? n : 1)))

start=$(date +%s.%N)
"$vrepl" up --config "$work/mp/cluster.json" --var "$work/var" >/dev/null
end=$(date +%s.%N)
printf 'vrepl up again (nothing to do): %.2f s\n' "$(echo "$end - $start" | bc)"
start=$(date +%s.%N)
"$vrepl" down --var "$work/var" >/dev/null
end=$(date +%s.%N)
printf 'vrepl down: %.2f s\n' "$(echo "$end - $start" | bc)"

# baseline: install-db + start, one server after another
start=$(date +%s.%N)
for i in $(seq 1 "$n"); do
  d="$work/naive/$i"; mkdir -p "$d/data" "$d/tmp"
  mariadb-install-db --no-defaults --datadir="$d/data" --tmpdir="$d/tmp" --user=root \
    --auth-root-authentication-method=normal --skip-test-db >/dev/null 2>&1
  mariadbd --no-defaults --datadir="$d/data" --tmpdir="$d/tmp" --socket="$d/s.sock" \
    --port=$((28000 + i)) --bind-address=127.0.0.1 --user=root --server-id=$i \
    --log-bin --binlog-format=ROW --log-error="$d/err" >/dev/null 2>&1 &
  until mariadb --no-defaults -S "$d/s.sock" -uroot -e 'select 1' >/dev/null 2>&1; do sleep 0.05; done
done
end=$(date +%s.%N)
npids=$(pgrep -f "$work/naive/" || true)
ntotal=$(rss_kb $npids)
printf 'baseline (install-db + mariadbd defaults, sequential, %d servers): %.2f s, idle RSS %d MB per server\n' \
  "$n" "$(echo "$end - $start" | bc)" $((ntotal / 1024 / (n > 0 ? n : 1)))
pkill -f "$work/naive/" || true
