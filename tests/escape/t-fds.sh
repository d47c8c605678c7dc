#!/bin/bash
# SPDX-License-Identifier: MIT
# t-fds.sh - a host descriptor leaked into the jail's parent
#
# The test's shell opens a host file on descriptor 7 and runs jail with it
# inherited; COMMAND must not hold it unless --keep-fd 7 says so.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj fds)
cd "$proj" || exit 1

secret="$STAGE/fds-secret-$JT_USER"
echo "fd-secret-$$" >"$secret"
chmod 600 "$secret"

out=$(jprobe fd 7 7<"$secret")
assert_eq "descriptor 7 is closed inside" "fd=7 errno=EBADF" "$out"
out=$(jprobe fds 7<"$secret" 9<"$secret")
assert_eq "only 0, 1 and 2 are open" "fds=0 1 2 " "$out"
out=$(jprobe_with --keep-fd 7 -- fd 7 7<"$secret")
assert_eq "--keep-fd 7 keeps it" "fd=7 open content=fd-secret-$$" "$out"
rm -f "$secret"
exit 0
