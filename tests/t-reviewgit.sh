#!/bin/bash
# SPDX-License-Identifier: MIT
# t-reviewgit.sh - --review and git: the summary tells a git dir's changes
# as new commits on their branches (never .git/objects paths), after the
# project's own changes; a commit made inside that touches a protected
# path is shown, and apply holds back the git dir's refs unless asked;
# packed objects (inside and on the host) are read; a hostile object
# store neither crashes nor hangs the summary, and lands no ref
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

gitu() { as_user git -c user.name=t -c user.email=t@t -c safe.directory='*' "$@"; }
state="$JT_HOME/.local/state/jail/review"
G='git -c user.name=t -c user.email=t@t'

# fresh NAME: a project with 30 files and a protected .envrc, committed
# shellcheck disable=SC2016 # expanded by the inner sh
fresh()
{
	local p
	p=$(mkproj "$1")
	(cd "$p" && gitu init -q -b master . &&
		u sh -c 'for i in $(seq 1 30); do echo $i >f$i; done
			echo "export X=1" >.envrc' &&
		gitu add -A && gitu commit -qm init)
	echo "$p"
}

# line_of ERE TEXT: the number of the first line of TEXT matching ERE
line_of() { printf '%s\n' "$2" | grep -nE -- "$1" | head -1 | cut -d: -f1; }

