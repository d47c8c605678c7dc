#!/bin/bash
# SPDX-License-Identifier: MIT
# t-handles.sh - file handles: name_to_handle_at and open_by_handle_at
#
# open_by_handle_at() opens an inode by number on any mount the caller can
# name, bypassing the path walk and with it every bind and mask of the view
# (the "shocker" container escape). name_to_handle_at() needs no privilege
# at all, so its EPERM can only come from the filter; the forged handle for
# inode 2 is opened read-only and closed at once.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj handles)
cd "$proj" || exit 1

out=$(jprobe handles)
expect_errno "$out" name_to_handle_at EPERM
expect_errno "$out" open_by_handle_at EPERM
exit 0
