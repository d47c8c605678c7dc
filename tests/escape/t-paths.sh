#!/bin/bash
# SPDX-License-Identifier: MIT
# t-paths.sh - symlinks and ".." through the project toward host files
#
# The host holds a key under the caller's home and a file next to the
# project; the project holds symlinks to both and a symlink that climbs
# far above the root. Inside, every route must end in ENOENT (or EACCES
# through pid 1's root) and no byte of either file may show.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj paths)
cd "$proj" || exit 1

mark1="ssh-key-$$-$RANDOM"
mark2="next-door-$$-$RANDOM"
mkdir -p "$JT_HOME/.ssh"
echo "$mark1" >"$JT_HOME/.ssh/id_rsa"
chown -R "$JT_USER:" "$JT_HOME/.ssh"
chmod 700 "$JT_HOME/.ssh"
chmod 600 "$JT_HOME/.ssh/id_rsa"
outside="$STAGE/outside-$JT_USER"
mkdir -p "$outside"
echo "$mark2" >"$outside/secret.txt"
chmod 755 "$outside"
chmod 644 "$outside/secret.txt"
ln -s "$JT_HOME/.ssh/id_rsa" key
ln -s "$outside/secret.txt" next
ln -s ../../../../../../../../../../.. up
chown -h "$JT_USER:" key next up

dots=../../../../../../../../../../../..
out=$(jprobe read "$proj/key" "$proj/next" "$proj/up$outside/secret.txt" \
	"$dots$outside/secret.txt" "/proc/self/cwd/$dots$outside/secret.txt" \
	"$JT_HOME/.ssh/id_rsa" "/proc/1/root$outside/secret.txt" \
	"/proc/self/root$outside/secret.txt")
expect_errno "$out" "read $proj/key" ENOENT "home is a fresh tmpfs"
expect_errno "$out" "read $proj/next" ENOENT "not in the view"
expect_errno "$out" "read $proj/up$outside/secret.txt" ENOENT
expect_errno "$out" "read $dots$outside/secret.txt" ENOENT
expect_errno "$out" "read /proc/self/cwd/$dots$outside/secret.txt" ENOENT
expect_errno "$out" "read $JT_HOME/.ssh/id_rsa" ENOENT
expect_errno "$out" "read /proc/1/root$outside/secret.txt" EACCES
expect_errno "$out" "read /proc/self/root$outside/secret.txt" ENOENT
assert_nomatch "no byte of either host file shows" "$mark1|$mark2" "$out"

# Walking up ends in the jail's own root: it lists what / lists inside the
# same jail, which is not what the host's / lists (the control)
out=$(jprobe walkup)
assert_match "walking up with .. stops at the jail's root" \
	"^walkup cwd=/$" "$out"
walk=$(printf '%s\n' "$out" | sed -n 's/^walkup entries=//p' | tr ' ' '\n' |
	grep . | LC_ALL=C sort | paste -sd ' ')
jroot=$(jail --ro "$HELPERS" -- ls / | LC_ALL=C sort | paste -sd ' ')
assert_eq "the directory reached lists the jail's root" "$jroot" "$walk"
assert_nomatch "control: the host's root lists otherwise" "^$jroot$" \
	"$(find / -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' | LC_ALL=C sort | paste -sd ' ')"
exit 0
