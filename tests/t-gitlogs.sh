#!/bin/bash
# SPDX-License-Identifier: MIT
# t-gitlogs.sh - the git dirs' logs/: host git appends its reflog to every
# file there and follows a symlink, so a symlink the jail plants there must
# never reach the real logs/, even when the supervisor is killed with
# SIGKILL; ordinary reflog work inside (commit, checkout, branch -D, stash)
# lands at a normal exit
# shellcheck disable=SC2016 # in single quotes: the jail's shell expands it
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gitlib.sh"

# The branch name below runs a command that leaves this file in the test
# user's home, which the jail cannot see
marker="$JT_HOME/PWNED-LOGS"
rc="$JT_HOME/rcfile"
rm -f "$marker"

# The attack: logs/HEAD and the branch's reflog made symlinks to $rc, then
# a branch whose name is a command
br='x;touch${IFS}'"$marker"';'
attack()
{
	local def=$1
	echo 'rm -f .git/logs/HEAD && ln -s '"$rc"' .git/logs/HEAD &&
	mkdir -p .git/logs/refs/heads &&
	ln -sf '"$rc"' .git/logs/refs/heads/'"$def"' &&
	git checkout -q -b '"'$br'"' && echo planted'
}

# host_after NAME DIR: host git commit and checkout -b work in DIR, $rc is
# unchanged, running it runs nothing, no symlink is left in logs/
host_after()
{
	local name=$1 dir=$2 out
	out=$(hgit -C "$dir" checkout -q "$def" 2>&1 &&
		hgit -C "$dir" commit -q --allow-empty -m host 2>&1 &&
		hgit -C "$dir" checkout -q -b "host-$name" 2>&1)
	assert_status "$name: host git commit and checkout -b work ($out)" 0 \
		test -z "$out"
	assert_eq "$name: the file outside is unchanged" "# rc" "$(cat "$rc")"
	assert_eq "$name: no symlink in the real logs/" "" \
		"$(find "$dir/.git/logs" -type l)"
	assert_eq "$name: the real logs/HEAD is a regular file" "yes" \
		"$(test -f "$dir/.git/logs/HEAD" && test ! -L "$dir/.git/logs/HEAD" && echo yes)"
	u sh "$rc" >/dev/null 2>&1
	assert_status "$name: nothing ran on the host" 1 test -e "$marker"
	rm -f "$marker"
}

# 1. a normal exit: the symlinks are refused, with the reason
p=$(newrepo logs-exit)
cd "$p" || exit 1
u sh -c "echo '# rc' >'$rc'"
def=$(u git symbolic-ref --short HEAD)
out=$(jg -- sh -c "$(attack "$def")" 2>&1)
assert_match "exit: planted inside" "planted" "$out"
assert_match "exit: the symlink is refused, with the reason" \
	"\"$p/.git/logs/HEAD\" written during the run not copied back: a symlink" \
	"$out"
host_after exit "$p"

# 2. SIGKILL of the supervisor while the symlinks are planted: nothing lands
p=$(newrepo logs-kill)
cd "$p" || exit 1
u sh -c "echo '# rc' >'$rc'"
def=$(u git symbolic-ref --short HEAD)
u "$JAIL" --net none "${ID[@]}" -- sh -c "$(attack "$def")"' &&
	touch ready; sleep 30' >/dev/null 2>&1 &
bg=$!
sup=
if wait_until 20 test -e "$p/ready" && find_sup; then
	kill -9 "$sup"
	wait "$bg" 2>/dev/null
	host_after SIGKILL "$p"
else
	t_fail "SIGKILL: the attack ran" "never ready"
	find_sup && kill -9 "$sup"
fi
rm -f "$p/ready"

