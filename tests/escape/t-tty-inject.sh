#!/bin/bash
# SPDX-License-Identifier: MIT
# t-tty-inject.sh - TIOCSTI and TIOCLINUX on every descriptor and /dev/tty
#
# Both requests are refused by the filter on the low 32 bits of the request
# (CVE-2019-10063: with 1<<32 set, a 64-bit comparison is bypassed while
# the kernel still sees TIOCSTI). Descriptor 999 is closed: an allowed
# ioctl would answer EBADF there, so EPERM shows the filter answered.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj tty-inject)
cd "$proj" || exit 1

check_fd()
{
	local out=$1 fd=$2 req
	for req in tiocsti tiocsti-hi tioclinux tioclinux-hi; do
		expect_errno "$out" "$req fd=$fd" EPERM
	done
}

# Without a terminal: stdio passes through, COMMAND is in a new session
out=$(jprobe tiocsti </dev/null)
for fd in 0 1 2 999; do
	check_fd "$out" "$fd"
done
expect_errno "$out" "open /dev/tty" ENXIO "no controlling terminal"

# With a terminal: COMMAND gets the jail's own pty as stdio and /dev/tty
out=$(in_script "$JAIL --ro $HELPERS -- $PROBE tiocsti")
expect_ok "$out" "open /dev/tty"
for fd in 0 1 2 tty 999; do
	check_fd "$out" "$fd"
done
assert_nomatch "no injection request worked on any descriptor" \
	"^tio[a-z-]+ fd=[^ ]+ ok" "$out"
exit 0
