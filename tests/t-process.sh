#!/bin/bash
# SPDX-License-Identifier: MIT
# t-process.sh - pid 1, signals, reaping, die-with-parent, sessions
. "$(dirname "$0")/lib.sh"

proj=$(mkproj proc)
cd "$proj" || exit 1
tag="jt$$x$RANDOM"

# Signals reach COMMAND through pid 1 (sent once its trap is set)
rm -f "$proj/trapped"
jail -- sh -c 'trap "echo got-term; exit 3" TERM; touch trapped; sleep 30 & wait' \
	>"$STAGE/sig.out" 2>&1 &
jpid=$!
wait_until 10 test -e "$proj/trapped"
kill -TERM "$(pid_below "$jpid" jail)"
wait "$jpid"; rc=$?
assert_eq "SIGTERM forwarded, COMMAND's status returned" 3 "$rc"
assert_match "COMMAND saw SIGTERM" "got-term" "$(cat "$STAGE/sig.out")"

# Orphans are reaped by pid 1: no zombie is left behind
out=$(jail -- sh -c '(sleep 0.2 &) ; sleep 1; grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l')
assert_eq "orphans are reaped" 0 "$out"

# Nothing outlives COMMAND: a background sleep, alive when COMMAND ends
# (its argv carries a number of this run's own, so only ours is looked at)
n9=9999.$$$RANDOM
out=$(jail -- sh -c "sleep $n9 & sleep 0.2; kill -0 \$! && echo alive; exec sleep 0.3" 2>&1)
assert_eq "the background process was running" alive "$out"
if wait_until 5 sh -c "! pgrep -f '^sleep $n9\$' >/dev/null"; then
	t_pass "background processes die with COMMAND"
else
	t_fail "background processes die with COMMAND" "$(pgrep -af "^sleep $n9\$")"
	pkill -9 -f "^sleep $n9\$"
fi

# kill -9 of jail kills the whole jail
n8=9998.$$$RANDOM
as_user "$JAIL" -- sh -c "sleep $n8; true" >/dev/null 2>&1 &
bg=$!
if wait_until 5 pgrep -f "^sleep $n8\$" >/dev/null; then
	kill -9 "$(pid_below "$bg" jail)"
	if wait_until 5 sh -c "! pgrep -f '^sleep $n8\$' >/dev/null"; then
		t_pass "kill -9 of jail leaves no process"
	else
		t_fail "kill -9 of jail leaves no process" "$(pgrep -af "^sleep $n8\$")"
		pkill -9 -f "^sleep $n8\$"
	fi
else
	t_fail "kill -9 of jail leaves no process" "jail did not start"
fi
wait "$bg" 2>/dev/null

# pid 1 holds nothing of the host
out=$(JT_EXTRA_ENV=HOSTSECRET=s3cr3t-$tag jail -- sh -c '
	cat /proc/1/environ 2>&1 | tr "\0" "\n"; echo "--";
	tr "\0" " " </proc/1/cmdline; echo; echo "--";
	head -c 16 /proc/1/mem 2>&1; echo; ls /proc/1/fd 2>&1; echo "--";
	grep -a HOSTSECRET /proc/[0-9]*/environ 2>/dev/null')
assert_nomatch "pid 1 environ has no host variable" "s3cr3t" "$out"
assert_match "pid 1 cmdline is jail-init" "^jail-init [0-9]+ [0-9]+ ?$" \
	"$(printf '%s\n' "$out" | sed -n '/^--$/,/^--$/p' | sed -n 2p)"
assert_match "pid 1 memory is unreadable" "Permission denied" "$out"
out=$(jail -- python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.ptrace(16, 1, 0, 0)
print(r, os.strerror(ctypes.get_errno()))')
assert_match "ptrace of pid 1 fails" "^-1 Operation not permitted" "$out"

# COMMAND in its own session: kill(0, SIGSTOP) cannot stop jail. COMMAND
# itself is seen stopped first: the kill happened
as_user "$JAIL" -- sh -c 'kill -STOP 0; echo never' >"$STAGE/stop.out" 2>&1 &
bg=$!
wait_until 10 pid_below "$bg" jail-init >/dev/null
init=$(pid_below "$bg" jail-init)
# shellcheck disable=SC2317 # called through wait_until
cmd_stopped()
{
	local c
	c=$(pgrep -P "$init" | head -1)
	[ -n "$c" ] && [ "$(ps -o stat= -p "$c" | cut -c1)" = T ]
}
if wait_until 10 cmd_stopped; then
	t_pass "kill(0, SIGSTOP) inside stops COMMAND"
else
	t_fail "kill(0, SIGSTOP) inside stops COMMAND" "no stopped COMMAND below $init"
fi
jpid=$(pid_below "$bg" jail)
st=$(ps -o stat= -p "$jpid" | tr -d ' ')
case "$st" in
T*) t_fail "kill(0, SIGSTOP) inside does not stop jail" "jail state $st"
    kill -CONT "$jpid";;
"") t_fail "kill(0, SIGSTOP) inside does not stop jail" "jail exited";;
*) t_pass "kill(0, SIGSTOP) inside does not stop jail";;
esac
kill -KILL "$jpid" 2>/dev/null
wait "$bg" 2>/dev/null
out=$(jail -- sh -c 'ps -o pid=,sid=,pgid= -p $$')
assert_match "COMMAND leads its own session" "^ *2 +2 +2$" "$out"
assert_eq "the jail has its own hostname" jail "$(jail -- hostname)"
n=$(jail -- sh -c 'ls -d /proc/[0-9]* | wc -l')
if [ "$n" -le 4 ]; then t_pass "only the jail's processes are in /proc ($n)"
else t_fail "only the jail's processes are in /proc" "$n pids"; fi
exit 0