# 3. ordinary reflog work inside lands at a normal exit: a pre-existing
# stash popped, a commit, a stash made, a branch deleted, gc
p=$(newrepo logs-work)
cd "$p" || exit 1
def=$(u git symbolic-ref --short HEAD)
u sh -c 'echo a >f' && hgit add f && hgit commit -q -m f
hgit branch old
u sh -c 'echo host-change >f' && hgit stash push -q -m host-stash
out=$(jg -- sh -c 'git stash pop -q && git commit -q -am jail-commit &&
	echo b >f && git stash push -q -m jail-stash &&
	git branch -D -q old && git gc -q 2>/dev/null;
	git checkout -q -b jail-branch && echo worked' 2>&1)
assert_match "work: done inside" "worked" "$out"
assert_nomatch "work: nothing refused" "not copied back" "$out"
assert_match "work: host git reflog shows the jail's commit" \
	"commit: jail-commit" "$(hgit reflog 2>&1)"
assert_match "work: host git reflog shows the jail's checkout" \
	"checkout: moving from $def to jail-branch" "$(hgit reflog 2>&1)"
st=$(hgit stash list 2>&1)
assert_match "work: the stash made inside is in host git stash list" \
	"jail-stash" "$st"
assert_nomatch "work: the stash popped inside is gone" "host-stash" "$st"
assert_status "work: the deleted branch's reflog is gone" 1 \
	test -e "$p/.git/logs/refs/heads/old"
assert_match "work: the new branch's reflog landed" "branch: Created" \
	"$(cat "$p/.git/logs/refs/heads/jail-branch" 2>&1)"
out=$(hgit stash pop 2>&1)
assert_match "work: host git pops the jail's stash" "Dropped" "$out"

# 3b. a directory of logs/ emptied and made anew inside: what it held is
# gone on the host too
p=$(newrepo logs-anew)
cd "$p" || exit 1
hgit branch feat/a
out=$(jg -- sh -c 'git branch -D -q feat/a && git branch feat/b &&
	echo worked' 2>&1)
assert_match "anew: done inside" "worked" "$out"
assert_status "anew: the deleted branch's reflog is gone" 1 \
	test -e .git/logs/refs/heads/feat/a
assert_status "anew: the new branch's reflog landed" 0 \
	test -f .git/logs/refs/heads/feat/b

# 3c. the host commits while the jail runs: both reflog lines are kept
p=$(newrepo logs-both)
cd "$p" || exit 1
u "$JAIL" --net none "${ID[@]}" -- sh -c 'git commit -q --allow-empty \
	-m jail-c && touch ready && i=0 && while [ ! -e host-done ] &&
	[ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done' >/dev/null 2>&1 &
bg=$!
if wait_until 20 test -e "$p/ready"; then
	hgit commit -q --allow-empty -m host-c
	u touch host-done
	wait "$bg"
	rl=$(hgit reflog 2>&1)
	assert_match "both: the jail's commit is in the host reflog" \
		"commit: jail-c" "$rl"
	assert_match "both: the host's commit is in the host reflog" \
		"commit: host-c" "$rl"
else
	t_fail "both: the jail committed" "never ready"
	wait "$bg"
fi

# 4. a reflog of the jail's that is no reflog is not copied back
p=$(newrepo logs-bad)
cd "$p" || exit 1
before=$(cat .git/logs/HEAD)
out=$(jg -- sh -c 'printf "touch %s\n" '"$marker"' >>.git/logs/HEAD &&
	mkfifo .git/logs/fifo && echo planted' 2>&1)
assert_match "not a reflog: planted inside" "planted" "$out"
assert_match "not a reflog: refused, with the reason" \
	"logs/HEAD\" written during the run not copied back: not a reflog" "$out"
assert_match "a FIFO: refused" "logs/fifo\" written during the run not copied back" \
	"$out"
assert_eq "not a reflog: the real logs/HEAD is unchanged" "$before" \
	"$(cat .git/logs/HEAD)"
assert_status "a FIFO: not made on the host" 1 test -e .git/logs/fifo
rm -f "$rc" "$marker"
exit 0
