#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/escape/common.sh - shared by the escape tests
#
# Each tests/escape/t-*.sh tries one family of techniques for real from
# inside a jail, through the static probe (tests/helpers/probe.c), and
# asserts that it failed for the right reason. The probe refuses to run
# outside a jail, and every attempt is harmless even if the fence it tests
# were missing (see probe.c).
#
# The helpers live under $STAGE, which is /var/tmp on the host: inside the
# jail /var/tmp is a fresh tmpfs, so they are bound read-only at the same
# path.

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"


# jprobe SUBCOMMAND [ARG]...: run the probe in a default jail
jprobe()
{
	jail --ro "$HELPERS" -- "$PROBE" "$@" 2>&1
}

# result OUTPUT WHAT: the probe's line for attempt WHAT, e.g. "mount errno=EPERM"
result()
{
	printf '%s\n' "$1" | awk -v p="$2 " 'index($0, p) == 1 { print; exit }'
}

# expect_errno OUTPUT WHAT ERRNO [WHY]: attempt WHAT failed with ERRNO
expect_errno()
{
	assert_eq "$2: $3${4:+ ($4)}" "$2 errno=$3" "$(result "$1" "$2")"
}

# expect_ok OUTPUT WHAT: attempt WHAT worked (what must keep working)
expect_ok()
{
	assert_eq "$2: works" "$2 ok" "$(result "$1" "$2")"
}

# is_root: jail runs as root in this pass
is_root()
{
	[ "$JT_UID" = 0 ]
}
