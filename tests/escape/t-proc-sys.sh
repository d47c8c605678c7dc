#!/bin/bash
# SPDX-License-Identifier: MIT
# t-proc-sys.sh - writes to /proc/sys, /proc/sysrq-trigger and /sys
#
# Files are only opened for writing, never written. These files are owned
# by root: a root caller (uid 0 inside maps to the host's root) passes the
# permission bits and is stopped by the read-only mount (EROFS), an
# unprivileged caller by the permission bits (EACCES). Landlock would
# refuse both as a third fence.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj proc-sys)
cd "$proj" || exit 1

want=EACCES
is_root && want=EROFS
out=$(jprobe proc-write)
expect_errno "$out" "open-write /proc/sys/vm/drop_caches" "$want"
expect_errno "$out" "open-write /proc/sys/kernel/core_pattern" "$want"
if [ -e /proc/sysrq-trigger ]; then
	expect_errno "$out" "open-write /proc/sysrq-trigger" "$want"
else
	# This kernel has no magic SysRq: the file is absent inside too
	assert_match "open-write /proc/sysrq-trigger: absent as on the host" \
		"^absent /proc/sysrq-trigger$" "$out"
fi
n=0
while read -r line; do
	f=${line#open-write }
	f=${f%% *}
	expect_errno "$out" "open-write $f" "$want"
	n=$((n + 1))
done < <(printf '%s\n' "$out" | grep '^open-write /sys/')
if [ "$n" -gt 0 ]; then
	t_pass "at least one /sys file was tried ($n)"
else
	t_fail "at least one /sys file was tried" "none present: $out"
fi
expect_errno "$out" "create /sys/probe-new" EROFS
assert_match "/sys is mounted read-only" "^statvfs /sys ro=yes$" "$out"
assert_match "/proc/sys is mounted read-only" "^statvfs /proc/sys ro=yes$" "$out"
exit 0
