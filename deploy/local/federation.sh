#!/usr/bin/env bash
# Runs a whole federation as separate OS processes on loopback, as an operator would: one
# `toex node` per region and one `toex hub`, each from the example configuration in deploy/config
# with its paths moved under a scratch directory and its addresses moved to 127.0.0.1. The only
# other change is the token issuer: the example trusts a real identity provider, this run trusts
# the dev issuer of `toex keys` so that `toex token` can mint callers.
#
#   deploy/local/federation.sh up DIR [REGION...]     start (all ten regions by default)
#   deploy/local/federation.sh smoke DIR [REGION...]  start, query, verify the audit trails, stop
#   deploy/local/federation.sh faults DIR [REGION...] start, then freeze, kill and lose nodes while
#                                                     querying: every answer labels each region
#   deploy/local/federation.sh down DIR               stop (SIGTERM: drain, seal the trails)
#
# TOEX names the binary (default: debug, then release, under $CARGO_TARGET_DIR or target/).
set -euo pipefail
cd "$(dirname "$0")/../.."

command=${1:?usage: federation.sh up|smoke|down DIR [REGION...]}
dir=${2:?usage: federation.sh up|smoke|down DIR [REGION...]}
shift 2
regions=("$@")
((${#regions[@]})) || regions=(NERSOU NWROCU YHROCU EMSOU ROCUWM ERSOU SEROCU SWROCU TARIAN LONDON)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
toex=${TOEX:-}
if [[ -z $toex ]]; then
    target=${CARGO_TARGET_DIR:-target}
    for candidate in "$target/debug/toex" "$target/release/toex"; do
        [[ -x $candidate ]] && toex=$(cd "$(dirname "$candidate")" && pwd)/toex && break
    done
fi
[[ -n $toex && -x $toex ]] || { echo "error: build toex first (cargo build -p toex) or set TOEX" >&2; exit 1; }
hub_url=https://127.0.0.1:7700

# Rewrites one example config: /etc/toex and /var/lib/toex under $dir, every address to loopback.
localise() {
    sed -e "s#/etc/toex#$dir/etc/toex#g" \
        -e "s#/var/lib/toex#$dir/var/lib/toex#g" \
        -e 's#"0\.0\.0\.0:#"127.0.0.1:#' \
        -e 's#https://[a-z]*-node\.toex\.internal:#https://127.0.0.1:#' \
        -e 's#https://idp\.police\.example/realms/toex#toex-dev-issuer#' \
        "$1"
}

up() {
    local region
    mkdir -p "$dir/etc/toex/config" "$dir/run" "$dir/log"
    "$toex" certs --out "$dir/etc/toex/pki" --regions "$(IFS=,; echo "${regions[*]}")" >"$dir/log/setup.log" 2>&1
    "$toex" keys --out "$dir/etc/toex/keys" >>"$dir/log/setup.log" 2>&1
    for region in "${regions[@]}"; do
        [[ -d $dir/var/lib/toex/$region/persons ]] ||
            "$toex" gen-data --region "$region" --out "$dir/var/lib/toex/$region" --scale "${SCALE:-300}" \
                >>"$dir/log/setup.log" 2>&1
        localise "deploy/config/nodes/$region.toml" >"$dir/etc/toex/config/$region.toml"
    done
    # NWROCU's example offers an extra CSV dataset: give it one.
    if [[ " ${regions[*]} " == *" NWROCU "* ]]; then
        mkdir -p "$dir/var/lib/toex/NWROCU/extra"
        printf 'police_force,year,offence_group,offences\nCheshire,2025,Drug offences,412\nMerseyside,2025,Drug offences,1290\n' \
            >"$dir/var/lib/toex/NWROCU/extra/recorded_crime_stats.csv"
    fi
    # The hub federates only the regions started here.
    localise deploy/config/hub.toml | awk -v keep=" ${regions[*]} " '
        /^\[\[regions\]\]/ { block = $0; getline code; block = block "\n" code; getline endpoint
            split(code, parts, "\""); if (index(keep, " " parts[2] " ")) print block "\n" endpoint; next }
        { print }' >"$dir/etc/toex/config/hub.toml"
    for region in "${regions[@]}"; do
        "$toex" node --config "$dir/etc/toex/config/$region.toml" >"$dir/log/$region.log" 2>&1 &
        echo $! >"$dir/run/$region.pid"
    done
    # The hub discovers the nodes when it starts: start it once every node is serving.
    for region in "${regions[@]}"; do
        for _ in $(seq 1 120); do
            grep -q "node serving" "$dir/log/$region.log" && break
            kill -0 "$(cat "$dir/run/$region.pid")" 2>/dev/null || { tail -n 5 "$dir/log/$region.log" >&2; return 1; }
            sleep 0.5
        done
    done
    "$toex" hub --config "$dir/etc/toex/config/hub.toml" >"$dir/log/hub.log" 2>&1 &
    echo $! >"$dir/run/hub.pid"
    export TOEX_HUB=$hub_url TOEX_CA=$dir/etc/toex/pki/ca.pem
    TOEX_TOKEN=$("$toex" token --keys "$dir/etc/toex/keys" --role national_analyst --clearance SECRET 2>/dev/null)
    export TOEX_TOKEN
    local listing
    for _ in $(seq 1 60); do
        listing=$("$toex" regions 2>/dev/null || true)
        if [[ $(grep -c " SERVING " <<<"$listing") -eq ${#regions[@]} ]]; then
            echo "federation up: hub $hub_url, ${#regions[@]} regions, state in $dir"
            return 0
        fi
        sleep 1
    done
    echo "error: the federation did not come up; logs in $dir/log" >&2
    tail -n 5 "$dir"/log/*.log >&2
    return 1
}

down() {
    local pid_file
    for pid_file in "$dir"/run/*.pid; do
        [[ -e $pid_file ]] || continue
        kill -TERM "$(cat "$pid_file")" 2>/dev/null || true
    done
    for pid_file in "$dir"/run/*.pid; do
        [[ -e $pid_file ]] || continue
        while kill -0 "$(cat "$pid_file")" 2>/dev/null; do sleep 0.2; done
        rm -f "$pid_file"
    done
}

smoke() {
    trap down EXIT
    up
    export TOEX_JUSTIFICATION="Smoke test of a multi-process federation" TOEX_CASE=OP-SMOKE-0001
    "$toex" sql "SELECT region, count(*) AS persons FROM persons GROUP BY region ORDER BY region" >/dev/null
    "$toex" check phone "07700 900021" >/dev/null
    down
    trap - EXIT
    local trail
    for trail in "$dir"/var/lib/toex/audit/*/trail; do
        "$toex" audit verify "$trail" >/dev/null || { echo "error: $trail does not verify" >&2; return 1; }
    done
    local nodes=()
    for region in "${regions[@]}"; do nodes+=(--node "$dir/var/lib/toex/audit/$region/trail"); done
    "$toex" audit reconcile --hub "$dir/var/lib/toex/audit/hub/trail" "${nodes[@]}"
    echo "smoke test passed: every answer complete, every trail intact and reconciled"
}

# One query through the hub; prints its region outcomes and sets $answer_code.
ask() {
    answer_code=0
    answer=$("$toex" sql "SELECT region, count(*) AS persons FROM persons GROUP BY region" "$@" 2>&1 >/dev/null) ||
        answer_code=$?
}

expect() {
    local what=$1 pattern=$2 code=$3
    if [[ $answer_code -ne $code ]] || ! grep -Eq "$pattern" <<<"$answer"; then
        echo "error: $what: expected exit $code and /$pattern/, got exit $answer_code:" >&2
        echo "$answer" >&2
        return 1
    fi
    echo "ok: $what"
}

# CPU time (user and system, in clock ticks of 1/100 s) a process spends over $2 seconds.
cpu_over() {
    local before after
    before=$(awk '{print $14 + $15}' "/proc/$1/stat")
    sleep "$2"
    after=$(awk '{print $14 + $15}' "/proc/$1/stat")
    echo $((after - before))
}

# A caller that goes away mid-query cancels the work at the node: a node busy with a long
# aggregate (many batches of fuzzy comparisons over its large intel_reports table) falls back to
# idle once the caller is killed. Work within one batch cannot be interrupted, so the node gets a
# moment to finish the batch in hand before it is measured.
cancelled_caller_frees_the_node() {
    local node_pid=$1 heavy client busy idle
    heavy="SELECT region, max(levenshtein(concat(summary, summary), reverse(summary))) FROM intel_reports GROUP BY region"
    "$toex" sql "$heavy" >/dev/null 2>&1 &
    client=$!
    sleep 2
    busy=$(cpu_over "$node_pid" 1)
    if ! kill -KILL "$client" 2>/dev/null; then
        echo "error: the heavy query finished before it could be cancelled: raise FAULT_SCALE" >&2
        return 1
    fi
    wait "$client" 2>/dev/null || true
    sleep 2
    idle=$(cpu_over "$node_pid" 2)
    if ((busy < 30 || idle > 10)); then
        echo "error: a cancelled query should free the node: ${busy} ticks in 1 s while running, ${idle} in 2 s after" >&2
        return 1
    fi
    echo "ok: a caller that goes away cancels the node's work (${busy} ticks/s running, ${idle} in 2 s after)"
}

# A node killed while it streams a large answer: the rows it sent stay counted, the region ends
# UNAVAILABLE and the answer PARTIAL. The reader waits for the node's first rows, then the node is
# killed while flow control holds the rest of its answer back.
node_killed_mid_stream() {
    local victim=$1 rows reader
    rows="$dir/run/rows.fifo"
    mkfifo "$rows"
    (grep -m 1 -q "$victim"; kill -KILL "$(cat "$dir/run/$victim.pid")"; cat >/dev/null) <"$rows" &
    reader=$!
    answer_code=0
    answer=$("$toex" sql "SELECT * FROM intel_reports" --format csv 2>&1 >"$rows") || answer_code=$?
    wait "$reader"
    rm -f "$rows" "$dir/run/$victim.pid"
    expect "a node killed mid-stream is UNAVAILABLE with its rows counted" "$victim +UNAVAILABLE +[1-9][0-9]* rows" 3
    grep -E "^ +$victim " <<<"$answer"
}

# Fault tests with real processes (issue 5): a frozen node, a cancelled caller, a node killed
# mid-stream and before a query, every node down.
faults() {
    ((${#regions[@]} >= 2)) || { echo "error: faults needs at least two regions" >&2; return 1; }
    local victim=${regions[0]} other=${regions[1]} started took
    # The victim holds enough records for a long query and an answer larger than the buffers.
    [[ -d $dir/var/lib/toex/$victim/persons ]] ||
        "$toex" gen-data --region "$victim" --out "$dir/var/lib/toex/$victim" --scale "${FAULT_SCALE:-60000}" \
            >/dev/null 2>&1
    trap down EXIT
    up
    export TOEX_JUSTIFICATION="Fault test of a multi-process federation" TOEX_CASE=OP-FAULT-0001
    ask
    expect "every region answers" "complete: every region in scope answered" 0
    kill -STOP "$(cat "$dir/run/$victim.pid")"
    started=$(date +%s%N)
    ask --deadline-ms 2000
    took=$((($(date +%s%N) - started) / 1000000))
    kill -CONT "$(cat "$dir/run/$victim.pid")"
    expect "a frozen node is TIMEOUT within the deadline (answered in ${took} ms of 2000)" "$victim +TIMEOUT" 3
    expect "the other regions still answer" "$other +OK" 3
    ask
    expect "after SIGCONT the next answer is complete" "complete: every region in scope answered" 0
    cancelled_caller_frees_the_node "$(cat "$dir/run/$victim.pid")"
    node_killed_mid_stream "$victim"
    ask
    expect "a node killed before the query is UNAVAILABLE and the answer PARTIAL" "$victim +UNAVAILABLE" 3
    local region
    for region in "${regions[@]:1}"; do
        kill -KILL "$(cat "$dir/run/$region.pid")"
        rm -f "$dir/run/$region.pid"
    done
    ask
    expect "with every node down the call fails, never an empty success" "UNAVAILABLE|unavailable" 1
    down
    trap - EXIT
    echo "fault tests passed"
}

case $command in
    up) up ;;
    faults) faults ;;
    down) down ;;
    smoke) smoke ;;
    *) echo "usage: federation.sh up|smoke|faults|down DIR [REGION...]" >&2; exit 2 ;;
esac