# (a) 2000 files added and committed inside: the project's files first,
# then one commit on master with its subject; no .git/objects line
proj=$(fresh rgit-big)
cd "$proj" || exit 1
err=$(jail --review=keep --net none -- sh -c "mkdir big && cd big &&
	for i in \$(seq 1 2000); do echo \$i >n\$i; done && cd .. &&
	git add -A && $G commit -qm 'two thousand files'" 2>&1)
id=$(review_id "$err")
assert_match "big: the project's own files are listed" "^A  big/n1\b" "$err"
assert_match "big: one new commit on master" "^  1 new commit on master" "$err"
assert_match "big: the commit's subject" "^    [0-9a-f]{7} two thousand files" "$err"
assert_nomatch "big: no .git/objects path" "\.git/objects" "$err"
assert_nomatch "big: no git file listed as not in a patch" "\.git/.*not in a patch" "$err"
files=$(line_of "^A  big/n1\b" "$err")
commits=$(line_of "new commit on master" "$err")
assert_eq "big: the project's files come before the commits" "yes" \
	"$([ -n "$files" ] && [ -n "$commits" ] && [ "$files" -lt "$commits" ] && echo yes || echo "no: $files $commits")"
assert_match "big: the other git state in one line" "^  also changed: index, logs, [0-9]+ object files" "$err"
out=$(u "$JAIL" review "$id" 2>&1)
assert_match "big: jail review ID shows the commit too" "1 new commit on master" "$out"
u "$JAIL" review "$id" discard >/dev/null 2>&1

# (b) a commit inside that drops the protected .envrc from the branch
proj=$(fresh rgit-prot)
cd "$proj" || exit 1
before=$(gitu rev-parse master)
err=$(jail --review=keep --net none -- sh -c "echo changed >f1; git add -A &&
	git rm -q --cached .envrc && $G commit -qm 'drop envrc'" 2>&1)
id=$(review_id "$err")
assert_match "protected commit: the summary names it" \
	"^  ! commit [0-9a-f]{7} \"drop envrc\" deletes protected .envrc" "$err"
assert_match "protected commit: the summary says the refs are held" \
	"\".git\": not applying its refs, HEAD, index and logs unless asked for: commit [0-9a-f]{7} deletes protected .envrc" "$err"
out=$(u "$JAIL" review "$id" apply 2>&1); rc=$?
assert_eq "protected commit: apply exits 0" 0 "$rc"
assert_match "protected commit: apply says what it skipped, and why" \
	"skipped its refs, HEAD, index and logs \(objects applied\): commit [0-9a-f]{7} deletes protected .envrc" "$out"
assert_eq "protected commit: the host's branch is unchanged" "$before" "$(gitu rev-parse master)"
assert_nomatch "protected commit: host git log does not show it" "drop envrc" "$(gitu log --format=%s)"
gitu status >/dev/null 2>&1; rc=$?
assert_eq "protected commit: host git status works" 0 "$rc"
assert_eq "protected commit: the working tree change landed" "changed" "$(cat f1)"
assert_eq "protected commit: .envrc is still tracked on the host" ".envrc" \
	"$(gitu ls-files .envrc)"
assert_match "protected commit: the review is kept, with the way to apply it" \
	"apply --protected" "$out"
assert_match "protected commit: logged" '"event":"review.git","gitdir":".git","refs":1,"commits":1,"held":1' \
	"$(cat "$JT_HOME/.local/state/jail/log/$id.jsonl" 2>/dev/null)"
u "$JAIL" review "$id" discard >/dev/null 2>&1

# The control: an ordinary commit lands, and host git is clean after it
err=$(jail --review=keep --net none -- sh -c "echo ordinary >f2; git add -A &&
	$G commit -qm 'ordinary work'" 2>&1)
id=$(review_id "$err")
assert_nomatch "ordinary commit: nothing held" "not applying its refs" "$err"
out=$(u "$JAIL" review "$id" apply 2>&1); rc=$?
assert_eq "ordinary commit: apply exits 0" 0 "$rc"
assert_eq "ordinary commit: host git log shows it" "ordinary work" \
	"$(gitu log -1 --format=%s)"
# (git add -A inside took f1's change of the held run too)
assert_eq "ordinary commit: host git status is clean" "" \
	"$(gitu status --porcelain)"
assert_eq "ordinary commit: the review is gone" "" \
	"$(find "$state" -mindepth 1 -maxdepth 1 -name "$id")"
gitu fsck --no-dangling >/dev/null 2>&1; rc=$?
assert_eq "ordinary commit: host git fsck passes" 0 "$rc"

# (c) packed objects: git gc inside, then the commits are still read
err=$(jail --review=keep --net none -- sh -c "echo p >f3; git add -A &&
	$G commit -qm 'before gc' && echo q >f4 && git add -A &&
	$G commit -qm 'packed inside' && git gc -q" 2>&1)
id=$(review_id "$err")
assert_match "gc inside: two new commits on master" "^  2 new commits on master" "$err"
assert_match "gc inside: the subjects, newest first" \
	"packed inside.*before gc" "$(printf '%s' "$err" | tr '\n' ' ')"
assert_nomatch "gc inside: no .git/objects path" "\.git/objects" "$err"
out=$(u "$JAIL" review "$id" apply 2>&1); rc=$?
assert_eq "gc inside: apply exits 0" 0 "$rc"
assert_eq "gc inside: host git log shows the commits" "packed inside" \
	"$(gitu log -1 --format=%s)"
gitu fsck --no-dangling >/dev/null 2>&1; rc=$?
assert_eq "gc inside: host git fsck passes" 0 "$rc"
gitu status >/dev/null 2>&1; rc=$?
assert_eq "gc inside: host git status works" 0 "$rc"

# A project whose history is only in a pack: the parent of a protected
# commit is read from the host's pack
proj=$(fresh rgit-hostpack)
cd "$proj" || exit 1
for i in 1 2 3; do
	u sh -c "seq 1 $((i * 40)) >f1"
	gitu commit -qam "host $i"
done
gitu gc -q
assert_eq "(the host's objects are all packed)" "" \
	"$(find .git/objects -path '*/pack' -prune -o -type f -print | grep -v info)"
before=$(gitu rev-parse master)
err=$(jail --review=keep --net none -- sh -c "git rm -q --cached .envrc && $G commit -qm 'on a packed history'" 2>&1)
id=$(review_id "$err")
assert_match "host pack: the commit is listed" "^    [0-9a-f]{7} on a packed history" "$err"
assert_match "host pack: its protected change is found" \
	"commit [0-9a-f]{7} \"on a packed history\" deletes protected .envrc" "$err"
u "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "host pack: the branch is held" "$before" "$(gitu rev-parse master)"
u "$JAIL" review "$id" discard >/dev/null 2>&1

# (d) a hostile object store: the new commit's loose object replaced by a
# symlink, or by garbage, and a garbage pack index; the summary says so
# at once, and no ref lands
for how in symlink garbage; do
	proj=$(fresh "rgit-hostile-$how")
	cd "$proj" || exit 1
	before=$(gitu rev-parse master)
	if [ "$how" = symlink ]; then
		# shellcheck disable=SC2016 # expanded inside the jail
		plant='rm -f "$o" && ln -s /etc/passwd "$o"'
	else
		# shellcheck disable=SC2016 # expanded inside the jail
		plant='chmod u+w "$o" && head -c 300 /dev/urandom >"$o"'
	fi
	start=$(date +%s)
	err=$(jail --review=keep --net none -- sh -c "echo h >f5; git add -A &&
		$G commit -qm hostile && h=\$(git rev-parse HEAD) &&
		o=.git/objects/\${h%\${h#??}}/\${h#??} && $plant &&
		mkdir -p .git/objects/pack &&
		head -c 2000 /dev/urandom >.git/objects/pack/pack-0.idx &&
		head -c 2000 /dev/urandom >.git/objects/pack/pack-0.pack" 2>&1); rc=$?
	id=$(review_id "$err")
	assert_eq "hostile $how: jail exits 0" 0 "$rc"
	assert_eq "hostile $how: the summary took seconds at most" yes \
		"$([ $(($(date +%s) - start)) -lt 30 ] && echo yes || echo no)"
	assert_match "hostile $how: a clear line" \
		"^  ! commit [0-9a-f]{7} could not be read" "$err"
	assert_match "hostile $how: the refs are held" \
		"\".git\": not applying its refs, HEAD, index and logs unless asked for: commit [0-9a-f]{7} could not be read" "$err"
	out=$(u "$JAIL" review "$id" 2>&1); rc=$?
	assert_eq "hostile $how: jail review ID works" 0 "$rc"
	u "$JAIL" review "$id" apply >/dev/null 2>&1
	assert_eq "hostile $how: the host's branch is unchanged" "$before" \
		"$(gitu rev-parse master)"
	gitu status >/dev/null 2>&1; rc=$?
	assert_eq "hostile $how: host git status works" 0 "$rc"
	u "$JAIL" review "$id" discard >/dev/null 2>&1
done

# The patch keeps git's files out, and the diff of a review still works
proj=$(fresh rgit-patch)
cd "$proj" || exit 1
patch="$JT_HOME/rgit.patch"
err=$(jail --review=patch:"$patch" --net none -- sh -c "echo pp >f6;
	git add -A && $G commit -qm patched" 2>&1)
assert_match "patch: the summary tells the commit" "1 new commit on master" "$err"
assert_nomatch "patch: no git file in the patch" "\.git/" "$(cat "$patch")"
assert_match "patch: the file change is in it" "^\+\+\+ b/f6" "$(cat "$patch")"
u rm -f "$patch"

assert_eq "in the end nothing is left in the review state" "" \
	"$(find "$state" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null)"
exit 0
