#!/bin/bash
# SPDX-License-Identifier: MIT
# t-landlock.sh - the Landlock fence is active and leaves the writable
# binds writable
#
# Proofs that a Landlock domain applies, each a case the other layers
# allow (mknod of a device, refused with EACCES before the capability
# check, is in t-mknod.sh):
#  - signal 0 to pid 1 (same uid, same pid namespace) is allowed by the
#    kernel: EPERM means signals are scoped to the domain (ABI 6);
#  - with --net host the jail shares the host's network namespace, so the
#    host's abstract sockets are reachable but for the abstract-socket
#    scope (ABI 6): EPERM.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj landlock)
cd "$proj" || exit 1

out=$(jprobe landlock)
abi=$(printf '%s\n' "$out" | sed -n 's/^landlock-abi=//p')
if [ "${abi:-0}" -ge 1 ] 2>/dev/null; then
	t_pass "the kernel offers Landlock inside (ABI $abi)"
else
	t_fail "the kernel offers Landlock inside" "landlock-abi=[$abi]"
fi
# The jail's procfs is mounted read-only: its own files refuse writes first
expect_errno "$out" "open-write /proc/self/comm" EROFS "read-only procfs"
expect_errno "$out" "open-write /proc/self/attr/current" EROFS "read-only procfs"
if [ "${abi:-0}" -ge 6 ] 2>/dev/null; then
	expect_errno "$out" kill-pid1-sig0 EPERM "signals scoped"
else
	expect_errno "$out" kill-pid1-sig0 EPERM "pid 1 ignores unhandled signals"
fi
assert_match "the view's root takes no new file" \
	"^create /probe-root-file errno=(EACCES|EROFS)$" "$out"

# What must stay writable: the project, /tmp, /var/tmp, /run, $HOME,
# /dev/shm, /dev/null, the tty, --rw and --tmpfs paths
extra="$STAGE/landlock-rw-$JT_USER"
rm -rf "$extra"
mkdir -p "$extra" "$proj/tmpfs"
chown "$JT_USER:" "$extra" "$proj/tmpfs"
# shellcheck disable=SC2016 # expanded by the shell in the jail
out=$(jail --rw "$extra" --tmpfs "$proj/tmpfs" -- sh -c '
	for d in "$PWD" /tmp /var/tmp /run "$HOME" /dev/shm "$0" "$1"; do
		mkdir "$d/lldir" && echo x >"$d/lldir/f" && mv "$d/lldir/f" "$d/lldir/g" &&
			ln -s g "$d/lldir/l" && mkfifo "$d/lldir/p" && : >"$d/lldir/g" &&
			rm -r "$d/lldir" && echo "ok $d" || echo "FAIL $d"
	done
	echo x >/dev/null && echo "ok /dev/null"' "$extra" "$proj/tmpfs" 2>&1)
for d in "$proj" /tmp /var/tmp /run "$JT_HOME" /dev/shm "$extra" "$proj/tmpfs" /dev/null; do
	if printf '%s\n' "$out" | grep -Fqx "ok $d"; then
		t_pass "writable inside: $d"
	else
		t_fail "writable inside: $d" "$(printf '%s\n' "$out" | grep -F "$d" | head -3)"
	fi
done
rm -rf "$extra"

# A terminal opened after the fence keeps its ioctls (device ioctls are
# granted beneath /dev)
out=$(in_script "stty rows 21 cols 77; $JAIL -- sh -c 'stty size </dev/tty'")
assert_eq "ioctl on a newly opened /dev/tty works" "21 77" "$out"

# Abstract sockets of the host's network namespace (--net host)
name="jtll-$$-$RANDOM"
ready="$JT_HOME/ll-$$.ready"
rm -f "$ready"
as_user python3 - "$name" "$ready" <<'PY' 2>/dev/null &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + sys.argv[1])
s.listen(8)
s.settimeout(60)
with open(sys.argv[2], "w") as f:
    f.write(str(os.getpid()))
try:
    while True:
        c, _ = s.accept()
        c.close()
except socket.timeout:
    pass
PY
disown
wait_until 10 test -s "$ready"
lpid=$(cat "$ready" 2>/dev/null)
trap '[ -n "$lpid" ] && kill "$lpid" 2>/dev/null; rm -f "$ready"' EXIT
out=$(jprobe_with --net host -- connect-abstract "$name")
if [ "${abi:-0}" -ge 6 ] 2>/dev/null; then
	expect_errno "$out" connect-abstract EPERM "abstract sockets scoped"
else
	t_fail "abstract sockets scoped" "kernel Landlock ABI $abi < 6"
fi
exit 0
