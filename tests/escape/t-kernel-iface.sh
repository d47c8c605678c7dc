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
# personality(): only harmless values
expect_ok "$out" personality-query
expect_errno "$out" personality-read-implies-exec EPERM
expect_errno "$out" personality-read-implies-exec-hi EPERM "low 32 bits compared"
expect_errno "$out" personality-mmap-page-zero EPERM
expect_ok "$out" personality-addr-no-randomize
expect_ok "$out" personality-linux
exit 0
