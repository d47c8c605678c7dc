#!/bin/bash
# SPDX-License-Identifier: MIT
# t-hints.sh - a refused user namespace is explained in one line with what
# to do (the cases this machine can show; the others are unit-tested)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

proj=$(mkproj hints)
cd "$proj" || exit 1

# jail inside a jail: the inner clone(CLONE_NEWUSER) meets the outer filter
err=$(jail -- "$JAIL" -- true 2>&1 >/dev/null); rc=$?
assert_eq "jail inside a jail is exit 125" 125 "$rc"
assert_match "jail inside a jail says why and what to do, in one line" \
	"^jail: user namespaces: creation refused by the kernel \(EPERM\); already inside a jail, whose seccomp filter refuses new user namespaces; run jail outside it$" \
	"$err"
assert_eq "... exactly one line" 1 "$(printf '%s\n' "$err" | wc -l)"
exit 0
