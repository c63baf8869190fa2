#!/usr/bin/env bash
# --step and `tour` as a user meets them: the tour with stdin a pipe that never ends does not
# wait; --step with no input goes through; bad input exits 2 with one line; and in tmux at
# 80x24, `lesson stack --quick --step` advances on Enter, leaves on q with exit 0, restores
# the terminal (`stty -a` before and after) and every screen fits 80 columns and 24 rows.
# Usage: step_tour_test.sh CONC_LAB
set -uo pipefail
conc_lab=$1
state=$(mktemp -d)
export XDG_STATE_HOME=$state NO_COLOR=1 COLUMNS=80 LINES=24
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
trap 'rm -rf "$state"; [[ -n ${sock:-} ]] && tmux -S "$sock" kill-server 2>/dev/null' EXIT

# 1. The tour's last lessons with stdin a pipe that stays open: nothing reads it, so it ends.
mkfifo "$state/stdin"
sleep 300 >"$state/stdin" &
holder=$!
out=$(timeout 240 "$conc_lab" tour --quick --from waitgroup <"$state/stdin" 2>"$state/err")
rc=$?
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
[[ $rc == 0 ]] || fail "tour --quick --from waitgroup exited $rc: $(tail -3 "$state/err")"
grep -q '^══ ' <<<"$out" || fail "tour printed no chapter header"
grep -q '^→ waitgroup: ' <<<"$out" || fail "tour printed no summary line for waitgroup"
[[ -f $state/conc-lab/tour-position ]] && fail "a finished tour left its position behind"

# 2. --step with stdin not a terminal and no input: goes through without waiting.
timeout 240 "$conc_lab" lesson waitgroup --quick --step </dev/null >"$state/step.out" 2>&1
rc=$?
[[ $rc == 0 ]] || fail "--step </dev/null exited $rc"
grep -q 'no more input' "$state/step.out" || fail "--step </dev/null did not say the input ended"

# 3. Scripted keys: q at the second pause ends cleanly.
printf '\nq\n' | timeout 240 "$conc_lab" lesson waitgroup --quick --step >"$state/q.out" 2>&1
rc=$?
[[ $rc == 0 ]] || fail "--step with a scripted q exited $rc"

# 3b. s and r in lessons that mark their experiments as parts, one scripted line per pause.
# process: "The claim", then Experiment 1 (its section, before it runs), its results, ...
step_run() {  # LESSON KEYS...: the lesson with --step, one line of input per key
  local lesson=$1
  shift
  printf '%s\n' "$@" | timeout 240 "$conc_lab" lesson "$lesson" --quick --step 2>&1
}
out=$(step_run process "" s)
grep -q 'Skipped at your request' <<<"$out" || fail "process: s did not skip Experiment 1"
grep -q 'Two children of this program' <<<"$out" && fail "process: the skipped part ran"
grep -q 'Experiment 2: the main thread' <<<"$out" || fail "process: the lesson stopped after s"
out=$(step_run process "" "" r)
n=$(grep -c 'Experiment 1: one program, two processes' <<<"$out")
[[ $n == 2 ]] || fail "process: r did not run Experiment 1 again (its section shown $n times)"
grep -q 'Skipped at your request' <<<"$out" && fail "process: r skipped something"
# deadlock: its experiments' sections are written from their results, so each part's pause
# names it in a line before it runs.
out=$(step_run deadlock "" s)
grep -q 'Next experiment: two threads, two locks, opposite orders' <<<"$out" ||
  fail "deadlock: no pause before the opposite-order pair"
grep -q 'Skipped at your request' <<<"$out" || fail "deadlock: s did not skip the pair"
grep -q 'Wait-for cycle\|No cycle was seen' <<<"$out" && fail "deadlock: the skipped pair ran"
grep -q 'Next experiment: the fixes' <<<"$out" || fail "deadlock: the lesson stopped after s"
out=$(step_run deadlock "" "" r)
grep -q 'Running again: two threads, two locks, opposite orders' <<<"$out" ||
  fail "deadlock: r did not run the pair again"
n=$(grep -c 'Two threads, two locks, opposite orders' <<<"$out")
[[ $n == 2 ]] || fail "deadlock: the pair's section shown $n times, not once per run"
# A pipe is not a terminal: no screen is ever cleared.
grep -q $'\e\[' <<<"$out" && fail "deadlock --step into a pipe wrote escape sequences"

