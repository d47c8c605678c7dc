#!/bin/bash
# SPDX-License-Identifier: MIT
# gitlib.sh - what the tests of the hand-off and of git work inside share:
# the test user's git on the host, a jail with a fixed identity, a new
# repository, the check that the planted command did not run, the
# supervisor of a jail started in the background. Sourced after lib.sh.
# shellcheck shell=bash disable=SC2034,SC2154 # ID, sup: used by the sourcing
# test, which sets marker and bg

u() { as_user "$@"; }
ID=(--env GIT_AUTHOR_NAME=t --env GIT_AUTHOR_EMAIL=t@t
	--env GIT_COMMITTER_NAME=t --env GIT_COMMITTER_EMAIL=t@t)
jg() { jail --net none "${ID[@]}" "$@"; }
hgit() { u git -c user.name=h -c user.email=h@h "$@"; }

# host_check NAME DIR: host git status and commit in DIR work, and the
# file the planted command would leave ($marker) is absent
host_check()
{
	local name=$1 dir=$2 st cm
	st=$(hgit -C "$dir" status --porcelain 2>&1); local rs=$?
	cm=$(hgit -C "$dir" commit -q --allow-empty -m host 2>&1); local rc=$?
	if [ -e "$marker" ]; then
		t_fail "$name: nothing runs on the host" "the planted command ran"
		rm -f "$marker"
	elif [ $rs -ne 0 ] || [ $rc -ne 0 ]; then
		t_fail "$name: nothing runs on the host" "host git failed: $st $cm"
	else
		t_pass "$name: nothing runs on the host, host git works"
	fi
}

newrepo()
{
	local d
	d=$(mkproj "$1")
	u git init -q "$d"
	hgit -C "$d" commit -q --allow-empty -m init
	echo "$d"
}

# find_sup: set sup to the supervisor of the jail started in the
# background as $bg (as_user is a function: the supervisor is below the
# background subshell)
find_sup()
{
	local q=$bg i
	for i in 1 2 3 4; do
		[ "$(cat "/proc/$q/comm" 2>/dev/null)" = jail ] && { sup=$q; return 0; }
		q=$(pgrep -P "$q" | head -1)
		[ -n "$q" ] || return 1
	done
	return 1
}

# is_gone PID: no such process, or only its exit status is left (the
# keeper of a killed supervisor is reaped by whoever adopted it)
is_gone()
{
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}
