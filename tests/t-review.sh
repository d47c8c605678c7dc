#!/bin/bash
# SPDX-License-Identifier: MIT
# t-review.sh - --review: the project as an overlay, changes shown, kept,
# written as a patch, applied or discarded; symlinks and protected paths
# in a change never take a write out of the project
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

gitu() { as_user git -c user.name=t -c user.email=t@t -c safe.directory='*' "$@"; }
state="$JT_HOME/.local/state/jail/review"

# tree DIR: every path with its type, mode and link target, then the
# checksums of the regular files (.git left out)
tree()
{
	(cd "$1" && find . -path ./.git -prune -o -printf '%y %m %p %l\n' |
		sort && find . -path ./.git -prune -o -type f -print0 |
		sort -z | xargs -0 -r sha256sum)
}

# state_left: what is left in the review state directory
state_left() { find "$state" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null; }

proj=$(mkproj review)
cd "$proj" || exit 1
gitu init -q .
u sh -c 'printf "one\ntwo\nthree\n" >a.txt; echo keep >gone.txt
	mkdir -p old/deep mv; echo x >old/deep/f; echo y >old/g
	echo moved >mv/from.txt; printf "#!/bin/sh\necho hi\n" >run.sh
	seq 1 40 >long.txt; echo spaced >"with space.txt"
	ln -s a.txt link; printf "no newline" >nonl.txt'
gitu add -A && gitu commit -qm init
outside=$(mkproj review-outside)
# What the command does: modify, delete, delete a tree, rename, new
# directories, a symlink, a mode change, a file without a final newline
cmd='printf "one\nTWO\nthree\nfour" >a.txt; rm gone.txt; rm -r old
	mv mv/from.txt mv/to.txt; mkdir -p new/sub; echo n >new/sub/f
	ln -s ../a.txt new/alink; chmod +x run.sh; printf "tail" >>nonl.txt
	sed -i "s/^20$/twenty/; s/^3$/three/" long.txt; rm link; ln -s run.sh link
	echo more >>"with space.txt"'

# The reference: what the command does to a copy without --review
ref=$(mkproj review-ref)
u cp -a "$proj/." "$ref/"
jail --project "$ref" -- sh -c "cd '$ref' && $cmd"
before=$(tree "$proj")
gitbefore=$(cd "$proj" && find .git -printf '%p %s %T@\n' | sort | sha256sum)

# --review=patch:FILE leaves the project untouched; the patch applies
patch="$JT_HOME/changes.patch"
err=$(jail --review=patch:"$patch" -- sh -c "$cmd" 2>&1 >/dev/null); rc=$?
assert_eq "patch: the command's status passes through" 0 "$rc"
assert_eq "patch: the project is byte-for-byte untouched" "$before" "$(tree "$proj")"
assert_eq "patch: the project's .git is untouched" "$gitbefore" \
	"$(cd "$proj" && find .git -printf '%p %s %T@\n' | sort | sha256sum)"
assert_match "patch: the summary lists a change" "^M  a.txt" "$err"
assert_match "patch: the summary lists an addition" "^A  new/sub/f" "$err"
assert_match "patch: the summary lists a deletion" "^D  gone.txt" "$err"
assert_match "patch: the summary shows a new symlink's target" "^A  new/alink -> ../a.txt" "$err"
assert_match "patch: the summary shows a mode change" "^M  run.sh  \(mode 755 -> 755\)|^M  run.sh  \(mode 644 -> 755\)" "$err"
assert_match "patch: the summary says where the patch is" "patch written to \"$patch\"" "$err"
assert_eq "patch: nothing is left in the review state" "" "$(state_left)"
apl=$(mkproj review-apply)
u cp -a "$proj/." "$apl/"
out=$(cd "$apl" && gitu apply --check "$patch" 2>&1); rc=$?
assert_eq "patch: git apply --check accepts it" "0" "$rc${out:+: $out}"
(cd "$apl" && gitu apply "$patch")
assert_eq "patch: git apply reproduces exactly what the command did" \
	"$(tree "$ref")" "$(tree "$apl")"
stat_line=$(printf '%s\n' "$err" | grep -E '^ [0-9]+ files? changed')
assert_eq "patch: the diffstat is git's" \
	"$(cd "$apl" && gitu apply --stat "$patch" | tail -1)" "$stat_line"
