#!/bin/bash
# SPDX-License-Identifier: MIT
# t-gitwork.sh - ordinary git work inside the jail keeps working with the
# git dirs private, and its result is what host git sees afterwards
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gitlib.sh"

newrepo()
{
	local d
	d=$(mkproj "$1")
	u git init -q -b main "$d"
	hgit -C "$d" commit -q --allow-empty -m init
	echo "$d"
}

# The work every kind of repository gets: commit, amend, branch,
# checkout, merge, rebase -i, cherry-pick, stash, gc
WORK='set -e
	echo a >a; git add a; git commit -qm one
	echo b >>a; git commit -qam two
	git commit -q --amend -m two-amended
	git checkout -qb side; echo s >s; git add s; git commit -qm side
	git checkout -q -; git merge -q --no-edit side
	echo c >c; git add c; git commit -qm three
	echo d >d; git add d; git commit -qm four
	GIT_SEQUENCE_EDITOR="sed -i 1s/^pick/drop/" git rebase -qi HEAD~2
	git checkout -q side; echo p >p; git add p; git commit -qm pick-me
	git checkout -q -; git cherry-pick side >/dev/null
	echo dirty >>a; git stash -q; git stash list | wc -l
	git gc -q 2>/dev/null || true
	git status --porcelain | grep -v "^??" | wc -l
	echo ok'

# check NAME DIR BRANCH: host git sees the work done inside
check()
{
	local name=$1 dir=$2 br=$3 log
	log=$(u git -C "$dir" log --format=%s "$br" 2>&1 | tr '\n' ' ')
	assert_eq "$name: host git sees the commits" \
		"pick-me four side two-amended one init " "$log"
	assert_eq "$name: host HEAD is the branch" "$br" \
		"$(u git -C "$dir" rev-parse --abbrev-ref HEAD 2>&1)"
	assert_eq "$name: host index and tree are clean" "" \
		"$(u git -C "$dir" status --porcelain --untracked-files=no 2>&1)"
	assert_eq "$name: the stash is there" "1" \
		"$(u git -C "$dir" stash list 2>/dev/null | wc -l)"
	assert_eq "$name: fsck is clean" "" \
		"$(u git -C "$dir" fsck --no-dangling 2>&1 | grep -v '^Checking')"
	hgit -C "$dir" commit -q --allow-empty -m host-after
	assert_eq "$name: host git commits afterwards" "host-after" \
		"$(u git -C "$dir" log -1 --format=%s 2>&1)"
}

# A plain repository
p=$(newrepo plain)
cd "$p" || exit 1
out=$(jg -- sh -c "$WORK" 2>&1)
assert_match "plain: the work ran inside" "^1.0.ok$" "$(printf '%s' "$out" | tr '\n' '.')"
check "plain" "$p" main

# A linked worktree (its git dir and the main one's common dir)
main=$(newrepo wtmain)
wt=$(mkproj wtlinked)
hgit -C "$main" worktree add -q -b wtb "$wt" 2>/dev/null
cd "$wt" || exit 1
out=$(jg -- sh -c "$WORK" 2>&1)
assert_match "worktree: the work ran inside" "^1.0.ok$" "$(printf '%s' "$out" | tr '\n' '.')"
assert_eq "worktree: the main repository sees the branch" "pick-me" \
	"$(u git -C "$main" log -1 --format=%s wtb 2>&1)"
check "worktree" "$wt" wtb

# A repository with a submodule: work in both
sub=$(newrepo subsrc)
p=$(newrepo withsub)
cd "$p" || exit 1
hgit -c protocol.file.allow=always submodule -q add "$sub" sub 2>/dev/null
hgit commit -qm addsub
out=$(jg -- sh -c 'cd sub && git checkout -qb work && '"$WORK"' >/dev/null &&
	cd .. && git add sub && git commit -qm bump && echo bumped' 2>&1)
assert_match "submodule: work inside it and a bump outside" "bumped" "$out"
check "submodule" "$p/sub" work
assert_eq "submodule: the superproject's commit landed" "bump" \
	"$(u git -C "$p" log -1 --format=%s 2>&1)"

# Fetch and pull from a local remote bound read-only
up=$(newrepo upstream)
p=$(mkproj clone)
u git clone -q "$up" "$p"
hgit -C "$up" commit -q --allow-empty -m upstream-new
cd "$p" || exit 1
out=$(jg --ro "$up" -- sh -c 'git fetch -q && git pull -q --ff-only && echo pulled' 2>&1)
assert_match "fetch and pull from a read-only local remote" "pulled" "$out"
assert_eq "pull: host git sees the fetched commit" "upstream-new" \
	"$(u git -C "$p" log -1 --format=%s 2>&1)"
assert_eq "fetch: FETCH_HEAD copied back" "1" \
	"$(grep -c . "$p/.git/FETCH_HEAD" 2>/dev/null)"

# The placeholders of absent protected paths (.claude, .envrc, ...) are
# no new files to git inside: `git add -A` commits none of them, so their
# removal at exit shows as nothing on the host
p=$(newrepo placeholders)
cd "$p" || exit 1
out=$(jg -- sh -c 'git status --porcelain; echo x >real; git add -A;
	git commit -qm inside; git show --name-only --format= HEAD' 2>&1)
assert_eq "placeholders: git inside sees only the new file" "real" "$out"
assert_eq "placeholders: host git status is clean after the run" "" \
	"$(u git -C "$p" status --porcelain 2>&1)"

# A merge left in conflict inside is a merge in conflict on the host
p=$(newrepo conflict)
cd "$p" || exit 1
u sh -c 'echo base >f'; hgit add f; hgit commit -qm base
hgit checkout -qb other; u sh -c 'echo other >f'; hgit commit -qam other
hgit checkout -q main; u sh -c 'echo mine >f'; hgit commit -qam mine
jg -- sh -c 'git merge -q other >/dev/null 2>&1; test -f .git/MERGE_HEAD && echo conflicted' >/dev/null 2>&1
assert_status "conflict: MERGE_HEAD is on the host" 0 test -f "$p/.git/MERGE_HEAD"
u sh -c 'echo resolved >f'
hgit add f
hgit commit -q --no-edit
assert_eq "conflict: the host concludes the merge" "2" \
	"$(u git -C "$p" log -1 --format=%p | wc -w)"
exit 0
