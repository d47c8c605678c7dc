#!/bin/bash
# SPDX-License-Identifier: MIT
# t-handoff3.sh - the hand-off, more forms of each class: an index that
# stages a protected path for host git to write into the working tree,
# repositories made or changed anywhere in the tree (deeper than the walk
# at start), protected paths reached through a symlink. Each attack is
# tried for real inside, then the host tool runs and the planted command
# must not have run
# shellcheck disable=SC2016 # in single quotes: the jail's shell expands it
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gitlib.sh"

REFUSED='Read-only file system|Permission denied|Not a directory|Directory nonexistent|File exists'

# The planted command leaves this file under the test user's home, which
# the jail cannot see: it can only appear if the host ran the command
marker="$JT_HOME/PWNED3"
rm -f "$marker"
evil="#!/bin/sh
touch $marker"

# 1. a hook in the core.hooksPath directory staged by the index only: the
# file cannot be written inside, but host git writes the index into the
# working tree (`git checkout .`, `git restore .`, or a commit of it and
# then `git reset --hard`), and the next host commit runs it
for how in "checkout -- ." "restore -- ." "commit -qm host"; do
	p=$(newrepo "staged-${how%% *}")
	cd "$p" || exit 1
	u mkdir .githooks
	u sh -c 'printf "#!/bin/sh\nexit 0\n" >.githooks/pre-commit
		chmod +x .githooks/pre-commit; echo a >a.txt'
	hgit config core.hooksPath .githooks
	hgit add -A && hgit commit -qm hooks
	out=$(jg -- sh -c 'b=$(printf "%s\n" "$1" | git hash-object -w --stdin) &&
		git update-index --cacheinfo 100755,$b,.githooks/pre-commit &&
		echo staged' sh "$evil" 2>&1)
	assert_match "staged hook ($how): staged inside" "staged" "$out"
	assert_match "staged hook ($how): the index is not copied back" \
		"index\" from the jail was not copied back: it stages protected \".githooks/pre-commit\"" \
		"$out"
	# shellcheck disable=SC2086 # the words of the git command
	hgit $how >/dev/null 2>&1
	[ "$how" = "commit -qm host" ] && hgit reset -q --hard
	assert_eq "staged hook ($how): the hook on the host is the person's" \
		"$(printf '#!/bin/sh\nexit 0')" "$(cat .githooks/pre-commit)"
	host_check "staged hook ($how)" "$p"
done

# 1b. the default list, through the index: a new .claude/settings.json,
# and a .claude symlink entry above it; ordinary staging lands
p=$(newrepo staged-default)
cd "$p" || exit 1
u sh -c 'echo a >a.txt'
hgit add a.txt && hgit commit -qm a
for form in "100644,.claude/settings.json" "120000,.claude"; do
	out=$(jg -- sh -c 'b=$(printf "{}" | git hash-object -w --stdin) &&
		git update-index --add --cacheinfo "${1%%,*},$b,${1#*,}" &&
		echo staged' sh "$form" 2>&1)
	assert_match "staged ${form#*,}: not copied back" \
		"not copied back: it stages protected \"${form#*,}\"" "$out"
	hgit checkout -- . >/dev/null 2>&1
	assert_status "staged ${form#*,}: host git checkout writes nothing" 1 \
		test -e .claude -o -L .claude
done
out=$(jg -- sh -c 'echo b >>a.txt && git add a.txt && echo staged' 2>&1)
assert_nomatch "ordinary staging: no refusal" "not copied back" "$out"
assert_eq "ordinary staging: lands in the host's index" "M  a.txt" \
	"$(hgit status --porcelain)"
host_check "staged default" "$p"

# 2. a repository made deeper than the walk at start (node_modules too),
# outside any gitlink: the person's `git add -A` makes it one, and host
# git status then goes into it
for sub in a/b/c/d/e node_modules/x/y; do
	p=$(newrepo "deep-${sub%%/*}")
	cd "$p" || exit 1
	out=$(jg -- sh -c 'mkdir -p "$1" && cd "$1" && git init -q . &&
		git commit -q --allow-empty -m d &&
		git config core.fsmonitor "$2" && echo planted' \
		sh "$sub" "touch $marker" 2>&1)
	assert_match "deep new repository $sub: made inside" "planted" "$out"
	assert_match "deep new repository $sub: moved aside, with the reason" \
		"new repository \"$p/$sub/.git\" .*names commands.*moved aside" \
		"$out"
	hgit add -A >/dev/null 2>&1
	host_check "deep new repository $sub" "$p"
done

# 2b. repositories present at start, deeper than the walk: one whose
# config the jail changes is moved aside; one with ordinary work stays
p=$(newrepo deep-old)
cd "$p" || exit 1
for r in vendor/a/b/c/evil vendor/a/b/c/work; do
	u mkdir -p "$r"
	u git init -q "$r"
	hgit -C "$r" commit -q --allow-empty -m old
	hgit -C "$r" config core.editor true
done
sleep 2	# the run starts in a later second than what was made before
out=$(jg -- sh -c 'git -C vendor/a/b/c/evil config core.fsmonitor "$1" &&
	git -C vendor/a/b/c/work commit -q --allow-empty -m inside &&
	echo planted' sh "touch $marker" 2>&1)
assert_match "deep old repository: changed inside" "planted" "$out"
assert_match "deep old repository: moved aside, with the reason" \
	"the repository \"$p/vendor/a/b/c/evil/.git\" changed during the run" \
	"$out"
assert_nomatch "deep old repository with ordinary work: not judged" \
	"vendor/a/b/c/work" "$out"
assert_eq "deep old repository with ordinary work: its commit is there" \
	"inside" "$(hgit -C vendor/a/b/c/work log -1 --format=%s)"
hgit add -A >/dev/null 2>&1
host_check "deep old repository" "$p"
hgit -C vendor/a/b/c/evil status >/dev/null 2>&1
assert_status "deep old repository: git in it runs nothing" 1 test -e "$marker"
rm -f "$marker"

# 2c. an old .git file deep down, rewritten in place to name a git dir
# made inside of a HEAD and a commondir (no objects/ of its own) whose
# common dir holds the config
p=$(newrepo deep-gitfile)
cd "$p" || exit 1
u mkdir -p v/a/b/c/w store
u git init -q --separate-git-dir="$p/store/w.git" v/a/b/c/w
hgit -C v/a/b/c/w commit -q --allow-empty -m old
sleep 2	# the run starts in a later second than what was made before
out=$(jg -- sh -c 'git init -q --bare evil/y &&
	git -C evil/y config core.fsmonitor "$1" && mkdir evil/x &&
	echo "ref: refs/heads/master" >evil/x/HEAD &&
	echo ../y >evil/x/commondir &&
	printf "gitdir: %s\n" "$PWD/evil/x" >v/a/b/c/w/.git && echo planted' \
	sh "touch $marker" 2>&1)
assert_match "rewritten .git file: planted inside" "planted" "$out"
assert_match "rewritten .git file: the git dir it names is moved aside" \
	"new repository \"$p/evil/x\" .*moved aside" "$out"
hgit -C v/a/b/c/w status >/dev/null 2>&1
hgit -C v/a/b/c/w commit -q --allow-empty -m host >/dev/null 2>&1
assert_status "rewritten .git file: host git there runs nothing" 1 \
	test -e "$marker"
rm -f "$marker"
host_check "rewritten .git file" "$p"

# 2c2. repositories made in an old directory of 3,000 entries (its listing
# takes several reads) deep below directories that did not change during
# the run: each is found at exit
p=$(newrepo deep-crowd)
cd "$p" || exit 1
u mkdir -p v/a/b/crowd
u sh -c 'cd v/a/b/crowd && seq -f "f%04g" 3000 | xargs touch'
sleep 2	# the run starts in a later second than what was made before
out=$(jg -- sh -c 'for r in r1 r2 r3 r4 r5 r6; do
	git init -q "v/a/b/crowd/$r" &&
	git -C "v/a/b/crowd/$r" config core.fsmonitor "$1" || exit 1
	done && echo planted' sh "touch $marker" 2>&1)
assert_match "crowded directory: made inside" "planted" "$out"
assert_eq "crowded directory: each new repository moved aside" 6 \
	"$(printf '%s\n' "$out" |
		grep -c 'new repository ".*/v/a/b/crowd/r[1-6]/.git" .*moved aside')"
hgit add -A >/dev/null 2>&1
host_check "crowded directory" "$p"

# 2d. the names things are moved aside to, made beforehand by the jail so
# that the move fails and the repository stays in place
p=$(newrepo aside-names)
cd "$p" || exit 1
out=$(jg -- sh -c 'mkdir -p a/b && cd a/b && git init -q . &&
	git commit -q --allow-empty -m d && git config core.fsmonitor "$1" &&
	mkdir .git-jail-quarantine && for i in 1 2 3 4 5 6 7 8 9; do
	mkdir .git-jail-quarantine.$i; done && echo planted' \
	sh "touch $marker" 2>&1)
assert_match "names aside taken: planted inside" "planted" "$out"
assert_match "names aside taken: moved aside all the same" \
	"new repository \"$p/a/b/.git\" .*moved aside to \".git-jail-quarantine.[0-9a-f]{16}\"" \
	"$out"
assert_status "names aside taken: no .git left" 1 test -e a/b/.git
hgit add -A >/dev/null 2>&1
host_check "names aside taken" "$p"

# 3. protected paths reached through a symlink: the script agent
# settings run, a symlinked .envrc, a symlinked directory of the list;
# the target is protected, a dangling link's target cannot be made
p=$(newrepo symlinks)
cd "$p" || exit 1
u mkdir -p .claude scripts tools conf
u sh -c 'echo "{\"hooks\":{\"Stop\":[{\"hooks\":[{\"type\":\"command\",\"command\":\"./scripts/lint.sh\"}]}]}}" >.claude/settings.json
	printf "#!/bin/sh\necho lint\n" >tools/lint.sh
	chmod +x tools/lint.sh; ln -s ../tools/lint.sh scripts/lint.sh
	ln -s envrc.local .envrc; ln -s conf .vscode'
out=$(jg -- sh -c 'echo "touch $1" >>tools/lint.sh 2>&1
	echo "touch $1" >envrc.local 2>&1
	echo "{}" >conf/tasks.json 2>&1
	echo x >tools/other.sh && echo ordinary' sh "$marker" 2>&1)
assert_eq "symlinked protected paths: each write to a target fails" 3 \
	"$(printf '%s\n' "$out" | grep -Ec "$REFUSED")"
assert_match "symlinked protected paths: other files are written" \
	"ordinary" "$out"
u sh scripts/lint.sh >/dev/null 2>&1
assert_status "symlinked script: nothing runs when the agent runs it" 1 \
	test -e "$marker"
assert_status "dangling .envrc: its target was not made" 1 \
	test -e envrc.local
assert_status "symlinked .vscode: nothing made in its target" 1 \
	test -e conf/tasks.json
assert_match "--explain: the target with its reason" \
	"protect +$p/tools/lint.sh +\(default: the target of protected \"$p/scripts/lint.sh\"" \
	"$(jail --explain -- true)"
host_check "symlinks" "$p"

# 3b. a protected symlink replaced inside by a file of the jail's (its
# parent is writable, a symlink cannot be a mount point): put back at
# exit, what stood there moved aside
p=$(newrepo symlink-replaced)
cd "$p" || exit 1
u sh -c 'echo "echo mine" >envrc.local; ln -s envrc.local .envrc'
out=$(jg -- sh -c 'rm -f .envrc && echo "touch $1" >.envrc && echo replaced' \
	sh "$marker" 2>&1)
assert_match "replaced symlink: replaced inside" "replaced" "$out"
assert_match "replaced symlink: put back, with the reason" \
	"protected symlink \"$p/.envrc\" was replaced or removed during the run: put back" \
	"$out"
assert_eq "replaced symlink: the symlink is back" "envrc.local" \
	"$(readlink .envrc)"
assert_status "replaced symlink: the jail's file is aside" 0 \
	test -f .envrc.jail-quarantine
u sh .envrc >/dev/null 2>&1
assert_status "replaced symlink: sourcing it runs nothing" 1 test -e "$marker"
host_check "replaced symlink" "$p"

# A new repository NAME (printed) whose core.hooksPath .githooks holds a
# harmless committed pre-commit hook; the current directory is left there
hooked_repo() {
	p=$(newrepo "$1")
	cd "$p" || exit 1
	u mkdir .githooks
	u sh -c 'printf "#!/bin/sh\nexit 0\n" >.githooks/pre-commit
		chmod +x .githooks/pre-commit'
	hgit config core.hooksPath .githooks
	hgit add -A && hgit commit -qm hooks
}

# 4. a commit made inside that carries a hook under core.hooksPath (refs
# are shared: the commit lands): host `git reset --hard` or `git stash`
# would write it, so the exit summary names it and logs it
hooked_repo committed-hook
out=$(jg -- sh -c 'b=$(printf "%s\n" "$1" | git hash-object -w --stdin) &&
	git update-index --cacheinfo 100755,$b,.githooks/pre-commit &&
	git commit -q --no-verify -m innocent && echo committed' sh "$evil" 2>&1)
assert_match "committed hook: committed inside" "committed" "$out"
assert_match "committed hook: named at exit" \
	"\"$p/.git/HEAD\" now names a commit made during the run that carries protected \".githooks\"" \
	"$out"
assert_match "committed hook: logged" "git.protected_commit" \
	"$(jctl log 2>&1)"
out=$(jg -- sh -c 'echo b >b.txt && git add b.txt &&
	git commit -qm ordinary && echo committed' 2>&1)
assert_nomatch "an ordinary commit after it: not named" "now names a commit" \
	"$out"
# ORIG_HEAD, what `git reset --hard ORIG_HEAD` (the undo) checks out
out=$(jg -- sh -c 'b=$(printf "%s\n" "$1" | git hash-object -w --stdin) &&
	t=$(printf "100755 blob %s\tpre-commit\n" $b | git mktree) &&
	r=$(printf "040000 tree %s\t.githooks\n" $t | git mktree) &&
	git update-ref ORIG_HEAD "$(git commit-tree $r -m undo)" &&
	echo set' sh "$evil" 2>&1)
assert_match "ORIG_HEAD naming a hook: named at exit" \
	"\"$p/.git/ORIG_HEAD\" now names a commit .*git reset --hard ORIG_HEAD" \
	"$out"

# 5. a replace ref for HEAD's commit whose tree holds a hook (refs are
# shared): HEAD is unchanged, yet host `git reset --hard` writes the
# replacement's files; loose, and packed with the branch refs
for how in loose packed; do
	hooked_repo "replace-$how"
	out=$(jg -- sh -c 'b=$(printf "%s\n" "$1" | git hash-object -w --stdin) &&
		t=$(printf "100755 blob %s\tpre-commit\n" $b | git mktree) &&
		r=$(printf "040000 tree %s\t.githooks\n" $t | git mktree) &&
		c=$(git commit-tree $r -m hooks) &&
		git replace "$(git rev-parse HEAD)" $c &&
		{ [ "$2" = loose ] || git pack-refs --all; } && echo replaced' \
		sh "$evil" "$how" 2>&1)
	assert_match "replace ref ($how): made inside" "replaced" "$out"
	assert_match "replace ref ($how): removed at exit, with the reason" \
		"replace ref.* made during the run (removed|left out)" "$out"
	assert_eq "replace ref ($how): none on the host" "" \
		"$(hgit for-each-ref refs/replace/)"
	assert_eq "replace ref ($how): the branch is still there" "hooks" \
		"$(hgit log -1 --format=%s 2>&1)"
	hgit reset -q --hard
	host_check "replace ref ($how)" "$p"
done
exit 0
