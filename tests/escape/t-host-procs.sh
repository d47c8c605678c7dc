#!/bin/bash
# SPDX-License-Identifier: MIT
# t-host-procs.sh - kill, ptrace, process_vm_writev and /proc aimed at a
# host process
#
# The test starts a sleep on the host as the jail's user, with a marker in
# its argv, its environment and the name of its working directory. Inside,
# its pid must name no process (or one of the jail's own), and no /proc
# entry may show the marker.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj host-procs)
cd "$proj" || exit 1

marker="jtmark$$x$RANDOM"
hostdir="$STAGE/$marker-cwd"
mkdir -p "$hostdir"
chmod 755 "$hostdir"
JT_EXTRA_ENV=("JT_MARK=$marker")
as_user bash -c "cd '$hostdir' && exec -a '$marker' sleep 300" 2>/dev/null &
disown
unset JT_EXTRA_ENV
spid=
wait_until 10 pgrep -f "^$marker 300" >/dev/null
spid=$(pgrep -f "^$marker 300")
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null' EXIT
if [ -z "$spid" ]; then
	t_fail "host sleep started" "no process with the marker"
	exit 0
fi

out=$(jprobe host-pid "$spid" "$marker")
assert_match "the host pid shows no host process inside" \
	"^host-pid visible=no$" "$out"
assert_nomatch "the host pid is free inside (so it was attacked)" \
	"taken-by=jail-process" "$out"
expect_errno "$out" kill ESRCH
expect_errno "$out" ptrace-seize ESRCH
expect_errno "$out" process_vm_writev ESRCH
expect_errno "$out" process_vm_readv ESRCH
expect_errno "$out" pidfd_open ESRCH
if kill -0 "$spid" 2>/dev/null; then
	t_pass "the host process survived"
else
	t_fail "the host process survived" "it is gone"
fi
assert_match "the host process is not traced" "^TracerPid:[[:space:]]+0$" \
	"$(grep TracerPid "/proc/$spid/status")"

out=$(jprobe proc-scan "$marker")
assert_match "the marker is in no cmdline, environ or cwd inside" \
	"^marker-found=0$" "$out"
assert_match "the scan saw the jail's own processes" \
	"^npids=([2-9]|[1-9][0-9]+)$" "$out"
others=$(printf '%s\n' "$out" | grep '^pid=' | grep -Ev '^pid=[0-9]+ argv0=(jail-init|probe) ')
assert_eq "every process in /proc is the jail's (jail-init, probe)" "" "$others"
expect_errno "$out" "open /proc/1/root" EACCES "pid 1 is not dumpable"
expect_errno "$out" "open /proc/1/cwd" EACCES "pid 1 is not dumpable"
assert_match "pid 1's environ is unreadable or empty" \
	"^pid1-environ (errno=EACCES|bytes=0)$" "$out"
exit 0
