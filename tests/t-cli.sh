#!/bin/bash
# SPDX-License-Identifier: MIT
# t-cli.sh - command line, exit statuses, --explain, man page coverage
. "$(dirname "$0")/lib.sh"

proj=$(mkproj cli)
cd "$proj" || exit 1

out=$(jail --help 2>&1); rc=$?
assert_eq "--help exits 0" 0 "$rc"
assert_match "--help lists options" "--ro PATH" "$out"
assert_match "--version" "^jail [0-9]+\.[0-9]+" "$(jail --version)"

# Every option of the table is documented in the man page
missing=""
for o in $(jail --help | grep -oE '^  --[a-z0-9-]+' | sed 's/^  --//'); do
	grep -qE "Fl -$o( |$)" "$STAGE/man/jail.1" 2>/dev/null ||
		missing="$missing $o"
done
assert_eq "every option is in jail(1)" "" "$missing"

# Bad input: one line on stderr, exit 125, nothing run
for args in "--bogus -- true" "--timeout=abc -- true" "--timeout -- true" \
	"--keep-fd 1 -- true" "--keep-fd=99 -- true" "--net moon -- true" \
	"--ro /nonexistent/x -- true" "--env 1BAD -- true" "--ro / -- true" \
	""; do
	# shellcheck disable=SC2086
	err=$(jail $args 2>&1 >/dev/null); rc=$?
	assert_eq "bad input [$args] exits 125" 125 "$rc"
	assert_match "bad input [$args] gives one jail: line" \
		'^jail: .+' "$err"
	assert_eq "bad input [$args] is one line" 1 "$(printf '%s\n' "$err" | wc -l)"
done
assert_match "missing bind names --ro-try" "ro-try" \
	"$(jail --ro /nonexistent/x -- true 2>&1)"
assert_status "--ro-try of a missing path runs" 0 \
	jail --ro-try /nonexistent/x -- true
assert_status "--opt=VALUE form" 0 jail --net=none --timeout=30s -- true

# Exit statuses of the contract
assert_status "exit 0" 0 jail -- true
assert_status "exit N passes through" 7 jail -- sh -c 'exit 7'
assert_status "killed by SIGTERM is 143" 143 jail -- sh -c 'kill -TERM $$'
assert_status "killed by SIGKILL is 137" 137 jail -- sh -c 'kill -KILL $$'
assert_status "not found is 127" 127 jail -- no-such-command-xyz
assert_status "not executable is 126" 126 jail -- /etc/hostname
err=$(jail -- no-such-command-xyz 2>&1)
assert_match "not found says why" '^jail: exec "no-such-command-xyz": No such file' "$err"
start=$(date +%s)
assert_status "--timeout gives 124" 124 jail --timeout 0.5 -- sleep 20
took=$(($(date +%s) - start))
if [ "$took" -lt 10 ]; then t_pass "--timeout 0.5 kills within 10 s, not at sleep's 20"
else t_fail "--timeout 0.5 kills within 10 s" "took $took s"; fi

# --explain runs nothing and shows the view
out=$(jail --explain -- touch "$proj/ran" 2>&1); rc=$?
assert_eq "--explain exits 0" 0 "$rc"
if [ -e "$proj/ran" ]; then
	t_fail "--explain runs nothing" "command ran"
else
	t_pass "--explain runs nothing"
fi
assert_match "--explain names the project" "rw +$proj +\(default" "$out"
assert_match "--explain lists protected paths with a reason" "protect +$proj/.git/hooks +\(default: git runs its hooks\)" "$out"

# --net host is unfiltered, and says so
err=$(jail --net host -- true 2>&1)
assert_match "--net host prints a warning" "^jail: --net host: .*unfiltered" "$err"
assert_eq "--net none prints nothing" "" "$(jail --net none -- true 2>&1)"

# A project containing $HOME is refused
cd "$JT_HOME" || exit 1
err=$(jail -- true 2>&1); rc=$?
assert_eq "project = home is refused" 125 "$rc"
assert_match "project = home says why" "contains the home directory" "$err"
exit 0
