#!/bin/bash
# SPDX-License-Identifier: MIT
# t-protected.sh - writing .git/hooks, .git/config, .jail.conf, .envrc
#
# These run on the host the next time someone uses the project outside
# the jail, so they stay read-only inside a writable project (EROFS), and
# .git cannot be renamed away from its protection (EBUSY: a mount point).
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj protected)
cd "$proj" || exit 1
as_user git init -q "$proj"
echo "# escape test" >.jail.conf
echo "export X=1" >.envrc
chown "$JT_USER:" .jail.conf .envrc
# A policy file in the project is only used once trusted
jail trust --yes "$proj/.jail.conf" >/dev/null 2>&1
sum_before=$(cat .git/config .jail.conf .envrc | sha256sum)

out=$(jprobe create "$proj/.git/hooks/pre-commit" "$proj/.git/hooks/x")
expect_errno "$out" "create $proj/.git/hooks/pre-commit" EROFS
expect_errno "$out" "create $proj/.git/hooks/x" EROFS
out=$(jprobe write "$proj/.git/config" "$proj/.jail.conf" "$proj/.envrc")
expect_errno "$out" "write $proj/.git/config" EROFS
expect_errno "$out" "write $proj/.jail.conf" EROFS
expect_errno "$out" "write $proj/.envrc" EROFS
out=$(jprobe rename "$proj/.git" "$proj/.gitx")
expect_errno "$out" "rename $proj/.git $proj/.gitx" EBUSY
out=$(jprobe rename "$proj/.git/hooks" "$proj/.git/hooksx")
expect_errno "$out" "rename $proj/.git/hooks $proj/.git/hooksx" EBUSY

assert_eq "no hook appeared on the host" "" \
	"$(find .git/hooks -mindepth 1 ! -name '*.sample')"
assert_eq "config, .jail.conf and .envrc are unchanged on the host" \
	"$sum_before" "$(cat .git/config .jail.conf .envrc | sha256sum)"
if [ -e .gitx ]; then
	t_fail ".git was not renamed" ".gitx exists"
else
	t_pass ".git was not renamed"
fi
# The rest of the project stays writable
out=$(jprobe create "$proj/ordinary-file")
expect_ok "$out" "create $proj/ordinary-file"
exit 0
