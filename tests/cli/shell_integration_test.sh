#!/usr/bin/env bash
# cmake --install into a scratch prefix, then check what it installed as a user would meet it:
# the binary runs, bash completes lessons, options and option values from the installed script,
# zsh parses its script, and the man page formats without a warning and names every lesson.
# Usage: shell_integration_test.sh CMAKE BUILD_DIR
set -euo pipefail
cmake=$1 build=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$cmake" --install "$build" --prefix "$prefix" >/dev/null
bin=$prefix/bin/conc-lab
man=$prefix/share/man/man1/conc-lab.1
bash_script=$prefix/share/bash-completion/completions/conc-lab
zsh_script=$prefix/share/zsh/site-functions/_conc-lab
for f in "$bin" "$man" "$bash_script" "$zsh_script"; do
  [[ -s $f ]] || fail "not installed: $f"
done
lessons=$("$bin" list --json | grep -o '"name": "[^"]*"' | cut -d'"' -f4)
[[ -n $lessons ]] || fail "no lessons listed"

complete_words() {  # the words bash would offer after the given command line
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _conc_lab
           printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_script" "$@"
}
offers() {  # offers WORD CMDLINE...: WORD is among the completions
  local word=$1; shift
  complete_words "$@" | grep -x -- "$word" >/dev/null || fail "'$*' does not offer '$word'"
}
offers lesson conc-lab ""
for l in $lessons; do
  offers "$l" conc-lab lesson ""
  offers --quick conc-lab lesson "$l" --
  grep -q -- "lesson $l\$" "$man" || fail "man page lacks $l"
done
offers zsh conc-lab completion ""
offers select2 conc-lab bench --only ""
[[ -z $(complete_words conc-lab lesson c10k --connections "") ]] || fail "a number offered words"

if command -v zsh >/dev/null; then
  zsh -n "$zsh_script" || fail "zsh cannot parse its script"
else
  echo "zsh not installed: its script was not parsed (scripts/test installs zsh)"
fi
if command -v groff >/dev/null; then
  warnings=$(groff -k -man -Tutf8 -ww -z "$man" 2>&1)
  [[ -z $warnings ]] || fail "man page: $warnings"
else
  echo "groff not installed: the man page was not formatted (scripts/test installs groff-base)"
fi
echo "installed and checked: $bin, man page, bash and zsh completion"
