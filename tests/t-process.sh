#!/bin/bash
# SPDX-License-Identifier: MIT
# t-process.sh - pid 1, signals, reaping, die-with-parent, sessions
. "$(dirname "$0")/lib.sh"

proj=$(mkproj proc)
cd "$proj" || exit 1
tag="jt$$x$RANDOM"

# Signals reach COMMAND through pid 1
jail -- sh -c 'trap "echo got-term; exit 3" TERM; sleep 30 & wait' \
	>"$STAGE/sig.out" 2>&1 &
jpid=$!
sleep 1
kill -TERM "$(pgrep -f -o "^$JAIL -- sh -c trap")"
wait "$jpid"; rc=$?
assert_eq "SIGTERM forwarded, COMMAND's status returned" 3 "$rc"
assert_match "COMMAND saw SIGTERM" "got-term" "$(cat "$STAGE/sig.out")"

# Orphans are reaped by pid 1: no zombie is left behind
out=$(jail -- sh -c '(sleep 0.2 &) ; sleep 1; grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l')
assert_eq "orphans are reaped" 0 "$out"

# Nothing outlives COMMAND
jail -- sh -c "sleep 9999.$RANDOM & exec sleep 0.3 $tag" >/dev/null 2>&1
sleep 0.5
left=$(pgrep -f "sleep 9999\." | wc -l)
assert_eq "background processes die with COMMAND" 0 "$left"

# kill -9 of jail kills the whole jail
as_user "$JAIL" -- sh -c "sleep 9998.$RANDOM; true" >/dev/null 2>&1 &
if wait_until 5 pgrep -f "^sleep 9998\." >/dev/null; then
	kill -9 "$(pgrep -f -o "^$JAIL -- sh -c sleep 9998")"
	if wait_until 5 sh -c '! pgrep -f "sleep 9998\." >/dev/null'; then
		t_pass "kill -9 of jail leaves no process"
	else
		t_fail "kill -9 of jail leaves no process" "$(pgrep -af 'sleep 9998\.')"
		pkill -9 -f "sleep 9998\."
	fi
else
	t_fail "kill -9 of jail leaves no process" "jail did not start"
fi

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

# COMMAND in its own session: kill(0, SIGSTOP) cannot stop jail
as_user "$JAIL" -- sh -c 'kill -STOP 0; echo never' >"$STAGE/stop.out" 2>&1 &
sleep 1
jpid=$(pgrep -f -o "^$JAIL -- sh -c kill -STOP 0")
st=$(ps -o stat= -p "$jpid" | tr -d ' ')
case "$st" in
T*) t_fail "kill(0, SIGSTOP) inside does not stop jail" "jail state $st"
    kill -CONT "$jpid";;
"") t_fail "kill(0, SIGSTOP) inside does not stop jail" "jail exited";;
*) t_pass "kill(0, SIGSTOP) inside does not stop jail";;
esac
kill -KILL "$jpid" 2>/dev/null
wait "$jpid" 2>/dev/null
out=$(jail -- sh -c 'ps -o pid=,sid=,pgid= -p $$')
assert_match "COMMAND leads its own session" "^ *2 +2 +2$" "$out"
assert_eq "the jail has its own hostname" jail "$(jail -- hostname)"
n=$(jail -- sh -c 'ls -d /proc/[0-9]* | wc -l')
if [ "$n" -le 4 ]; then t_pass "only the jail's processes are in /proc ($n)"
else t_fail "only the jail's processes are in /proc" "$n pids"; fi
exit 0
