#!/bin/bash
# SPDX-License-Identifier: MIT
# t-handoff5.sh - the hand-off through every ref a person checks out by
# name (tags, remote-tracking refs, any ref below refs/), through a --rw
# tree under --review, and through VS Code workspace files. Each attack
# is tried for real inside, then the host tool runs and the planted
# command must not have run
# shellcheck disable=SC2016 # in single quotes: the jail's shell expands it
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gitlib.sh"

# The planted command leaves this file under the test user's home, which
# the jail cannot see: it can only appear if the host ran the command
marker="$JT_HOME/PWNED5"
rm -f "$marker"

# A commit on HEAD whose tree adds .envrc (direnv runs it on cd) naming
# the planted command: its id, for the jail's shell to point a ref at
MKEVIL='b=$(printf "%s\n" "$1" | git hash-object -w --stdin) &&
	t=$(printf "100644 blob %s\t.envrc\n" $b | git mktree) &&
	c=$(git commit-tree -p HEAD $t -m evil)'

# 1. a tag, a remote-tracking ref and another ref below refs/, created or
# moved inside to a commit carrying .envrc: host `git checkout v1`,
# `git switch -c x origin/main`, `git reset --hard v1` would write it.
# Named at exit, loose and packed, lightweight and annotated
for how in loose packed; do
	p=$(newrepo "refs-$how")
	cd "$p" || exit 1
	hgit tag old
	out=$(jg -- sh -c "$MKEVIL"' &&
		git tag v1 $c && git tag -a -m evil v2 $c &&
		git tag -f old $c >/dev/null &&
		git update-ref refs/remotes/origin/main $c &&
		git update-ref refs/notes/evil $c &&
		{ [ "$2" = loose ] || git pack-refs --all; } && echo moved' \
		sh "touch $marker" "$how" 2>&1)
	assert_match "refs ($how): made inside" "moved" "$out"
	for r in tags/v1 tags/v2 tags/old remotes/origin/main notes/evil; do
		short=${r#tags/}; short=${short#remotes/}
		[ "$r" = notes/evil ] && short=refs/notes/evil
		assert_match "refs ($how): refs/$r named at exit with the command" \
			"refs/$r\" now names a commit .*carries protected \".envrc\": host git checkout $short would write it" \
			"$out"
	done
	assert_match "refs ($how): logged" "git.protected_commit.*refs/tags/v1" \
		"$(jctl log 2>&1)"
	assert_eq "refs ($how): no .envrc on the host" "absent" \
		"$([ -e "$p/.envrc" ] && echo there || echo absent)"
	host_check "refs ($how)" "$p"
done

# 1a. a ref to a commit whose objects lie in a directory the jail named
# in objects/info/alternates: it cannot be read by the check, so it is
# named once as unreadable (host git would read it there)
p=$(newrepo refs-alternates)
cd "$p" || exit 1
out=$(jg -- sh -c 'git init -q --bare alt.git &&
	b=$(printf "%s\n" "$1" | git --git-dir=alt.git hash-object -w --stdin) &&
	t=$(printf "100644 blob %s\t.envrc\n" $b | git --git-dir=alt.git mktree) &&
	c=$(git --git-dir=alt.git commit-tree $t -m evil) &&
	echo "$PWD/alt.git/objects" >.git/objects/info/alternates &&
	git update-ref refs/tags/alt $c && echo planted' sh "touch $marker" 2>&1)
assert_match "alternates: planted inside" "planted" "$out"
assert_match "alternates: named at exit as unreadable" \
	"refs/tags/alt\" now names a commit made during the run that cannot be read here" \
	"$out"
assert_eq "alternates: in one line" 1 "$(grep -c 'refs/tags/alt' <<<"$out")"
host_check "alternates" "$p"

# 1b. a tag naming a tree that holds a hook under core.hooksPath (host
# `git checkout t -- .` writes a tree's files), and an ordinary tag made
# inside on an ordinary commit: only the first is named
p=$(newrepo refs-tree)
cd "$p" || exit 1
hgit config core.hooksPath .githooks
out=$(jg -- sh -c 'b=$(printf "%s\n" "$1" | git hash-object -w --stdin) &&
	t=$(printf "100755 blob %s\tpre-commit\n" $b | git mktree) &&
	r=$(printf "040000 tree %s\t.githooks\n" $t | git mktree) &&
	git tag t $r && echo ok >f && git add f && git commit -qm ordinary &&
	git tag fine && echo tagged' sh "#!/bin/sh
touch $marker" 2>&1)
assert_match "tree tag: made inside" "tagged" "$out"
assert_match "tree tag: named at exit" \
	"refs/tags/t\" now names a commit .*carries protected \".githooks\"" \
	"$out"
assert_nomatch "tree tag: an ordinary tag is not named" "refs/tags/fine" \
	"$out"
host_check "tree tag" "$p"
hgit config --unset core.hooksPath

# 1c. ordinary git work with tags and remote refs stays quiet
p=$(newrepo refs-quiet)
cd "$p" || exit 1
out=$(jg -- sh -c 'echo a >a && git add a && git commit -qm a &&
	git tag v1 && git tag -a -m rel v2 &&
	git update-ref refs/remotes/origin/main HEAD && echo done' 2>&1)
assert_match "quiet refs: done" "done" "$out"
assert_nomatch "quiet refs: nothing named" "now names a commit" "$out"

# 1d. the state of a rebase, a cherry-pick sequence or git am left
# inside: host `git rebase --continue` (or `--abort`, `git cherry-pick
# --continue`, `git am --continue`) would apply a commit or patch that
# writes a hook under core.hooksPath, which the next commit runs
HOOK="#!/bin/sh
touch $marker"
EVILHOOK='b=$(printf "%s\n" "$1" | git hash-object -w --stdin) &&
	t=$(printf "100755 blob %s\tpre-commit\n" $b | git mktree) &&
	r=$(printf "040000 tree %s\t.githooks\n" $t | git mktree) &&
	c=$(git commit-tree -p HEAD $r -m evil)'
for how in rebase-merge sequencer rebase-apply orig-head; do
	p=$(newrepo "state-$how")
	cd "$p" || exit 1
	hgit config core.hooksPath .githooks
	out=$(jg -- sh -c "$EVILHOOK"' || exit 1
	h=$(git rev-parse HEAD)
	case $2 in
	rebase-merge)
		GIT_SEQUENCE_EDITOR="sh -c \"printf \\\"break\\npick $c\\n\\\" >\\\$1\" --" \
			git rebase -i HEAD >/dev/null 2>&1 ;;
	sequencer)
		mkdir -p .git/sequencer && echo $h >.git/sequencer/head &&
		printf "pick %s evil\n" $c >.git/sequencer/todo ;;
	rebase-apply)
		git format-patch -1 --stdout $c >/tmp/p &&
		mkdir -p .git/rebase-apply && cp /tmp/p .git/rebase-apply/0001 &&
		echo 1 >.git/rebase-apply/next && echo 1 >.git/rebase-apply/last &&
		echo $h >.git/rebase-apply/orig-head && : >.git/rebase-apply/applying ;;
	orig-head)
		GIT_SEQUENCE_EDITOR="sh -c \"printf \\\"break\\n\\\" >\\\$1\" --" \
			git rebase -i HEAD >/dev/null 2>&1 &&
		echo $c >.git/rebase-merge/orig-head ;;
	esac && echo left' sh "$HOOK" "$how" 2>&1)
	assert_match "state ($how): left inside" "left" "$out"
	assert_match "state ($how): not copied back, with the reason" \
		"\.git/${how%orig-head}.*carries protected \".githooks\".*not copied back" \
		"$out"
	hgit rebase --continue >/dev/null 2>&1
	hgit rebase --abort >/dev/null 2>&1
	hgit cherry-pick --continue >/dev/null 2>&1
	hgit am --continue >/dev/null 2>&1
	assert_eq "state ($how): no hook in the working tree" "absent" \
		"$([ -e "$p/.githooks" ] && echo there || echo absent)"
	host_check "state ($how)" "$p"
done

# 1f. a stash whose untracked files (its third parent) hold a hook:
# host `git stash pop` restores them. As refs/stash itself, as an older
# entry under an innocent one (stash@{1}), and as a merge's autostash
# (`git merge --abort` applies it)
MKSTASH='h=$(git rev-parse HEAD) && ht=$(git rev-parse "HEAD^{tree}") &&
	i=$(git commit-tree -p $h $ht -m "index on main") &&
	u=$(git commit-tree $r -m "untracked files on main") &&
	w=$(git commit-tree -p $h -p $i -p $u $ht -m "WIP on main")'
for how in top older autostash; do
	p=$(newrepo "stash-$how")
	cd "$p" || exit 1
	hgit config core.hooksPath .githooks
	out=$(jg -- sh -c "$EVILHOOK && $MKSTASH"' || exit 1
	case $2 in
	top|older)
		git update-ref --create-reflog -m "WIP on main" refs/stash $w ;;
	esac &&
	case $2 in
	older)
		echo x >x && git stash -q -u ;;
	autostash)
		echo $h >.git/MERGE_HEAD && echo $w >.git/MERGE_AUTOSTASH &&
		: >.git/MERGE_MSG ;;
	esac && echo stashed' sh "$HOOK" "$how" 2>&1)
	assert_match "stash ($how): made inside" "stashed" "$out"
	case $how in
	top) want='refs/stash" now names' ;;
	older) want='refs/stash@\{1\}" now names' ;;
	autostash) want='MERGE_AUTOSTASH" now names' ;;
	esac
	assert_match "stash ($how): named at exit" \
		"$want a commit .*carries protected \".githooks\"" "$out"
	if [ "$how" = top ]; then
		assert_nomatch "stash ($how): the older form not named" \
			'refs/stash@' "$out"
	fi
	host_check "stash ($how)" "$p"
