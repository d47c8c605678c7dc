#!/bin/bash
# SPDX-License-Identifier: MIT
# t-probe.sh - the probe refuses to run outside a jail, and runs inside one
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj probe)
cd "$proj" || exit 1

out=$(as_user "$PROBE" status 2>&1)
rc=$?
assert_eq "probe refuses on the host (exit 2)" 2 "$rc"
assert_match "the refusal says why" "refusing to run outside a jail" "$out"

# Faking the variable is not enough: pid 1 and the hostname are checked too
JT_EXTRA_ENV=(JAIL=1)
out=$(as_user "$PROBE" mounts "$proj" 2>&1)
rc=$?
unset JT_EXTRA_ENV
assert_eq "probe refuses on the host with JAIL=1 set" 2 "$rc"
assert_match "no attempt was made before the refusal" \
	"^probe: refusing to run outside a jail: pid 1 is not jail-init$" "$out"

out=$(jprobe status)
assert_match "probe runs inside a jail" "^Seccomp=2$" "$out"
exit 0
