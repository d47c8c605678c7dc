#!/bin/bash
# SPDX-License-Identifier: MIT
# t-host-time.sh - changing the hostname, the domain name or the time
#
# settimeofday(NULL, NULL) is a no-op and clock_settime() with a NULL
# time faults before any check, so an allowed call would answer 0 or
# EFAULT: EPERM is the filter's.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj host-time)
cd "$proj" || exit 1

host_before=$(hostname)
out=$(jprobe host-time)
for what in sethostname setdomainname settimeofday clock_settime \
	clock_adjtime adjtimex; do
	expect_errno "$out" "$what" EPERM
done
out=$(jail -- sh -c 'hostname evil 2>&1; echo rc=$?; hostname')
assert_match "hostname(1) fails" "rc=[1-9]" "$out"
assert_eq "the jail's hostname is still jail" jail "$(printf '%s\n' "$out" | tail -1)"
out=$(jail -- date -s '2001-01-01' 2>&1)
assert_match "date -s fails: Operation not permitted" \
	"Operation not permitted" "$out"
assert_eq "the host's hostname is unchanged" "$host_before" "$(hostname)"
exit 0
