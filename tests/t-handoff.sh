#!/bin/bash
# SPDX-License-Identifier: MIT
# t-handoff.sh - nothing the jail writes makes a host tool run a command
# afterwards: each attack is tried for real inside, then host git runs
# (status and commit) and the planted command must not have run
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gitlib.sh"

# How a refused write reads: a read-only bind, a read-only placeholder,
# or a placeholder file where a directory was wanted (dash's wording)
REFUSED='Read-only file system|Permission denied|Not a directory|Directory nonexistent'

# The planted command touches a file under the test user's home, which
# the jail cannot see: it can only appear if the host ran the command
marker="$JT_HOME/PWNED"
rm -f "$marker"

# plant_script DIR: an executable in the project that leaves the marker
plant='printf "#!/bin/sh\ntouch '"$marker"'\n" >evil.sh; chmod +x evil.sh'

# 1. commondir written into .git, pointing at a git dir the agent made
p=$(newrepo commondir)
cd "$p" || exit 1
out=$(jg -- sh -c "$plant"'
	mkdir -p evil/refs evil/objects evil/hooks
	printf "[core]\n\tfsmonitor = '"$p"'/evil.sh\n" >evil/config
	cp evil.sh evil/hooks/pre-commit
	echo "'"$p"'/evil" >.git/commondir && echo planted' 2>&1)
assert_match "commondir: written inside (the jail's own copy)" "planted" "$out"
assert_status "commondir: absent on the host" 1 test -e "$p/.git/commondir"
host_check "commondir" "$p"

# 2. hooks where core.hooksPath points, in the tree: present and absent
for hp in .husky .githooks; do
	p=$(newrepo "hookspath$hp")
	cd "$p" || exit 1
	hgit config core.hooksPath "$hp"
	[ "$hp" = .husky ] && u mkdir .husky
	out=$(jg -- sh -c "$plant"'; mkdir -p '"$hp"' 2>&1;
		cp evil.sh '"$hp"'/pre-commit 2>&1; cp evil.sh '"$hp"'/post-commit 2>&1' 2>&1)
	assert_match "core.hooksPath $hp: planting a hook fails" \
		"$REFUSED" "$out"
	assert_status "core.hooksPath $hp: no hook on the host" 1 \
		test -e "$p/$hp/pre-commit"
	host_check "core.hooksPath $hp" "$p"
	assert_match "core.hooksPath $hp: --explain names it" \
		"protect +$p/$hp +\(default: core.hooksPath" \
		"$(jail --explain -- true)"
done

# 2b. the same under --review: the overlay keeps the project's changes for
# the person, but what git's configuration names is protected all the
# same, so applying the review cannot land a hook there
for hp in .husky .githooks; do
	p=$(newrepo "rv-hookspath$hp")
	cd "$p" || exit 1
	hgit config core.hooksPath "$hp"
	[ "$hp" = .husky ] && u mkdir .husky
	out=$(jg --review=keep -- sh -c "$plant"'; mkdir -p '"$hp"' 2>&1;
		cp evil.sh '"$hp"'/pre-commit 2>&1; echo x >ordinary' 2>&1)
	id=$(review_id "$out")
	# A directory that exists is read-only inside; an absent one may be
	# made in the overlay, and is then held back as protected
	if [ "$hp" = .husky ]; then
		assert_match "--review, core.hooksPath $hp: planting a hook fails" \
			"$REFUSED" "$out"
	else
		assert_match "--review, core.hooksPath $hp: the hook is marked protected" \
			"^A! $hp/pre-commit +\(protected: not applied" "$out"
	fi
	ap=$(u "$JAIL" review "$id" apply 2>&1)
	assert_match "--review, core.hooksPath $hp: the rest applies" \
		"applied" "$ap"
	assert_status "--review, core.hooksPath $hp: no hook on the host" 1 \
		test -e "$p/$hp/pre-commit"
	host_check "--review, core.hooksPath $hp" "$p"
	# What apply held back stays kept: this file leaves nothing behind
	u "$JAIL" review "$id" discard >/dev/null 2>&1
done

# 3. a repository made without .git/hooks
p=$(mkproj nohooks)
u git init -q --template= "$p"
hgit -C "$p" commit -q --allow-empty -m init
cd "$p" || exit 1
jg -- sh -c "$plant"'; mkdir -p .git/hooks && cp evil.sh .git/hooks/pre-commit
	cp evil.sh .git/hooks/post-checkout' >/dev/null 2>&1
assert_status "no .git/hooks: none exists on the host after the run" 1 \
	test -e "$p/.git/hooks"
host_check "no .git/hooks" "$p"

# 3b. a .git that is a symlink to a git dir in the tree
p=$(newrepo dotgitlink)
cd "$p" || exit 1
u mv .git realgit
u ln -s realgit .git
jg -- sh -c "$plant"'
	(printf "[core]\n\tfsmonitor = '"$p"'/evil.sh\n" >>realgit/config) 2>&1
	echo "#!/bin/sh" >realgit/hooks/pre-commit 2>&1' >/dev/null 2>&1
assert_status "symlinked .git: its target's config is unchanged" 1 \
	grep -q fsmonitor "$p/realgit/config"
host_check "symlinked .git" "$p"

# 4. a submodule's git dir under .git/modules/NAME: its hooks and config
sub=$(newrepo subsrc)
p=$(newrepo withsub)
cd "$p" || exit 1
hgit -c protocol.file.allow=always submodule -q add "$sub" sub 2>/dev/null
hgit commit -qm addsub
out=$(jg -- sh -c "$plant"'
	(cp evil.sh .git/modules/sub/hooks/pre-commit) 2>&1
	(printf "[core]\n\tfsmonitor = '"$p"'/evil.sh\n" >>.git/modules/sub/config) 2>&1
	(echo "gitdir: ../evilgit" >sub/.git) 2>&1
	(echo ../../.. >.git/modules/sub/commondir) 2>&1' 2>&1)
assert_eq "submodule: hooks, config, .git pointer refused" 3 \
	"$(printf '%s\n' "$out" | grep -c 'Read-only file system')"
assert_status "submodule: no commondir on the host" 1 \
	test -e "$p/.git/modules/sub/commondir"
host_check "submodule (in the submodule)" "$p/sub"
host_check "submodule (in the superproject)" "$p"

# 5. a file in the tree that .git/config includes: present and absent
for state in present absent; do
	p=$(newrepo "include-$state")
	cd "$p" || exit 1
	hgit config include.path ../gitinc
	hgit config 'includeIf.gitdir:/.path' ../gitinc2
	[ $state = present ] && u sh -c 'echo "# shared" >gitinc'
	out=$(jg -- sh -c "$plant"'
		(printf "[core]\n\tfsmonitor = '"$p"'/evil.sh\n" >>gitinc) 2>&1
		(printf "[core]\n\thooksPath = /tmp\n" >gitinc2) 2>&1' 2>&1)
	assert_eq "include.path ($state): writing the included files fails" 2 \
		"$(printf '%s\n' "$out" | grep -Ec "$REFUSED")"
	host_check "include.path ($state)" "$p"
	if [ $state = absent ] && { [ -e gitinc ] || [ -e gitinc2 ]; }; then
		t_fail "include.path (absent): nothing left behind" "$(ls -a)"
	elif [ $state = absent ]; then
		t_pass "include.path (absent): nothing left behind"
	fi
done

# 6. .git/config.worktree with extensions.worktreeConfig
p=$(newrepo wtconfig)
cd "$p" || exit 1
hgit config extensions.worktreeConfig true
jg -- sh -c "$plant"'
	printf "[core]\n\tfsmonitor = '"$p"'/evil.sh\n" >.git/config.worktree' \
	>/dev/null 2>&1
assert_status "config.worktree: absent on the host" 1 \
	test -e "$p/.git/config.worktree"
host_check "config.worktree" "$p"

# 7. a linked worktree's own git dir (commondir there), and the main's
main=$(newrepo wtmain)
wt=$(mkproj wtlinked)
hgit -C "$main" worktree add -q -b wtb "$wt" 2>/dev/null
cd "$wt" || exit 1
gd=$(u git rev-parse --git-dir)
out=$(jg -- sh -c "$plant"'
	mkdir -p evil && printf "[core]\n\tfsmonitor = '"$wt"'/evil.sh\n" >evil/config
	(echo '"$wt"'/evil >'"$gd"'/commondir) 2>&1
	(echo "[core]" >>'"$main"'/.git/config) 2>&1
	(cp evil.sh '"$main"'/.git/hooks/pre-commit) 2>&1' 2>&1)
assert_eq "worktree: its commondir, the main config and hooks refused" 3 \
	"$(printf '%s\n' "$out" | grep -c 'Read-only file system')"
assert_eq "worktree: its commondir is unchanged on the host" "../.." \
	"$(cat "$gd/commondir")"
host_check "linked worktree" "$wt"
host_check "linked worktree (main)" "$main"

# 8. agent and IDE files that name commands: cannot be created
p=$(newrepo agentfiles)
cd "$p" || exit 1
out=$(jg -- sh -c '
	mkdir -p .claude .gemini .devcontainer .cursor 2>&1
	echo "{\"hooks\":{}}" >.claude/settings.json 2>&1
	echo "{\"mcpServers\":{}}" >.gemini/settings.json 2>&1
	echo "{\"initializeCommand\":\"touch '"$marker"'\"}" >.devcontainer/devcontainer.json 2>&1
	echo x >.cursor/mcp.json 2>&1
	rm -rf .cursor 2>&1; mv .claude .c2 2>&1' 2>&1)
assert_eq "agent files: each write fails" 4 \
	"$(printf '%s\n' "$out" | grep -Ec "$REFUSED")"
assert_match "agent files: .cursor cannot be removed" "cannot remove.*busy" "$out"
if [ -e .claude ] || [ -e .gemini ] || [ -e .devcontainer ] ||
	[ -e .cursor ] || [ -e .c2 ]; then
	t_fail "agent files: nothing is left on the host" "$(ls -a)"
else
	t_pass "agent files: nothing is left on the host"
fi
host_check "agent files" "$p"
out=$(jail --explain -- true)
assert_match "--explain: .devcontainer with its reason" \
	"protect +$p/.devcontainer +\(default: devcontainer initializeCommand" "$out"

# 9. a rebase todo list with an exec line is not handed to the host
p=$(newrepo rebaseexec)
cd "$p" || exit 1
for i in 1 2; do u sh -c "echo $i >f$i"; hgit add "f$i"; hgit commit -qm "c$i"; done
cat >ed.sh <<EOF
#!/bin/sh
{ echo break; echo "exec touch $marker"; cat "\$1"; } >"\$1.n" && mv "\$1.n" "\$1"
EOF
chmod +x ed.sh
chown "$JT_USER:" ed.sh
err=$(jg -- sh -c 'GIT_SEQUENCE_EDITOR=./ed.sh git rebase -qi HEAD~1 >/dev/null 2>&1
	test -d .git/rebase-merge && echo stopped' 2>&1)
assert_match "rebase exec: the rebase stopped inside" "stopped" "$err"
assert_match "rebase exec: refused at exit, with the reason" \
	"todo list .* runs a command \(exec\)" "$err"
hgit rebase --continue >/dev/null 2>&1
assert_status "rebase exec: the host's rebase --continue runs nothing" 1 \
	test -e "$marker"
rm -f "$marker"
u git rebase --abort >/dev/null 2>&1

# 10. a new repository made during the run is reported and logged
p=$(newrepo newrepo)
cd "$p" || exit 1
err=$(jg -- sh -c 'mkdir -p vendor/x && cd vendor/x && git init -q . &&
	echo "#!/bin/sh" >.git/hooks/pre-commit' 2>&1)
assert_match "new repository: reported at exit" \
	"new repository \"$p/vendor/x/.git\"" "$err"
assert_match "new repository: its hook is reported" \
	"new hook \"$p/vendor/x/.git/hooks/pre-commit\"" "$err"

# 11. SIGKILL of the supervisor mid-attack: nothing lands, nothing runs
p=$(newrepo sigkill)
cd "$p" || exit 1
u "$JAIL" --net none -- sh -c "$plant"'
	echo "'"$p"'/evil" >.git/commondir
	printf "[core]\n\tfsmonitor = '"$p"'/evil.sh\n" >.git/config.worktree
	touch ready; sleep 30' >/dev/null 2>&1 &
bg=$!
sup=
if wait_until 20 test -e "$p/ready" && find_sup; then
	kp=$(pid_below "$sup" jail-keeper)
	kill -9 "$sup"
	wait "$bg" 2>/dev/null
	if [ -n "$kp" ] && wait_until 10 is_gone "$kp"; then
		t_pass "SIGKILL: the keeper finished the exit checks"
	else
		t_fail "SIGKILL: the keeper finished the exit checks" \
			"no keeper ($kp), or still running"
	fi
	assert_status "SIGKILL: no commondir landed" 1 test -e "$p/.git/commondir"
	assert_status "SIGKILL: no config.worktree landed" 1 \
		test -e "$p/.git/config.worktree"
	assert_status "SIGKILL: .envrc cannot have been created" 0 \
		test ! -s "$p/.envrc"
	if [ -e "$p/.envrc" ] || [ -e "$p/.vscode" ]; then
		t_fail "SIGKILL: the keeper removed the placeholders" "$(ls -a "$p")"
	else
		t_pass "SIGKILL: the keeper removed the placeholders"
	fi
	host_check "SIGKILL" "$p"
else
	t_fail "SIGKILL: the attack ran" "never ready"
	find_sup && kill -9 "$sup"
fi

# 12. system directories cannot be the project
for d in /tmp /run; do
	err=$(cd "$d" && jail -- true 2>&1); rc=$?
	assert_eq "project $d is refused (exit 125)" 125 "$rc"
	assert_match "project $d: one line naming --project" \
		"^jail: --project \"$d\": a system directory cannot be the project" "$err"
done
err=$(jail --project /var/tmp -- true 2>&1); rc=$?
assert_eq "--project /var/tmp is refused" "125 1" "$rc $(printf '%s\n' "$err" | wc -l)"
rm -f "$marker"
exit 0