done

# 1g. state files naming a commit a host command checks out: `git bisect
# reset` checks out BISECT_START, `git merge FETCH_HEAD` merges it
for how in BISECT_START FETCH_HEAD; do
	p=$(newrepo "stateid-$how")
	cd "$p" || exit 1
	hgit config core.hooksPath .githooks
	out=$(jg -- sh -c "$EVILHOOK"' || exit 1
	if [ "$2" = FETCH_HEAD ]; then
		printf "%s\t\tbranch main of x\n" $c >.git/FETCH_HEAD
	else
		echo $c >.git/BISECT_START
	fi && echo written' sh "$HOOK" "$how" 2>&1)
	assert_match "$how: written inside" "written" "$out"
	assert_match "$how: named at exit with the command" \
		"$how\" now names a commit .*carries protected \".githooks\"" \
		"$out"
	host_check "$how" "$p"
done

# 1e. an ordinary interactive rebase stopped inside (edit) lands, and
# host git carries it on
p=$(newrepo state-ordinary)
cd "$p" || exit 1
out=$(jg -- sh -c 'echo a >a && git add a && git commit -qm a &&
	echo b >b && git add b && git commit -qm b &&
	GIT_SEQUENCE_EDITOR="sed -i 1s/^pick/edit/" git rebase -i HEAD~2 \
		>/dev/null 2>&1; echo stopped' 2>&1)
assert_match "ordinary rebase: stopped inside" "stopped" "$out"
assert_nomatch "ordinary rebase: nothing refused" "not copied back" "$out"
assert_match "ordinary rebase: host git carries it on" "Successfully rebased" \
	"$(hgit rebase --continue 2>&1)"

# 2. --rw trees under --review: the project waits in an overlay, the
# tree is written as it is, so its exit walk runs like the project's
p=$(newrepo rv-proj)
t=$(newrepo rv-tree)
d=$(mkproj rv-data)
out_dir=$(mkproj rv-out)
cd "$p" || exit 1
out=$(jg --review="patch:$out_dir/x.patch" --rw "$t" --rw "$d" -- sh -c '
	cd "$1" || exit 1
	mkdir -p deep/a/b/c && git -C deep/a/b/c init -q &&
	git -C deep/a/b/c config core.fsmonitor "$3" && echo deep-made
	mkdir -p sub && printf "%s\n" "$3" >sub/.envrc && echo envrc-made
	cd "$2" && git init -q && git config core.pager "$3" && echo top-made
	printf "%s\n" "$3" >.envrc && echo data-envrc' \
	sh "$t" "$d" "touch $marker" 2>&1)
assert_match "review --rw: a deep repository made inside" "deep-made" "$out"
assert_match "review --rw: its new deep repository is moved aside" \
	"repository \"$t/deep/a/b/c/.git\" created during the run names commands.*moved aside" \
	"$out"
assert_match "review --rw: a deep .envrc is moved aside" \
	"\"$t/sub/.envrc\" was made or changed during the run .*moved aside" \
	"$out"
assert_match "review --rw data: a repository made at its top is moved aside" \
	"repository \"$d/.git\" created during the run names commands.*moved aside" \
	"$out"
assert_match "review --rw data: a .envrc at its top is moved aside" \
	"\"$d/.envrc\" was created during the run .*moved aside" "$out"
for f in "$t/sub/.envrc" "$d/.envrc"; do
	assert_eq "review --rw: no $f on the host" "absent" \
		"$([ -e "$f" ] && echo there || echo absent)"
done
hgit -C "$t/deep/a/b/c" status >/dev/null 2>&1
hgit -C "$d" log >/dev/null 2>&1
host_check "review --rw tree" "$t"
host_check "review --rw (the project)" "$p"

# 3. VS Code workspace files name commands the editor runs when the
# person opens them (tasks with runOn folderOpen, settings naming
# programs, launch, extensions): a new one at the top or below it is
# moved aside at exit, an existing one is read-only
WS='{"folders":[{"path":"."}],"tasks":{"version":"2.0.0","tasks":[{"label":"x","type":"shell","command":"CMD","runOptions":{"runOn":"folderOpen"}}]}}'
p=$(newrepo workspace)
u mkdir -p "$p/a/b"
u sh -c "printf '{}' >'$p/old.code-workspace'; printf '{}' >'$p/a/b/deep.code-workspace'"
cd "$p" || exit 1
out=$(jg -- sh -c 'ws=$(printf "%s" "$1" | sed "s|CMD|$2|")
	printf "%s" "$ws" >proj.code-workspace && echo top-made
	mkdir -p c/d && printf "%s" "$ws" >c/d/x.code-workspace && echo deep-made
	printf "%s" "$ws" >old.code-workspace && echo old-written
	printf "%s" "$ws" >a/b/deep.code-workspace && echo deep-written
	echo ok' sh "$WS" "touch $marker" 2>&1)
assert_match "workspace: made inside at the top" "top-made" "$out"
assert_match "workspace: made inside below the top" "deep-made" "$out"
for f in proj.code-workspace c/d/x.code-workspace; do
	assert_match "workspace: new $f moved aside at exit" \
		"\"$p/$f\" was made or changed during the run .*moved aside to \"$(basename "$f").jail-quarantine\"" \
		"$out"
	assert_eq "workspace: no $f on the host" "absent" \
		"$([ -e "$p/$f" ] && echo there || echo absent)"
done
assert_nomatch "workspace: an existing one at the top is read-only" \
	"old-written" "$out"
assert_nomatch "workspace: an existing one below the top is read-only" \
	"deep-written" "$out"
assert_eq "workspace: the existing ones are the person's" "{}{}" \
	"$(cat "$p/old.code-workspace" "$p/a/b/deep.code-workspace")"
assert_match "workspace: logged" "fs.quarantined.*proj.code-workspace" \
	"$(jctl log 2>&1)"
ex=$(jail --explain --net none -- true 2>&1)
assert_match "workspace: --explain names the existing one" \
	"old.code-workspace.*VS Code" "$ex"
assert_match "workspace: --explain says new ones are moved aside" \
	"NAME.code-workspace anywhere .*moved aside" "$ex"
host_check "workspace" "$p"

# 4. the files Vim and Neovim source from the directory they start in
# when 'exrc' is set: a new one anywhere is moved aside, an existing one
# met by the start's walk is read-only
p=$(newrepo exrc)
u mkdir -p "$p/src"
u sh -c "echo 'set ts=4' >'$p/.vimrc'"
cd "$p" || exit 1
out=$(jg -- sh -c 'printf "!%s\n" "$1" >.exrc && echo top-made
	printf "vim.fn.system(\"%s\")\n" "$1" >src/.nvim.lua && echo deep-made
	printf "!%s\n" "$1" >>.vimrc && echo vimrc-written; echo ok' \
	sh "touch $marker" 2>&1)
assert_match "exrc: made inside" "deep-made" "$out"
for f in .exrc src/.nvim.lua; do
	assert_match "exrc: new $f moved aside at exit" \
		"\"$p/$f\" was made or changed during the run .*Vim.*moved aside" \
		"$out"
	assert_eq "exrc: no $f on the host" "absent" \
		"$([ -e "$p/$f" ] && echo there || echo absent)"
done
assert_nomatch "exrc: an existing .vimrc is read-only" "vimrc-written" "$out"
assert_eq "exrc: the existing .vimrc is the person's" "set ts=4" \
	"$(cat "$p/.vimrc")"
host_check "exrc" "$p"
exit 0
