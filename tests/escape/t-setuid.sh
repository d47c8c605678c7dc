#!/bin/bash
# SPDX-License-Identifier: MIT
# t-setuid.sh - a setuid-root binary inside gains nothing
#
# The test makes a setuid-root copy of showid (prints ids and capability
# sets, nothing else) in a directory of its own and binds it read-only;
# no_new_privs makes execve() ignore the bit. su(1) and mount(8) from the
# read-only /usr are tried as well.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj setuid)
cd "$proj" || exit 1

suid="$STAGE/suid-$JT_USER"
rm -rf "$suid"
mkdir -p "$suid"
cp "$HELPERS/showid" "$suid/showid"
chown root:root "$suid/showid"
chmod 4755 "$suid/showid"
chmod 755 "$suid"
trap 'rm -rf "$suid"' EXIT
if [ ! -u "$suid/showid" ]; then
	t_fail "setuid copy made" "the stage refuses setuid bits"
	exit 0
fi

out=$(jail --ro "$suid" -- "$suid/showid" 2>&1)
assert_match "euid stays the caller's" \
	"^ruid=$JT_UID euid=$JT_UID suid=$JT_UID$" "$out"
assert_eq "no capability in the permitted or effective set" 2 \
	"$(printf '%s\n' "$out" | grep -Ec '^Cap(Prm|Eff):[[:space:]]0+$')"
assert_match "NoNewPrivs is 1" "^NoNewPrivs:[[:space:]]1$" "$out"

out=$(jail -- sh -c 'su -c "id -u; grep CapEff /proc/self/status" root </dev/null 2>&1; echo rc=$?')
if is_root; then
	assert_nomatch "su as root gains no capability" \
		"CapEff:[[:space:]]+0*[1-9a-f]" "$out"
else
	assert_nomatch "su does not make the caller root" "^0$" "$out"
	assert_match "su fails" "rc=[1-9]" "$out"
fi
# shellcheck disable=SC2016 # expanded by the shell in the jail
out=$(jail -- sh -c 'mkdir -p m; mount -t tmpfs none "$PWD/m" 2>&1; echo rc=$?')
assert_match "setuid mount(8) fails" "rc=[1-9]" "$out"
exit 0
