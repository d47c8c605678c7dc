#!/bin/bash
# SPDX-License-Identifier: MIT
# t-kernel-iface.sh - keyrings, bpf, perf, userfaultfd, io_uring, kexec,
# modules and other machine-wide interfaces
#
# Arguments are chosen so that an allowed call fails harmlessly (bad
# pointers, closed descriptors, flags no kernel accepts) or only reads
# (KEYCTL_GET_KEYRING_ID, SYSLOG_ACTION_SIZE_BUFFER); keyctl, userfaultfd
# with UFFD_USER_MODE_ONLY and perf_event_open need no privilege, so EPERM
# there is the filter's.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj kernel-iface)
cd "$proj" || exit 1

out=$(jprobe kernel)
for what in keyctl add_key request_key bpf perf_event_open userfaultfd \
	io_uring_setup io_uring_enter io_uring_register kexec_load \
	kexec_file_load init_module finit_module delete_module swapon swapoff \
	reboot acct iopl ioperm syslog quotactl lookup_dcookie; do
	expect_errno "$out" "$what" EPERM
done
# reboot, acct, swapon/swapoff, syslog, kexec_*, the module calls, iopl,
# ioperm, quotactl and lookup_dcookie answer EPERM to an unprivileged
# caller with no filter at all: that the filter refuses them is shown by
# its own notification. Under --seccomp-log every EPERM rule of the same
# filter notifies the supervisor, which logs syscall.deny NAME
log="$JT_HOME/kernel-iface.jsonl"	# writable by the test user
rm -f "$log"
out=$(jprobe_with --seccomp-log --log "$log" -- kernel)
denied=$(sed -n 's/.*"event":"syscall.deny","syscall":"\([a-z_0-9]*\)".*/\1/p' "$log" 2>/dev/null | sort -u)
for what in kexec_load kexec_file_load init_module finit_module \
	delete_module swapon swapoff reboot acct iopl ioperm syslog quotactl \
	lookup_dcookie; do
	expect_errno "$out" "$what" EPERM "under --seccomp-log"
	assert_match "$what: refused by the filter (syscall.deny)" "^$what\$" "$denied"
done
rm -f "$log"
# personality(): only harmless values
expect_ok "$out" personality-query
expect_errno "$out" personality-read-implies-exec EPERM
expect_errno "$out" personality-read-implies-exec-hi EPERM "low 32 bits compared"
expect_errno "$out" personality-mmap-page-zero EPERM
expect_ok "$out" personality-addr-no-randomize
expect_ok "$out" personality-linux
exit 0
