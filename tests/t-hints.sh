#!/bin/bash
# SPDX-License-Identifier: MIT
# t-hints.sh - a refused user namespace is explained in one line with what
# to do (the cases this machine can show; the others are unit-tested)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

proj=$(mkproj hints)
cd "$proj" || exit 1

# jail inside a jail: the inner jail's first safe lookup, openat2(), meets
# the outer filter (which refuses it: its mode cannot be inspected)
err=$(jail -- "$JAIL" -- true 2>&1 >/dev/null); rc=$?
assert_eq "jail inside a jail is exit 125" 125 "$rc"
assert_match "jail inside a jail says why and what to do, in one line" \
	"^jail: openat2: refused \(ENOSYS\); already inside a jail, or another sandbox whose seccomp filter refuses it; run jail outside it$" \
	"$err"
assert_eq "... exactly one line" 1 "$(printf '%s\n' "$err" | wc -l)"
exit 0