assert_match "patch: git-style headers" "^diff --git a/gone.txt b/gone.txt" "$(cat "$patch")"
assert_match "patch: deleted file mode" "^deleted file mode 100644" "$(cat "$patch")"
assert_match "patch: new file mode of a symlink" "^new file mode 120000" "$(cat "$patch")"
assert_match "patch: no newline marker" "^\\\\ No newline at end of file" "$(cat "$patch")"
assert_match "patch: mode change" "^old mode 100644" "$(cat "$patch")"
assert_eq "patch: no temporary file is left beside it" "" \
	"$(find "$JT_HOME" -maxdepth 1 -name '*.jail-*')"
plog=$(grep -l '"event":"review.patch"' "$JT_HOME/.local/state/jail/log/"*.jsonl | head -1)
assert_match "patch: the log has the review's counts" \
	'"event":"review".*"added":[1-9].*"deleted":[1-9]' "$(cat "$plog" 2>/dev/null)"
assert_match "patch: the log names the patch" \
	"\"event\":\"review.patch\",\"file\":\"$patch\"" "$(cat "$plog" 2>/dev/null)"
assert_match "--explain shows the overlay" "overlay +$proj" \
	"$(jail --review=patch:"$patch" --explain -- true)"

# A binary change is listed, and git apply's refusal is said
# shellcheck disable=SC2016 # expanded by the inner sh
u sh -c 'printf "a\0b" >"$1/bin.dat"' _ "$proj"
err=$(jail --review=patch:"$patch" -- sh -c 'printf "a\0c" >bin.dat' 2>&1)
assert_match "patch: a binary file says git apply refuses it" \
	"^M  bin.dat.*binary.*git apply refuses" "$err"
assert_match "patch: the binary entry" "^Binary files a/bin.dat and b/bin.dat differ" "$(cat "$patch")"
u rm -f "$proj/bin.dat"

# A review of a jail that still runs is not touched
jail --review=keep -- sh -c 'echo r >running.txt; sleep 4' >/dev/null 2>&1 &
jpid=$!
wait_until 10 sh -c "find '$state' -mindepth 2 -name running.txt | grep -q ."
rid=$(find "$state" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | head -1)
err=$(u "$JAIL" review "$rid" apply 2>&1); rc=$?
assert_eq "apply of a running jail's review is refused" 125 "$rc"
assert_match "apply of a running jail's review: why" "still running" "$err"
wait "$jpid" 2>/dev/null
u "$JAIL" review "$rid" discard >/dev/null 2>&1
assert_eq "(running.txt never landed)" "no" "$([ -e running.txt ] && echo yes || echo no)"

# Without a terminal plain --review keeps the changes and says so
err=$(jail --review -- sh -c 'echo kept >k.txt' 2>&1 </dev/null)
id=$(review_id "$err")
assert_match "no terminal: the changes are kept, and it says so" \
	"no terminal to ask on; the changes are kept in \"$state/$id/upper\"" "$err"
assert_eq "no terminal: nothing landed" "no" "$([ -e k.txt ] && echo yes || echo no)"
assert_eq "the review directory is private (0700)" "700" "$(stat -c %a "$state/$id")"
out=$(u "$JAIL" review 2>&1)
assert_match "jail review lists the kept review" "^$id .*$proj" "$out"
out=$(u "$JAIL" review "${id:0:6}" 2>&1)
assert_match "jail review ID (a prefix) shows the summary" "^A  k.txt" "$out"
out=$(u "$JAIL" review "$id" discard 2>&1); rc=$?
assert_eq "jail review ID discard exits 0" 0 "$rc"
assert_eq "discard: the review is gone" "" "$(state_left)"
assert_eq "discard: nothing landed" "no" "$([ -e k.txt ] && echo yes || echo no)"
assert_match "discard: logged" '"event":"review.discard"' \
	"$(cat "$JT_HOME/.local/state/jail/log/$id.jsonl" 2>/dev/null)"

