#!/bin/bash
# SPDX-License-Identifier: MIT
# t-handoff4.sh - the hand-off beyond the project and its HEAD: a --rw tree
# and a persistent --home held to the project's git rules, a linked
# worktree's HEAD and index, a branch the person checks out by name, and
# set-user-ID files. Each attack is tried for real inside, then the host
# tool runs and the planted command must not have run
# shellcheck disable=SC2016 # in single quotes: the jail's shell expands it
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gitlib.sh"

REFUSED='Read-only file system|Permission denied|Device or resource busy|Operation not permitted'

# The planted command leaves this file under the test user's home, which
# the jail cannot see: it can only appear if the host ran the command
marker="$JT_HOME/PWNED4"
rm -f "$marker"
evil="#!/bin/sh
touch $marker"

# 1. a --rw tree that is a git work tree: its git dir's control surface,
# the default protected names at its top, a repository made in it
p=$(newrepo rw-proj)
t=$(newrepo rw-tree)
u mkdir "$t/.vscode"
cd "$p" || exit 1
out=$(jg --rw "$t" -- sh -c 'cd "$1" || exit 1
	printf "%s\n" "$2" >.git/hooks/pre-commit && chmod +x .git/hooks/pre-commit
	git config core.fsmonitor "$3" && echo config-written
	printf "{}" >.vscode/tasks.json && echo tasks-written
	printf "%s\n" "$2" >.envrc && echo envrc-made
	mkdir -p deep/a/b/c && git -C deep/a/b/c init -q &&
	git -C deep/a/b/c config core.fsmonitor "$3" && echo deep-made
	echo ok >work.txt && git add work.txt && git commit -qm inside &&
	echo committed' sh "$t" "$evil" "touch $marker" 2>&1)
assert_nomatch "--rw tree: its config is not writable" "config-written" "$out"
assert_match "--rw tree: its hooks are not writable" \
	"pre-commit: ($REFUSED)" "$out"
assert_nomatch "--rw tree: an existing .vscode stays read-only" \
	"tasks-written" "$out"
assert_nomatch "--rw tree: a .envrc cannot be made at its top" \
	"envrc-made" "$out"
assert_match "--rw tree: refused by the file system" \
	".envrc: ($REFUSED|File exists)" "$out"
assert_match "--rw tree: a new deep repository naming a command is moved aside" \
	"repository \"$t/deep/a/b/c/.git\" created during the run names commands" \
	"$out"
assert_match "--rw tree: ordinary git work inside lands" "committed" "$out"
assert_eq "--rw tree: the commit is on the host" "inside" \
	"$(hgit -C "$t" log -1 --format=%s)"
assert_eq "--rw tree: no .envrc on the host" "absent" \
	"$([ -e "$t/.envrc" ] && echo there || echo absent)"
hgit -C "$t/deep/a/b/c" status >/dev/null 2>&1
host_check "--rw tree" "$t"
host_check "--rw tree (the project)" "$p"

# 1b. the tree stays an ordinary read-write bind for everything else; a
# --rw tree that holds no repository (a cache, data) gets no placeholders:
# a .envrc made at its top is moved aside at exit
d=$(mkproj rw-data)
out=$(jg --rw "$t" --rw "$d" -- sh -c 'cd "$1" && echo x >plain.txt &&
	echo written; printf "%s\n" "$3" >"$2/.envrc" && echo made' \
	sh "$t" "$d" "touch $marker" 2>&1)
assert_match "--rw tree: ordinary files stay writable" "written" "$out"
assert_match "--rw data tree: a .envrc made at its top" "made" "$out"
assert_match "--rw data tree: moved aside at exit" \
	"\"$d/.envrc\" was created during the run .*moved aside to \".envrc.jail-quarantine\"" \
	"$out"
assert_eq "--rw data tree: no .envrc on the host" "absent" \
	"$([ -e "$d/.envrc" ] && echo there || echo absent)"

# 1d. under --review the project waits in an overlay, but a --rw tree is
# bound as it is: its git dir is read-only whole
p=$(newrepo rw-review)
cd "$p" || exit 1
out=$(jg --review=keep --rw "$t" -- sh -c 'cd "$1" &&
	git config core.fsmonitor "$2" && echo config-written' \
	sh "$t" "touch $marker" 2>&1)
assert_nomatch "--rw tree under --review: its config is not writable" \
	"config-written" "$out"
host_check "--rw tree under --review" "$t"

# 1c. a relative core.hooksPath in the user's own git config names a
# directory of every work tree git runs in: a nested repository's too
p=$(newrepo hookspath-global)
u git init -q "$p/sub"
hgit -C "$p/sub" commit -q --allow-empty -m init
hgit config --global core.hooksPath .githooks
cd "$p" || exit 1
out=$(jg -- sh -c 'mkdir -p sub/.githooks; printf "%s\n" "$1" >sub/.githooks/pre-commit &&
	chmod +x sub/.githooks/pre-commit && echo planted' sh "$evil" 2>&1)
assert_nomatch "global relative hooksPath: no hook in a nested repository" \
	"planted" "$out"
host_check "global relative hooksPath (nested)" "$p/sub"
hgit config --global --unset core.hooksPath

# 2. a persistent --home: a repository there whose config the jail
# changes, and a new one, are moved aside at exit
p=$(newrepo home-proj)
h=$(mkproj home-dir)
u git init -q "$h/repo"
hgit -C "$h/repo" commit -q --allow-empty -m init
cd "$p" || exit 1
out=$(jg --home "$h" -- sh -c 'cd ~/repo && git config core.fsmonitor "$1" &&
	echo changed; mkdir ~/new && cd ~/new && git init -q &&
	git config core.pager "$1" && echo made' sh "touch $marker" 2>&1)
assert_match "--home: a repository there changed inside" "changed" "$out"
assert_match "--home: its changed repository is moved aside" \
	"repository \"$h/repo/.git\" .*names commands.*moved aside" "$out"
assert_match "--home: a new repository naming a command is moved aside" \
	"repository \"$h/new/.git\" .*names commands.*moved aside" "$out"
hgit -C "$h/repo" status >/dev/null 2>&1
hgit -C "$h/new" log >/dev/null 2>&1
if [ -e "$marker" ]; then
	t_fail "--home: nothing runs on the host" "the planted command ran"
	rm -f "$marker"
else
	t_pass "--home: nothing runs on the host"
fi

# 2b. the host's own home as the jail's would hand it every startup file
# and ~/.gitconfig: refused in one line, as is a directory above it
for hd in "$JT_HOME" "$(dirname "$JT_HOME")"; do
	out=$(jail --net none --home "$hd" -- true 2>&1); rc=$?
	assert_eq "--home $hd: refused (125)" 125 "$rc"
	assert_match "--home $hd: one line naming the reason" \
		"^jail: --home \"$hd\": holds your own home directory" "$out"
done

# 3. a linked worktree: its HEAD moved to a commit carrying Claude Code
# settings is named; its index staging a --protect path is not copied back
m=$(newrepo wt-main)
u mkdir "$m/tools"
u sh -c "printf 'exit 0\n' >'$m/tools/lint.sh'"
hgit -C "$m" add -A && hgit -C "$m" commit -qm tools
w="$(mkproj wt-linked)/wt"
hgit -C "$m" worktree add -q "$w"
cd "$w" || exit 1
out=$(jg --protect tools/lint.sh -- sh -c '
	b=$(printf "%s\n" "$1" | git hash-object -w --stdin) &&
	git update-index --cacheinfo 100755,$b,tools/lint.sh && echo staged' \
	sh "$evil" 2>&1)
assert_match "linked worktree: a --protect path staged inside" "staged" "$out"
assert_match "linked worktree: its index is not copied back" \
	"worktrees/wt/index\" from the jail was not copied back: it stages protected \"tools/lint.sh\"" \
	"$out"
hgit checkout -- . >/dev/null 2>&1
assert_eq "linked worktree: the protected file on the host is the person's" \
	"exit 0" "$(cat tools/lint.sh)"
out=$(jg -- sh -c 'b=$(printf "{\"hooks\":{}}" | git hash-object -w --stdin) &&
	t=$(printf "100644 blob %s\tsettings.json\n" $b | git mktree) &&
	r=$(printf "040000 tree %s\t.claude\n" $t | git mktree) &&
	git update-ref HEAD "$(git commit-tree -p HEAD $r -m evil)" &&
	echo moved' 2>&1)
assert_match "linked worktree: HEAD moved inside" "moved" "$out"
assert_match "linked worktree: its HEAD's commit is named at exit" \
	"worktrees/wt/HEAD\" now names a commit .*carries protected \".claude/settings.json\"" \
	"$out"
hgit reset -q --hard HEAD~1
host_check "linked worktree" "$w"

# 4. a branch the person checks out by name, moved to a commit that adds
# .envrc (direnv runs it on cd): named at exit, loose and packed
for how in loose packed; do
	p=$(newrepo "branch-$how")
	cd "$p" || exit 1
	hgit branch keep
	hgit checkout -q -b topic
	out=$(jg -- sh -c 'b=$(printf "%s\n" "$1" | git hash-object -w --stdin) &&
		t=$(printf "100644 blob %s\t.envrc\n" $b | git mktree) &&
		git update-ref refs/heads/keep "$(git commit-tree -p HEAD $t -m evil)" &&
		{ [ "$2" = loose ] || git pack-refs --all; } && echo moved' \
		sh "touch $marker" "$how" 2>&1)
	assert_match "branch ($how): moved inside" "moved" "$out"
	assert_match "branch ($how): named at exit with the command" \
		"refs/heads/keep\" now names a commit .*carries protected \".envrc\": host git checkout keep would write it" \
		"$out"
	host_check "branch ($how)" "$p"
done

# 4b. a .envrc below the top (direnv loads the one of each directory it
# enters, at once under a whitelisted prefix): made, or rewritten in a
# directory whose entries did not change, it is moved aside at exit
p=$(newrepo envrc-deep)
u mkdir -p "$p/a/b" "$p/c"
u sh -c "echo 'export A=1' >'$p/c/.envrc'"
# older than the run by more than the checks' one second of slack, so
# that c/ is a directory whose entries did not change during the run
sleep 2
cd "$p" || exit 1
out=$(jg -- sh -c 'printf "%s\n" "$1" >a/b/.envrc; printf "%s\n" "$1" >>c/.envrc &&
	echo written' sh "touch $marker" 2>&1)
assert_match "deep .envrc: written inside" "written" "$out"
for e in a/b c; do
	assert_match "deep .envrc ($e): moved aside at exit" \
		"\"$p/$e/.envrc\" was made or changed during the run .*moved aside" \
		"$out"
	assert_eq "deep .envrc ($e): none on the host" "absent" \
		"$([ -e "$p/$e/.envrc" ] && echo there || echo absent)"
done
host_check "deep .envrc" "$p"

# 5. no set-user-ID or set-group-ID file made inside lands: it would run
# as the caller for whoever on the host executes it
p=$(mkproj setid)
cd "$p" || exit 1
out=$(jail --net none -- sh -c 'cp /bin/true s1; chmod 4755 s1 || echo chmod-refused
	chmod g+s s1 || echo chmodg-refused
	install -m 4755 /bin/true s2 || echo install-refused
	python3 -c "
import os
for name, fl in ((\"s3\", os.O_CREAT | os.O_WRONLY), (\".\", os.O_TMPFILE | os.O_WRONLY)):
    try:
        os.open(name, fl, 0o6755)
        print(\"open-made\")
    except OSError as e:
        print(\"open-refused\", e.errno)
try:
    os.mknod(\"s4\", 0o104755)
    print(\"mknod-made\")
except OSError as e:
    print(\"mknod-refused\", e.errno)
"
	chmod 755 s1 && echo plain-chmod' 2>&1)
assert_match "setuid: chmod 4755 refused" "chmod-refused" "$out"
assert_match "setgid: chmod g+s refused" "chmodg-refused" "$out"
assert_match "setuid: install -m 4755 refused" "install-refused" "$out"
assert_eq "setuid: open(O_CREAT|O_TMPFILE, 06755) refused" "2" \
	"$(grep -c 'open-refused 1' <<<"$out")"
assert_match "setuid: mknod of a set-user-ID file refused" "mknod-refused 1" "$out"
assert_match "setuid: an ordinary chmod works" "plain-chmod" "$out"
assert_eq "setuid: no set-user-ID or set-group-ID file on the host" "" \
	"$(find "$p" -perm /6000 2>/dev/null)"
exit 0
