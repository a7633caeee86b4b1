#!/usr/bin/env bash
# Smoke test of `slotrace demo` in a real terminal (tmux): start the demo, run two short heats
# back to back (n opens the next one) with keystrokes and check the screen text. Exits 0 on
# success, 1 with the last screen on failure. Usage: scripts/tmux-smoke.sh [path/to/slotrace]   (default: .venv/bin/slotrace)
set -euo pipefail
cd "$(dirname "$0")/.."
SLOTRACE="${1:-.venv/bin/slotrace}"
SESSION="slotrace-smoke-$$"
WORKDIR="$(mktemp -d)"
EVENT="$WORKDIR/smoke.slotrace"

cleanup() { tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORKDIR"; }
trap cleanup EXIT

screen() { tmux capture-pane -p -t "$SESSION"; }

# wait_for TEXT SECONDS: poll the screen until TEXT shows up or the deadline passes.
wait_for() {
    local text="$1" deadline=$((SECONDS + $2))
    while ((SECONDS < deadline)); do
        if screen | grep -qF -- "$text"; then return 0; fi
        sleep 0.5
    done
    echo "smoke: FAILED waiting for '$text'. Last screen:" >&2
    screen >&2
    return 1
}

tmux new-session -d -s "$SESSION" -x 160 -y 40 "$SLOTRACE demo --laps 2 --keep $EVENT; sleep 30"
# run_heat: from the grid, s (lights on) and s (countdown), then the heat to its finish.
run_heat() {
    wait_for "GRID" 10
    tmux send-keys -t "$SESSION" s
    wait_for "READY" 10
    tmux send-keys -t "$SESSION" s
    wait_for "RUNNING" 20
    wait_for "Lap 1/2" 60
    wait_for "FINISHED" 90
}

wait_for "LINK UP" 30
run_heat
# The next heat is one key away: race control opens heat 2 without leaving the program.
tmux send-keys -t "$SESSION" n
wait_for "heat 2" 15
run_heat
# Every screen opens: the event screen shows the plan's next heat and its car IDs, the
# results screen the rules' classification and the charity total.
tmux send-keys -t "$SESSION" F3
wait_for "Mini Mille Miglia" 10
wait_for "Next heat: Leg" 10
tmux send-keys -t "$SESSION" F5
wait_for "classification" 10
wait_for "Charity total" 20
tmux send-keys -t "$SESSION" q
wait_for "the event file stays at" 15
echo "smoke: OK (demo ran two 2-lap heats back to back to the finish)"