# --review=keep, then jail review ID apply lands the changes
err=$(jail --review=keep -- sh -c "$cmd" 2>&1)
id=$(review_id "$err")
assert_match "keep: says where the changes are" "kept for later; the changes are kept in \"$state/$id/upper\"" "$err"
assert_eq "keep: the project is untouched" "$before" "$(tree "$proj")"
out=$(u "$JAIL" review "$id" apply 2>&1); rc=$?
assert_eq "apply exits 0" 0 "$rc"
assert_eq "apply lands exactly what the command did" "$(tree "$ref")" "$(tree "$proj")"
assert_eq "apply: the review is gone" "" "$(state_left)"
assert_match "apply: logged in the jail's log" '"event":"review.apply","applied":[1-9][0-9]*,"skipped":0,"failed":0' \
	"$(cat "$JT_HOME/.local/state/jail/log/$id.jsonl" 2>/dev/null)"
assert_eq "apply: no temporary file is left in the project" "" \
	"$(find "$proj" -name '.jail-review-*')"
u git -C "$proj" checkout -q -- . 2>/dev/null
gitu -C "$proj" reset -q --hard
gitu -C "$proj" clean -qfdx
assert_eq "(the project is back as it was)" "$before" "$(tree "$proj")"

# Bad input: one line, exit 125
for args in "--review=bogus" "--review=patch:/proc/x.patch" "--review=patch:" \
	"--review=patch:$JT_HOME"; do
	err=$(jail "$args" -- true 2>&1); rc=$?
	assert_eq "bad input [$args] exits 125" 125 "$rc"
	assert_match "bad input [$args] is one jail: line" "^jail: --review=" "$err"
	assert_eq "bad input [$args] is one line" 1 "$(printf '%s\n' "$err" | wc -l)"
done
err=$(jail --review keep -- true 2>&1); rc=$?
assert_eq "--review keep (a separate word) exits 125" 125 "$rc"
assert_match "--review keep: the mode goes after =" 'goes after "=" \(--review=keep\)' "$err"
for args in "0123456789abcdef" "nothex" "0123456789abcdef bogus"; do
	# shellcheck disable=SC2086
	err=$(u "$JAIL" review $args 2>&1); rc=$?
	assert_eq "jail review [$args] exits 125" 125 "$rc"
	assert_eq "jail review [$args] is one line" 1 "$(printf '%s\n' "$err" | wc -l)"
done
assert_eq "bad input leaves no review behind" "" "$(state_left)"

# A review directory open to others, or not the user's, is refused
err=$(jail --review=keep -- sh -c 'echo x >m.txt' 2>&1)
id=$(review_id "$err")
chmod 755 "$state/$id"
err=$(u "$JAIL" review "$id" apply 2>&1); rc=$?
assert_eq "a review open to others is refused" 125 "$rc"
assert_match "the refusal says why" "not owned by the user or open to others" "$err"
chmod 700 "$state/$id"
chown 65534 "$state/$id"	# nobody: someone else for root and jailtest
err=$(u "$JAIL" review "$id" apply 2>&1); rc=$?
assert_eq "a review owned by someone else is refused" 125 "$rc"
chown "$JT_USER" "$state/$id"
u "$JAIL" review "$id" discard >/dev/null 2>&1
assert_eq "(m.txt never landed)" "no" "$([ -e m.txt ] && echo yes || echo no)"

