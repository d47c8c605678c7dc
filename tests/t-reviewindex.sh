#!/bin/bash
# SPDX-License-Identifier: MIT
# t-reviewindex.sh - --review and what git would commit next: a change to
# a protected path staged inside but not committed (git rm --cached, a
# new .envrc, a hook under core.hooksPath written straight into the
# index), or committed inside a submodule or named by a gitlink, or on a
# linked worktree's detached HEAD, is named in the summary, and
# apply holds the index and refs back unless asked (--protected); host
# git then commits nothing protected and the planted command never runs.
# An ordinary staged change lands; a corrupted index is held, at once.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

hgit() { as_user git -c user.name=h -c user.email=h@h -c safe.directory='*' "$@"; }
G='git -c user.name=t -c user.email=t@t'
state="$JT_HOME/.local/state/jail/review"

# The planted command leaves this file, which the jail cannot see: it
# can only appear if a host tool ran the command
marker="$JT_HOME/PWNED-index"
rm -f "$marker"
evil="#!/bin/sh
touch $marker"

# fresh NAME: a project with a committed .envrc and core.hooksPath .husky
# (holding a committed README), nothing staged
fresh()
{
	local p
	p=$(mkproj "$1")
	(cd "$p" && hgit init -q -b master . &&
		as_user sh -c 'echo 1 >f1; echo 2 >f2; echo "export X=1" >.envrc
			mkdir .husky && echo hooks >.husky/README' &&
		hgit add -A && hgit commit -qm init &&
		hgit config core.hooksPath .husky)
	echo "$p"
}

# stage_blob PATH: inside, the planted script staged at PATH, no file
# written (protected paths cannot be created; the index can be)
stage_blob()
{
	printf '%s' "b=\$(printf '%s\n' '$evil' | git hash-object -w --stdin) &&
		git update-index --add --cacheinfo 100755,\$b,$1"
}

# host_after NAME PATH: after apply held the index: nothing staged at
# PATH on the host, host git commit commits nothing there, and what the
# host then checks out runs nothing
host_after()
{
	local name=$1 path=$2 rc
	assert_eq "$name: host git diff --cached shows nothing protected" "" \
		"$(hgit diff --cached --name-only -- "$path")"
	hgit status >/dev/null 2>&1; rc=$?
	assert_eq "$name: host git status works" 0 "$rc"
	hgit commit -q --allow-empty -m host >/dev/null 2>&1; rc=$?
	assert_eq "$name: host git commit works" 0 "$rc"
	assert_eq "$name: the host's commit has no change at $path" "" \
		"$(hgit diff --name-only HEAD~1 HEAD -- "$path")"
	# Whatever is now in the tree runs for the next commit's hooks
	hgit reset -q --hard >/dev/null 2>&1
	hgit commit -q --allow-empty -m again >/dev/null 2>&1
	assert_status "$name: the planted command never ran" 1 test -e "$marker"
	rm -f "$marker"
}

# (a) git rm --cached .envrc: staged, not committed
proj=$(fresh ridx-rm)
cd "$proj" || exit 1
err=$(jail --review=keep --net none -- sh -c \
	"echo changed >f1 && git rm -q --cached .envrc" 2>&1)
id=$(review_id "$err")
assert_match "rm --cached: the summary names it" \
	"^  ! index \(staged, not committed\) deletes protected .envrc" "$err"
assert_match "rm --cached: the index is held, one line says why" \
	"\".git\": not applying its refs, HEAD, index and logs unless asked for: the index deletes protected .envrc" "$err"
out=$(as_user "$JAIL" review "$id" apply 2>&1); rc=$?
assert_eq "rm --cached: apply exits 0" 0 "$rc"
assert_match "rm --cached: apply says it kept the index" \
	"skipped its refs, HEAD, index and logs \(objects applied\): the index deletes protected .envrc" "$out"
assert_eq "rm --cached: the work tree change landed" changed "$(cat f1)"
assert_eq "rm --cached: .envrc still tracked on the host" .envrc \
	"$(hgit ls-files .envrc)"
host_after "rm --cached" .envrc
assert_eq "rm --cached: .envrc still in the host's last commit" .envrc \
	"$(hgit ls-tree --name-only HEAD .envrc)"
as_user "$JAIL" review "$id" discard >/dev/null 2>&1

# (b) a new .envrc staged (the file itself cannot be created)
proj=$(fresh ridx-new)
cd "$proj" || exit 1
hgit rm -q .envrc && hgit commit -qm "no envrc"
err=$(jail --review=keep --net none -- sh -c "$(stage_blob .envrc)" 2>&1)
id=$(review_id "$err")
assert_match "new .envrc: the summary names it" \
	"^  ! index \(staged, not committed\) adds protected .envrc" "$err"
as_user "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "new .envrc: not tracked on the host" "" "$(hgit ls-files .envrc)"
host_after "new .envrc" .envrc
assert_status "new .envrc: absent from the host's tree" 1 test -e .envrc
as_user "$JAIL" review "$id" discard >/dev/null 2>&1

