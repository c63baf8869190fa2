#!/usr/bin/env bash
# The menu as a user meets it, driven in tmux at 80×24 (send-keys, capture-pane): it opens on a
# terminal, the arrow keys move the highlighted row, the quick-mode toggle turns on, a number
# and Enter run a lesson (stack, quick) which then returns to the menu with its verdicts, `q`
# leaves, and the terminal's modes (`stty -a`) are the same before and after; Ctrl-C in a
# lesson returns to the menu; Ctrl-C, SIGTERM and a crash (SIGSEGV) at the menu end it and
# leave the modes the same too. Every screen fits 80 columns.
#
# Usage: menu_tmux_test.sh CONC_LAB_BINARY
set -euo pipefail
bin=$1
command -v tmux >/dev/null || { echo "tmux is missing (scripts/test installs it)" >&2; exit 1; }

tmp=$(mktemp -d)
sock=conc-menu-test-$$
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  # The shell may still be writing as the server goes: try again once it has.
  rm -rf "$tmp" 2>/dev/null || { sleep 1; rm -rf "$tmp"; }
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- screen:" >&2
  screen >&2 || true
  exit 1
}

screen() { tmux -L "$sock" capture-pane -p; }
# The highlighted row: the one the menu marks with "> ".
selected() { screen | grep -E '^> ' || true; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT (generous: a loaded machine).
wait_for() {
  local text=$1 limit=${2:-30} start=$SECONDS
  until screen | grep -qF -- "$text"; do
    ((SECONDS - start < limit)) || fail "no '$text' on the screen after ${limit}s"
    sleep 0.2
  done
}
# wait_selected TEXT: until the highlighted row contains TEXT.
wait_selected() {
  local start=$SECONDS
  until selected | grep -qF -- "$1"; do
    ((SECONDS - start < 30)) || fail "the highlighted row is not '$1' but '$(selected)'"
    sleep 0.1
  done
}
fits() {
  local wide
  wide=$(screen | awk 'length > 80' | head -n 1)
  [[ -z $wide ]] || fail "a line over 80 columns: $wide"
}
keys() { tmux -L "$sock" send-keys "$@"; }
menu_pid() { ps -o pid= --ppid "$(tmux -L "$sock" display -p '#{pane_pid}')" | tr -d ' '; }

tmux -L "$sock" -f /dev/null new-session -d -x 80 -y 24 \
  env -i HOME="$tmp" PATH="$PATH" TERM=screen LANG=C.UTF-8 XDG_STATE_HOME="$tmp/state" \
  NO_COLOR=1 PS1='$ ' bash --norc --noprofile
keys "ulimit -c 0; stty -a > $tmp/before" Enter

# 1. Open, move, toggle, run a lesson, come back, quit.
keys "$bin; echo MENU-EXIT=\$?; stty -a > $tmp/after" Enter
wait_for "Enter run"
fits
[[ $(selected | wc -l) -eq 1 ]] || fail "not exactly one highlighted row"
wait_selected " 1. concurrency-vs-parallelism"  # nothing run yet: the first lesson
screen | grep -qF "not run" || fail "no lesson marked 'not run'"
screen | grep -qF "Processes and threads" || fail "no chapter title"
keys Down
wait_selected " 2. process"
keys Up
wait_selected " 1. concurrency-vs-parallelism"
keys Home
wait_selected "Continue the tour"
keys Down
wait_selected "[ ] Quick mode"
keys Enter
wait_selected "[x] Quick mode"
keys 6
wait_selected " 6. stack"
fits
keys Enter
wait_for "Press Enter to return to the menu" 240
screen | grep -qF "lesson stack --quick" || fail "the lesson did not run with --quick"
keys Enter
wait_for "Enter run"
wait_selected " 6. stack"
selected | grep -qE "run · .*\(quick\)" || fail "stack not marked as run (quick): $(selected)"
fits
keys q
wait_for "MENU-EXIT=0"
[[ -s $tmp/after ]] || sleep 1
diff "$tmp/before" "$tmp/after" >&2 || fail "stty -a differs after q"

# 2. Ctrl-C during a lesson stops the lesson, not the menu; Ctrl-C at the menu ends it (130).
rm -f "$tmp/after"
keys "clear; $bin; echo MENU-EXIT=\$?; stty -a > $tmp/after" Enter
wait_for "Enter run"
keys 5
wait_selected " 5. c10k"
keys Enter
wait_for "c10k" 60
sleep 1
keys C-c
wait_for "ended with status 130" 60
keys Enter
wait_for "Enter run"
keys C-c
wait_for "MENU-EXIT=130"
sleep 0.5
diff "$tmp/before" "$tmp/after" >&2 || fail "stty -a differs after Ctrl-C"

# 3. SIGTERM at the menu: exit 143, the terminal given back.
rm -f "$tmp/after"
keys "clear; $bin; echo MENU-EXIT=\$?; stty -a > $tmp/after" Enter
wait_for "Enter run"
kill -TERM "$(menu_pid)"
wait_for "MENU-EXIT=143"
sleep 0.5
diff "$tmp/before" "$tmp/after" >&2 || fail "stty -a differs after SIGTERM"

# 4. A crash (SIGSEGV) at the menu: the terminal given back, then the default action.
rm -f "$tmp/after"
keys "clear; $bin; echo MENU-EXIT=\$?; stty -a > $tmp/after" Enter
wait_for "Enter run"
kill -SEGV "$(menu_pid)"
wait_for "MENU-EXIT=139"
sleep 0.5
diff "$tmp/before" "$tmp/after" >&2 || fail "stty -a differs after SIGSEGV"
echo "menu tmux test: ok"
