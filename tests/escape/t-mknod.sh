#!/bin/bash
# SPDX-License-Identifier: MIT
# t-mknod.sh - a block or character device node in the writable project
#
# The kernel refuses device nodes without CAP_MKNOD; Landlock refuses them
# first (device creation is granted nowhere), so the answer is EACCES
# where the kernel has Landlock, EPERM where it does not.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj mknod)
cd "$proj" || exit 1
mkdir scratch
chown "$JT_USER:" scratch

abi=$(jprobe status | sed -n 's/^landlock-abi=//p')
want=EPERM
[ "${abi:-0}" -gt 0 ] && want=EACCES
out=$(jprobe mknod "$proj/scratch")
expect_errno "$out" mknod-block "$want"
expect_errno "$out" mknod-char "$want"
assert_match "no block device inside" "^block-exists=no$" "$out"
assert_match "no char device inside" "^char-exists=no$" "$out"
assert_eq "no node on the host" "" "$(ls -A scratch)"
exit 0
