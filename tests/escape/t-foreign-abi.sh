#!/bin/bash
# SPDX-License-Identifier: MIT
# t-foreign-abi.sh - i386 (int 0x80) and x32 system calls
#
# Syscall numbers differ per ABI, so a filter written for x86_64 would not
# apply to them: the whole process is killed with SIGSYS instead. The
# probe makes each call (getpid) in a child that cannot dump core.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj foreign-abi)
cd "$proj" || exit 1

out=$(jprobe abi)
assert_match "i386 getpid through int 0x80 is killed by SIGSYS" \
	"^i386 killed=SIGSYS$" "$out"
assert_match "x32 getpid (nr | 0x40000000) is killed by SIGSYS" \
	"^x32 killed=SIGSYS$" "$out"
assert_nomatch "no core file was left behind" "core" "$(ls "$proj")"
exit 0
