#!/bin/bash
# SPDX-License-Identifier: MIT
# t-mount-api.sh - mount, umount, pivot_root, move_mount and the new mount
# API after setup
#
# Each call is made once with arguments that would fail harmlessly if it
# were allowed (a bad pointer gives EFAULT, a bad descriptor EBADF), and
# once for real on a scratch directory of the project and on the probe's
# own read-only bind. open_tree() on "/" needs no privilege at all, so its
# EPERM can only come from the filter.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj mount-api)
cd "$proj" || exit 1
mkdir scratch
chown "$JT_USER:" scratch

out=$(jprobe mounts "$proj/scratch")
for what in mount-badptr mount-tmpfs mount-bind-root mount-remount-rw \
	umount2-badptr umount2-ro-bind pivot_root move_mount open_tree fsopen \
	fsmount fsconfig fspick mount_setattr; do
	expect_errno "$out" "$what" EPERM
done
expect_errno "$out" chroot EPERM "no CAP_SYS_CHROOT"
assert_eq "nothing appeared in the scratch directory on the host" "" \
	"$(ls -A scratch)"

# The same through util-linux, as an agent would try it
# shellcheck disable=SC2016 # expanded by the shell in the jail
out=$(jail -- sh -c 'mount -t tmpfs none "$PWD/scratch" 2>&1; echo rc=$?;
	umount /proc 2>&1; echo rc=$?; grep -c " $PWD/scratch " /proc/self/mountinfo')
assert_match "mount(8) fails" "^rc=[1-9]" "$(printf '%s\n' "$out" | sed -n '/^rc=/p' | sed -n 1p)"
assert_match "umount(8) fails" "^rc=[1-9]" "$(printf '%s\n' "$out" | sed -n '/^rc=/p' | sed -n 2p)"
assert_eq "no mount on the scratch directory inside" 0 "$(printf '%s\n' "$out" | tail -1)"
exit 0