# Symlinks: a directory the command replaced by a real one is not
# followed where the project has a symlink; a symlink is recreated as one
u ln -s "$outside" "$proj/escape"
err=$(jail --review=keep -- sh -c 'rm escape && mkdir escape && echo evil >escape/x
	ln -s /etc etc-link' 2>&1)
id=$(review_id "$err")
out=$(u "$JAIL" review "$id" apply 2>&1)
assert_eq "a change under a replaced symlink does not write outside" "" \
	"$(ls -A "$outside")"
assert_eq "the replaced symlink is now a directory of the project" "evil" \
	"$(cat "$proj/escape/x" 2>/dev/null)"
assert_eq "a new symlink is recreated as a symlink" "/etc" "$(readlink "$proj/etc-link")"
u rm -rf "$proj/escape" "$proj/etc-link"
# The project changes on the host before apply: a directory of the change
# became a symlink out of the project. The change replaces the symlink
# (and says so); nothing is written through it.
u mkdir -p "$proj/sub"
err=$(jail --review=keep -- sh -c 'echo new >sub/new' 2>&1)
id=$(review_id "$err")
u rmdir "$proj/sub" && u ln -s "$outside" "$proj/sub"
out=$(u "$JAIL" review "$id" apply 2>&1); rc=$?
assert_eq "a symlink in the project's way: apply exits 0" 0 "$rc"
assert_match "a symlink in the project's way: listed as replaced" "^D  sub" "$out"
assert_eq "a symlink in the project's way: nothing written outside" "" \
	"$(ls -A "$outside")"
if [ -d "$proj/sub" ] && [ ! -L "$proj/sub" ] &&
	[ "$(cat "$proj/sub/new")" = new ]; then
	t_pass "a symlink in the project's way: replaced by the directory"
else
	t_fail "a symlink in the project's way: replaced by the directory" "$(ls -la "$proj")"
fi
assert_eq "a symlink in the project's way: the review is gone" "" "$(state_left)"
u rm -rf "$proj/sub"

# A real race on the host: while changes to sub/ are applied, another
# process keeps swapping sub between a directory and a symlink out of the
# project. Whatever the timing, nothing may be written outside.
# The flipper runs until told to stop (bounded); every one of the 20 runs
# must have made a review and tried to apply it while it ran
rm -f "$STAGE/flip-stop-$JT_USER"
# shellcheck disable=SC2016 # expanded by the inner sh
u sh -c 'i=0; while [ ! -e "$3" ] && [ $i -lt 100000 ]; do
	rm -rf "$1/sub"; ln -s "$2" "$1/sub"; rm -f "$1/sub"; mkdir "$1/sub"
	i=$((i + 1)); done' _ "$proj" "$outside" "$STAGE/flip-stop-$JT_USER" &
flipper=$!
runs=0 tried=0
while [ "$runs" -lt 20 ]; do
	u mkdir -p "$proj/sub" 2>/dev/null
	err=$(jail --review=keep -- sh -c 'mkdir -p sub 2>/dev/null; echo race >sub/new' 2>&1)
	id=$(review_id "$err")
	if [ -n "$id" ] && kill -0 "$flipper" 2>/dev/null; then
		u "$JAIL" review "$id" apply >/dev/null 2>&1
		tried=$((tried + 1))
	fi
	[ -n "$id" ] && u "$JAIL" review "$id" discard >/dev/null 2>&1
	runs=$((runs + 1))
done
touch "$STAGE/flip-stop-$JT_USER"
wait "$flipper"
rm -f "$STAGE/flip-stop-$JT_USER"
if [ "$tried" -ge 10 ]; then
	t_pass "the race ran: $tried of 20 reviews applied while the symlink flipped"
else
	t_fail "the race ran: at least 10 of 20 reviews applied while the symlink flipped" "$tried"
fi
assert_eq "a symlink swapped in during apply: nothing written outside" "" \
	"$(ls -A "$outside")"
# The control: with nothing flipping, the same apply lands
u rm -rf "$proj/sub"
u mkdir -p "$proj/sub"
err=$(jail --review=keep -- sh -c 'echo race >sub/new' 2>&1)
u "$JAIL" review "$(review_id "$err")" apply >/dev/null 2>&1
assert_eq "control: without the race the same apply lands" race \
	"$(cat "$proj/sub/new" 2>&1)"
u rm -rf "$proj/sub"
assert_eq "(the race left no review behind)" "" "$(state_left)"

# Protected paths: .git/hooks (absent here, so creatable in the overlay)
# and .envrc are listed, skipped by default, applied only when asked for
u rm -rf "$proj/.git/hooks"
err=$(jail --review=keep -- sh -c 'mkdir -p .git/hooks && echo evil >.git/hooks/pre-commit
	echo "export X=1" >.envrc; echo fine >fine.txt' 2>&1)
id=$(review_id "$err")
assert_match "protected: .git/hooks is listed and marked" "^A! .git/hooks/pre-commit" "$err"
assert_match "protected: .envrc is listed and marked" "^A! .envrc" "$err"
u mkdir -p "$proj/.git/modules/sub"
err2=$(jail --review=patch:"$patch" -- sh -c 'echo "[core]" >.git/modules/sub/config' 2>&1)
assert_match "protected: a submodule's git config is marked" "^A! .git/modules/sub/config" "$err2"
u rm -rf "$proj/.git/modules"
out=$(u "$JAIL" review "$id" patch - 2>&1)
assert_nomatch "protected: not in the patch" "envrc|hooks" "$out"
assert_match "protected: the rest is in the patch" "^\+\+\+ b/fine.txt" "$out"
out=$(u "$JAIL" review "$id" apply 2>&1)
assert_match "protected: skipped with a warning" "skipped protected \".git/hooks/pre-commit\"" "$out"
if [ ! -e "$proj/.git/hooks/pre-commit" ] && [ ! -e "$proj/.envrc" ] &&
	[ "$(cat "$proj/fine.txt")" = fine ]; then
	t_pass "protected: not applied by default, the rest is"
else
	t_fail "protected: not applied by default, the rest is" "$(ls -A "$proj" "$proj/.git")"
fi
assert_match "protected: the review stays, with the way to apply them" \
	"apply --protected" "$out"
out=$(u "$JAIL" review "$id" apply --protected 2>&1)
assert_eq "protected: applied when asked for" "evil" \
	"$(cat "$proj/.git/hooks/pre-commit" 2>/dev/null)"
assert_eq "protected: then the review is gone" "" "$(state_left)"
u rm -f "$proj/.envrc" "$proj/fine.txt"
u rm -rf "$proj/.git/hooks"
u mkdir "$proj/.git/hooks"

# The terminal: y applies, n keeps nothing
# ask ANSWERS JAIL_ARGS...: run jail on a fresh terminal and answer its
# questions, one comma-separated key each, without Enter ("^C" sends an
# interrupt); prints what the terminal showed
ask()
{
	pty_answer "${1//^C/\\x03}" ": " "" "${@:2}"
}
out=$(ask y "$JAIL" --review -- sh -c 'echo yes >tty-y.txt')
assert_match "terminal: the question is asked" "apply these changes to the project\?" "$out"
assert_eq "terminal: y applies" "yes" "$(cat "$proj/tty-y.txt" 2>/dev/null)"
out=$(ask n "$JAIL" --review -- sh -c 'echo no >tty-n.txt')
assert_match "terminal: n discards" "discarded; the project is unchanged" "$out"
assert_eq "terminal: n lands nothing" "no" "$([ -e "$proj/tty-n.txt" ] && echo yes || echo no)"
assert_eq "terminal: nothing is left in the review state" "" "$(state_left)"
u rm -f "$proj/tty-y.txt"
out=$(ask k "$JAIL" --review -- sh -c 'echo k >tty-k.txt')
assert_match "terminal: the key k alone keeps the changes (no Enter)" \
	"later: k.*kept" "$(printf '%s' "$out" | tr '\n' ' ')"
assert_eq "terminal: k lands nothing" "no" "$([ -e "$proj/tty-k.txt" ] && echo yes || echo no)"
u "$JAIL" review "$(review_id "$out")" discard >/dev/null 2>&1
out=$(ask '^C' "$JAIL" --review -- sh -c 'echo c >tty-c.txt')
assert_match "terminal: Ctrl-C keeps the changes" "no answer; the changes are kept" "$out"
assert_eq "terminal: Ctrl-C lands nothing" "no" "$([ -e "$proj/tty-c.txt" ] && echo yes || echo no)"
u "$JAIL" review "$(review_id "$out")" discard >/dev/null 2>&1
out=$(ask y,n "$JAIL" --review -- sh -c 'echo e >.envrc; echo p >tty-p.txt')
assert_match "terminal: protected changes get a second question" \
	"apply the protected changes too\?" "$out"
if [ ! -e "$proj/.envrc" ] && [ -e "$proj/tty-p.txt" ]; then
	t_pass "terminal: y, then n: the protected change is skipped, the rest lands"
else
	t_fail "terminal: y, then n: the protected change is skipped, the rest lands" "$out"
fi
u "$JAIL" review "$(review_id "$out")" discard >/dev/null 2>&1
out=$(ask y,y "$JAIL" --review -- sh -c 'echo e >.envrc')
assert_eq "terminal: y, then y: the protected change lands" "e" "$(cat "$proj/.envrc" 2>/dev/null)"
u rm -f "$proj/tty-p.txt" "$proj/.envrc"

# Too deep to review: listed in part, no patch, exit 125, kept
# shellcheck disable=SC2016 # expanded inside the jail
err=$(jail --review=patch:"$patch" -- sh -c 'mkdir -p "$(seq -s/ 1 140)" && touch "$(seq -s/ 1 140)/f"' 2>&1); rc=$?
assert_eq "too deep: no patch, exit 125" 125 "$rc"
assert_match "too deep: says so" "directory levels: only part is listed" "$err"
id=$(review_id "$err")
out=$(u "$JAIL" review "$id" apply 2>&1); rc=$?
assert_eq "too deep: apply refuses" 125 "$rc"
u "$JAIL" review "$id" discard >/dev/null 2>&1
assert_eq "too deep: discard removes it all" "" "$(state_left)"

# No change: said, and nothing left
err=$(jail --review -- true 2>&1 </dev/null)
assert_match "no change: said" "no changes to the project" "$err"
assert_eq "no change: nothing is left" "" "$(state_left)"
# A jail that fails to start leaves nothing either
jail --review -- /nonexistent/cmd >/dev/null 2>&1 </dev/null
assert_eq "a failed COMMAND leaves nothing" "" "$(state_left)"

# Inside, the project is the overlay; the protected paths stay read-only
out=$(jail --review=patch:"$patch" -- sh -c '
	grep " '"$proj"' " /proc/self/mountinfo | head -1 | sed "s/.* - //"
	(echo x >>.git/config) 2>&1; (mv .git .gitx) 2>&1' 2>/dev/null)
assert_match "inside, the project is an overlay" "^overlay" "$out"
assert_match "inside, .git/config stays read-only" "Read-only file system" "$out"
assert_match "inside, .git cannot be renamed" "busy" "$out"

# A worktree: the main repository's git dir is read-only under --review
wtmain=$(mkproj review-wt-main)
gitu -C "$wtmain" init -q . && gitu -C "$wtmain" commit -q --allow-empty -m init
wtp=$(mkproj review-wt-parent)
gitu -C "$wtmain" worktree add -q -b rv "$wtp/wt" 2>/dev/null
cd "$wtp/wt" || exit 1
out=$(jail --review=keep -- sh -c 'echo w >w.txt; (echo x >'"$wtmain"'/.git/description) 2>&1' 2>&1)
id=$(review_id "$out")
assert_match "worktree: the main git dir is read-only under --review" \
	"Read-only file system" "$out"
assert_match "worktree: the change is kept for review" "^A  w.txt" "$out"
assert_match "worktree: --explain says so" "read-only under --review" \
	"$(jail --review --explain -- true)"
u "$JAIL" review "$id" discard >/dev/null 2>&1
cd "$proj" || exit 1

# Policy files: review from the user's file; a project's may not turn it
# off
cfgdir="$JT_HOME/.config/jail"
u mkdir -p "$cfgdir"
u sh -c "echo 'review keep' >'$cfgdir/jail.conf'"
err=$(jail -- sh -c 'echo f >from-file.txt' 2>&1)
assert_match "a user policy file can turn review on" "kept for later" "$err"
id=$(review_id "$err")
u "$JAIL" review "$id" discard >/dev/null 2>&1
err=$(jail --review=off -- sh -c 'echo f >off.txt' 2>&1)
assert_eq "--review=off on the command line wins" "f" "$(cat "$proj/off.txt" 2>/dev/null)"
u rm -f "$cfgdir/jail.conf" "$proj/off.txt"
u sh -c "echo 'review off' >'$proj/.jail.conf'"
err=$(u "$JAIL" trust --yes 2>&1); rc=$?
assert_eq "a project file may not turn review off" 125 "$rc"
assert_match "a project file may not turn review off: why" "may only ask for a review" "$err"
u sh -c "echo 'review keep' >'$proj/.jail.conf'"
u "$JAIL" trust --yes >/dev/null 2>&1
err=$(jail -- sh -c 'echo p >p.txt' 2>&1)
assert_match "a project file may ask for a review" "kept for later" "$err"
u "$JAIL" review "$(review_id "$err")" discard >/dev/null 2>&1
u rm -f "$proj/.jail.conf"
assert_eq "in the end nothing is left in the review state" "" "$(state_left)"
exit 0
