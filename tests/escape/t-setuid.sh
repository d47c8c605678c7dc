#!/bin/bash
# SPDX-License-Identifier: MIT
# t-setuid.sh - a setuid-root binary inside gains nothing
#
# The test makes a setuid-root copy of showid (prints ids and capability
# sets, nothing else) in a directory of its own and binds it read-only;
# no_new_privs makes execve() ignore the bit. su(1) and mount(8) from the
# read-only /usr are tried as well.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj setuid)
cd "$proj" || exit 1

suid="$STAGE/suid-$JT_USER"
rm -rf "$suid"
mkdir -p "$suid"
cp "$HELPERS/showid" "$suid/showid"
chown root:root "$suid/showid"
chmod 4755 "$suid/showid"
chmod 755 "$suid"
trap 'rm -rf "$suid"' EXIT
if [ ! -u "$suid/showid" ]; then
	t_fail "setuid copy made" "the stage refuses setuid bits"
	exit 0
fi

out=$(jail --ro "$suid" -- "$suid/showid" 2>&1)
assert_match "euid stays the caller's" \
	"^ruid=$JT_UID euid=$JT_UID suid=$JT_UID$" "$out"
assert_eq "no capability in the permitted or effective set" 2 \
	"$(printf '%s\n' "$out" | grep -Ec '^Cap(Prm|Eff):[[:space:]]0+$')"
assert_match "NoNewPrivs is 1" "^NoNewPrivs:[[:space:]]1$" "$out"

# su(1) is setuid root. As root (uid 0 in the jail, no capability) it
# fails where it needs one: setgroups() without CAP_SETGID; the same su
# works outside the jail (the control). As another user, su is seen from
# beside it while it waits for a password: with the bit honoured its
# effective uid would be 0
log="$JT_HOME/setuid.jsonl"	# writable by the test user
if is_root; then
	assert_status "control: su as root works outside the jail" 0 \
		su -c true root </dev/null
	out=$(jail -- sh -c 'su -c "id -u" root </dev/null 2>&1; echo rc=$?')
	assert_eq "su as root fails for want of CAP_SETGID" \
		"$(printf 'su: cannot set groups: Operation not permitted\nrc=1')" "$out"
else
	# su_ids: su's Uid and CapEff lines while it waits for a password
	# shellcheck disable=SC2016 # expanded by the shell that runs it
	su_ids='rm -f su.in; mkfifo su.in; sleep 10 >su.in & s=$!
		su -c true root <su.in 2>/dev/null & p=$!
		i=0; while [ $i -lt 100 ] && [ "$(cat /proc/$p/comm)" != su ]; do
			sleep 0.1; i=$((i + 1)); done
		grep -E "^(Uid|CapEff):" "/proc/$p/status"; kill "$p" "$s"
		rm -f su.in'
	out=$(as_user sh -c "$su_ids" 2>&1)
	assert_match "control: outside the jail su runs with effective uid 0" \
		"Uid:[[:space:]]+${JT_UID}[[:space:]]+0[[:space:]]" "$out"
	out=$(jail -- sh -c "$su_ids" 2>&1)
	assert_match "su runs with the caller's uids, effective included" \
		"Uid:[[:space:]]+${JT_UID}[[:space:]]+${JT_UID}[[:space:]]+${JT_UID}[[:space:]]" "$out"
	assert_match "... and no capability" "CapEff:[[:space:]]+0+$" "$out"
fi
# mount(8), setuid root. As root it calls mount(), which the filter
# refuses (logged under --seccomp-log; without the filter root's call
# would fail for want of CAP_SYS_ADMIN, so the EPERM alone proves
# nothing). As another user mount(8) refuses before any call whether or
# not the bit is honoured ("must be superuser"): the call itself is tried
# directly, and refused by the filter too
rm -f "$log"
# shellcheck disable=SC2016 # expanded by the shell in the jail
out=$(jail --seccomp-log --log "$log" -- sh -c 'mkdir -p m
	mount -t tmpfs none "$PWD/m" 2>&1; echo rc=$?
	python3 -c "import ctypes, os; l = ctypes.CDLL(None, use_errno=True)
r = l.mount(b\"none\", os.getcwd().encode() + b\"/m\", b\"tmpfs\", 0, None)
print(\"mount() =\", r, os.strerror(ctypes.get_errno()))"')
if is_root; then
	assert_match "mount(8) as root: mount() refused" \
		"^mount: .*/m: permission denied\." "$out"
	assert_match "... by the filter" '"event":"syscall.deny","syscall":"mount","comm":"mount"' \
		"$(cat "$log" 2>&1)"
else
	assert_match "setuid mount(8) as another user: must be superuser" \
		"^mount: .*/m: must be superuser to use mount\.$" "$out"
fi
assert_match "mount() called directly: EPERM" \
	"^mount\(\) = -1 Operation not permitted$" "$out"
assert_match "... from the filter" '"event":"syscall.deny","syscall":"mount","comm":"python3"' \
	"$(cat "$log" 2>&1)"
rm -f "$log"
exit 0
