#!/bin/bash
# SPDX-License-Identifier: MIT
# t-userns.sh - nested namespaces through unshare, clone and clone3
#
# A nested user namespace would give the command a full capability set
# over new namespaces, the first step of many kernel exploits. Without the
# filter the kernel allows it (nesting is permitted), so EPERM here comes
# from the filter. clone3 passes its flags in memory the filter cannot
# read, so it answers ENOSYS and libc falls back to clone().
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj userns)
cd "$proj" || exit 1

out=$(jprobe userns)
expect_errno "$out" unshare-newuser EPERM
expect_errno "$out" clone-newuser EPERM
expect_errno "$out" clone3-newuser ENOSYS "libc falls back to clone"
expect_ok "$out" clone-plain
for ns in newns newnet newpid newuts newipc newcgroup newtime; do
	expect_errno "$out" "unshare-$ns" EPERM
done
expect_errno "$out" setns EPERM

out=$(jail -- sh -c 'unshare -Ur id -u 2>&1; echo rc=$?')
assert_match "unshare(1) -Ur fails: Operation not permitted" \
	"Operation not permitted" "$out"
assert_match "unshare(1) -Ur exits non-zero" "rc=[1-9]" "$out"

# What must keep working: threads (clone3 -> clone fallback) and fork
out=$(jail -- python3 -c 'import threading, os
t = threading.Thread(target=lambda: print("thread"))
t.start(); t.join()
pid = os.fork()
if pid == 0: os._exit(7)
print("child", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))' 2>&1)
assert_eq "threads and fork work" "$(printf 'thread\nchild 7')" "$out"
exit 0