# (c) a hook staged under core.hooksPath; --protected lands it when asked
proj=$(fresh ridx-hook)
cd "$proj" || exit 1
err=$(jail --review=keep --net none -- sh -c "$(stage_blob .husky/pre-commit)" 2>&1)
id=$(review_id "$err")
assert_match "hook: the summary names it" \
	"^  ! index \(staged, not committed\) adds protected .husky/pre-commit" "$err"
as_user "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "hook: not staged on the host" "" "$(hgit ls-files .husky/pre-commit)"
host_after "hook" .husky
assert_status "hook: no hook in the host's tree" 1 test -e .husky/pre-commit
as_user "$JAIL" review "$id" discard >/dev/null 2>&1
err=$(jail --review=keep --net none -- sh -c "$(stage_blob .husky/pre-commit)" 2>&1)
id=$(review_id "$err")
out=$(as_user "$JAIL" review "$id" apply --protected 2>&1); rc=$?
assert_eq "hook --protected: apply exits 0" 0 "$rc"
assert_nomatch "hook --protected: nothing held" "skipped its refs" "$out"
assert_eq "hook --protected: staged on the host, as asked" .husky/pre-commit \
	"$(hgit diff --cached --name-only)"
hgit reset -q

# (d) an ordinary staged change lands, with nothing held
err=$(jail --review=keep --net none -- sh -c "echo staged >f2 && git add f2" 2>&1)
id=$(review_id "$err")
assert_nomatch "ordinary: nothing held" "not applying its refs" "$err"
assert_nomatch "ordinary: no index line" "! index" "$err"
as_user "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "ordinary: staged on the host" f2 "$(hgit diff --cached --name-only)"
hgit commit -qm "ordinary" >/dev/null 2>&1
assert_eq "ordinary: host git commit commits it" staged "$(hgit show HEAD:f2)"