# 3c. The tour left with q: on a lesson's end screen it resumes with the next lesson, in the
# middle of one with that lesson; `progress` shows where it stopped, as text and JSON.
# process pauses 8 times: The claim, 3 parts (before, after), its end screen.
err=$(printf '\n\n\n\n\n\n\nq\n' | timeout 240 "$conc_lab" tour --quick --step --from process 2>&1 >/dev/null)
[[ $err == *"continue with: "*"tour --from thread"* ]] ||
  fail "q on process's end screen did not suggest --from thread: '$err'"
out=$("$conc_lab" progress)
grep -q 'tour: stopped at process — continue with: .*tour --from thread' <<<"$out" ||
  fail "progress does not show the tour's stop: $(grep -i tour <<<"$out")"
"$conc_lab" progress --json | grep -q 'stopped at process' ||
  fail "progress --json does not show the tour's stop"
err=$(printf '\nq\n' | timeout 240 "$conc_lab" tour --quick --step --from process 2>&1 >/dev/null)
[[ $err == *"tour --from process"* ]] || fail "q inside process did not suggest --from process: '$err'"
"$conc_lab" progress | grep -q 'tour: stopped at process — continue with: .*tour --from process' ||
  fail "progress does not show a stop inside process"

# 4. Bad input: one line, exit 2.
err=$("$conc_lab" lesson stack --step --json 2>&1 >/dev/null)
rc=$?
[[ $rc == 2 && $(wc -l <<<"$err") == 1 ]] || fail "--step --json: exit $rc, '$err'"
err=$("$conc_lab" tour --from stak 2>&1 >/dev/null)
rc=$?
[[ $rc == 2 && $err == *"did you mean 'stack'"* ]] || fail "tour --from stak: exit $rc, '$err'"

# 5. tmux at 80x24: Enter advances, q leaves, the terminal is as it was.
if command -v tmux >/dev/null; then
  sock=$state/tmux.sock
  tmux -S "$sock" new-session -d -x 80 -y 24 -s step "env -u TMUX bash --norc --noprofile"
  tmux -S "$sock" send-keys -t step "stty -a >$state/stty.before; XDG_STATE_HOME=$state COLUMNS=80 LINES=24 NO_COLOR=1 $conc_lab lesson stack --quick --step; echo exit=\$? >$state/rc; stty -a >$state/stty.after" Enter
  screens=0
  check_screen() {
    local shot=$state/screen.$screens
    tmux -S "$sock" capture-pane -p -t step >"$shot"
    local rows cols
    rows=$(wc -l <"$shot")
    cols=$(awk '{ if (length > m) m = length } END { print m + 0 }' "$shot")
    ((rows <= 24 && cols <= 80)) || fail "screen $screens is ${cols}x${rows}"
    screens=$((screens + 1))
  }
  wait_for() {  # a text on the screen, within 120 s
    for _ in $(seq 1200); do
      tmux -S "$sock" capture-pane -p -t step | grep -q -- "$1" && return 0
      sleep 0.1
    done
    fail "never saw '$1' on the screen"
    return 1
  }
  wait_for "Enter: next" && check_screen
  # The first screen starts at the top: the screen was cleared, the shell's command is gone.
  tmux -S "$sock" capture-pane -p -t step | grep -q 'stty -a' &&
    fail "the first step screen was not cleared"
  # Enter: the lesson runs the next part and pauses again (a new prompt or a page's "more")
  # on a new, cleared screen: the first screen's first section is no longer shown.
  screen_now() { tmux -S "$sock" capture-pane -p -t step; }
  before=$(screen_now)
  tmux -S "$sock" send-keys -t step Enter
  advanced=no
  for _ in $(seq 1200); do
    now=$(screen_now)
    if [[ $now != "$before" ]] && grep -qE 'Enter: next|more \(Enter\)' <<<"$now"; then
      advanced=yes
      break
    fi
    sleep 0.1
  done
  [[ $advanced == yes ]] || fail "Enter did not advance to the next pause"
  grep -q 'The claim' <<<"$now" && fail "the second step screen still shows the first one"
  check_screen
  tmux -S "$sock" send-keys -t step q
  for _ in $(seq 100); do [[ -s $state/stty.after ]] && break; sleep 0.1; done
  [[ $(cat "$state/rc" 2>/dev/null) == exit=0 ]] || fail "q did not exit 0: $(cat "$state/rc" 2>/dev/null)"
  cmp -s "$state/stty.before" "$state/stty.after" || fail "stty -a differs after q"
  check_screen
else
  fail "tmux is not installed (scripts/test installs it)"
fi

((failures == 0)) && echo "step and tour: all checks passed"
exit $((failures > 0))