# (e) a corrupted index (a byte of stat data changed: the checksum is
# wrong) is held with one clear line, at once
start=$(date +%s)
err=$(jail --review=keep --net none -- sh -c "echo c >f1 && git add f1 &&
	printf Z | dd of=.git/index bs=1 seek=20 conv=notrunc 2>/dev/null" 2>&1)
id=$(review_id "$err")
assert_eq "corrupt index: the summary took seconds at most" yes \
	"$([ $(($(date +%s) - start)) -lt 30 ] && echo yes || echo no)"
assert_match "corrupt index: one clear line" \
	"^  ! the index could not be read \(its checksum is wrong\)" "$err"
assert_match "corrupt index: held" \
	"\".git\": not applying its refs, HEAD, index and logs unless asked for: the index could not be read \(its checksum is wrong\)" "$err"
as_user "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "corrupt index: the host's index is its own" "" \
	"$(hgit diff --cached --name-only)"
hgit status >/dev/null 2>&1; rc=$?
assert_eq "corrupt index: host git status works" 0 "$rc"
as_user "$JAIL" review "$id" discard >/dev/null 2>&1

# (f) a commit inside a submodule that adds .envrc to it
sub=$(mkproj ridx-subsrc)
(cd "$sub" && hgit init -q -b master . && as_user sh -c 'echo s >s' &&
	hgit add -A && hgit commit -qm sub)
proj=$(fresh ridx-withsub)
cd "$proj" || exit 1
hgit -c protocol.file.allow=always submodule -q add "$sub" sub 2>/dev/null
hgit commit -qm addsub
before=$(hgit -C sub rev-parse HEAD)
err=$(jail --review=keep --net none -- sh -c "cd sub && $(stage_blob .envrc) &&
	$G commit -qm 'sub envrc'" 2>&1)
id=$(review_id "$err")
assert_match "submodule: its git dir is walked" "^  submodule sub:" "$err"
assert_match "submodule: its new commit is listed" \
	"^    [0-9a-f]{7} sub envrc" "$err"
assert_match "submodule: the commit is named" \
	"^  ! commit [0-9a-f]{7} \"sub envrc\" adds protected .envrc" "$err"
assert_match "submodule: held, one line says why" \
	"not applying its refs, HEAD, index and logs unless asked for: submodule sub: commit [0-9a-f]{7} adds protected .envrc" "$err"
as_user "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "submodule: its branch is unchanged on the host" "$before" \
	"$(hgit -C sub rev-parse HEAD)"
assert_nomatch "submodule: host git log in it does not show it" "sub envrc" \
	"$(hgit -C sub log --format=%s)"
cd "$proj/sub" || exit 1
host_after "submodule" .envrc
assert_status "submodule: no .envrc in its tree" 1 test -e .envrc
cd "$proj" || exit 1
hgit status >/dev/null 2>&1; rc=$?
assert_eq "submodule: host git status in the superproject works" 0 "$rc"
out=$(as_user "$JAIL" review "$id" apply --protected 2>&1); rc=$?
assert_eq "submodule --protected: apply exits 0" 0 "$rc"
assert_eq "submodule --protected: the commit landed, as asked" "sub envrc" \
	"$(hgit -C sub log -1 --format=%s)"

# (f2) a submodule named a/b whose commit adds .envrc, and a HEAD planted
# in .git/modules/a to pass the run's changes off as another git dir's
proj=$(fresh ridx-nestsub)
cd "$proj" || exit 1
hgit -c protocol.file.allow=always submodule -q add "$sub" a/b 2>/dev/null
hgit commit -qm addsub
before=$(hgit -C a/b rev-parse HEAD)
err=$(jail --review=keep --net none -- sh -c "echo ref: refs/heads/x \
	>.git/modules/a/HEAD && cd a/b && $(stage_blob .envrc) &&
	$G commit -qm 'nested envrc'" 2>&1)
id=$(review_id "$err")
assert_match "submodule a/b under a planted modules/a/HEAD: its git dir is walked" \
	"^  submodule a/b:" "$err"
assert_match "submodule a/b: the commit is named and held" \
	"submodule a/b: commit [0-9a-f]{7} adds protected .envrc" "$err"
as_user "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "submodule a/b: its branch is unchanged on the host" "$before" \
	"$(hgit -C a/b rev-parse HEAD)"
as_user "$JAIL" review "$id" discard >/dev/null 2>&1

# (g) a submodule commit adding .envrc made without moving the
# submodule's refs, named by the superproject's index (staged) or by a
# new superproject commit: host `git submodule update` would check it out
for how in staged committed; do
	proj=$(fresh "ridx-gitlink-$how")
	cd "$proj" || exit 1
	hgit -c protocol.file.allow=always submodule -q add "$sub" sub 2>/dev/null
	hgit commit -qm addsub
	before=$(hgit rev-parse HEAD:sub)
	then=true
	[ "$how" = committed ] && then="$G commit -qm bump"
	err=$(jail --review=keep --net none -- sh -c "cd sub && $(stage_blob .envrc) &&
		c=\$(echo planted | $G commit-tree \$(git write-tree) -p HEAD) &&
		git reset -q && cd .. &&
		git update-index --cacheinfo 160000,\$c,sub && $then" 2>&1)
	id=$(review_id "$err")
	assert_match "gitlink $how: the named commit is walked" \
		"^  new gitlink: 1 new commit" "$err"
	assert_match "gitlink $how: the commit is named" \
		"^  ! commit [0-9a-f]{7} \"planted\" adds protected .envrc" "$err"
	# (the gitlink's change alone holds it too: sub/.git is protected)
	assert_match "gitlink $how: held, one line says why" \
		"^jail: review: \".git\": not applying its refs, HEAD, index and logs unless asked for: " "$err"
	as_user "$JAIL" review "$id" apply >/dev/null 2>&1
	assert_eq "gitlink $how: the host's superproject names the old commit" \
		"$before" "$(hgit ls-files -s sub | cut -d' ' -f2)"
	hgit -c protocol.file.allow=always submodule -q update 2>/dev/null
	assert_status "gitlink $how: no .envrc in the submodule after host git submodule update" \
		1 test -e sub/.envrc
	host_after "gitlink $how" sub
	as_user "$JAIL" review "$id" discard >/dev/null 2>&1
done

# (h) a linked worktree inside the project: a commit on its detached
# HEAD that adds .envrc is walked from the worktree's own git dir
proj=$(fresh ridx-worktree)
cd "$proj" || exit 1
hgit worktree add -q wt -b wtb 2>/dev/null
before=$(hgit -C wt rev-parse HEAD)
err=$(jail --review=keep --net none -- sh -c "cd wt && git checkout -q --detach &&
	$(stage_blob .envrc) && $G commit -qm 'wt envrc'" 2>&1)
id=$(review_id "$err")
assert_match "worktree: its git dir is walked" "^  worktree wt:" "$err"
assert_match "worktree: its detached HEAD's commit is listed" \
	"^    [0-9a-f]{7} wt envrc" "$err"
assert_match "worktree: the commit is named" \
	"^  ! commit [0-9a-f]{7} \"wt envrc\" changes protected .envrc" "$err"
assert_match "worktree: held, one line says why" \
	"not applying its refs, HEAD, index and logs unless asked for: worktree wt: commit [0-9a-f]{7} changes protected .envrc" "$err"
as_user "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "worktree: its HEAD is unchanged on the host" "$before" \
	"$(hgit -C wt rev-parse HEAD)"
cd "$proj/wt" || exit 1
host_after "worktree" .envrc
cd "$proj" || exit 1
as_user "$JAIL" review "$id" discard >/dev/null 2>&1

assert_eq "in the end nothing is left in the review state" "" \
	"$(find "$state" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null)"
rm -f "$marker"
exit 0
