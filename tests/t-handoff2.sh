#!/bin/bash
# SPDX-License-Identifier: MIT
# t-handoff2.sh - the hand-off, more forms of each class: repositories the
# jail makes that host git enters, files installed hook managers read,
# agent files beyond the first ones. Each attack is tried for real inside,
# then host git runs and the planted command must not have run
# shellcheck disable=SC2016 # in single quotes: the jail's shell expands it
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gitlib.sh"

REFUSED='Read-only file system|Permission denied|Not a directory|Directory nonexistent|File exists'

# The planted command leaves this file under the test user's home, which
# the jail cannot see: it can only appear if the host ran the command
marker="$JT_HOME/PWNED2"
rm -f "$marker"
plant='printf "#!/bin/sh\ntouch '"$marker"'\n" >evil.sh; chmod +x evil.sh'

# 1. a repository made inside and committed as a gitlink: host git status
# in the project goes into it and would run its core.fsmonitor. At the
# top, and deep below node_modules, beyond the walk for new repositories
for sub in sub node_modules/a/b/c/d; do
	p=$(newrepo "gitlink-${sub%%/*}")
	cd "$p" || exit 1
	out=$(jg -- sh -c "$plant"'
		mkdir -p '"$sub"' && cd '"$sub"' && git init -q . &&
		git commit -q --allow-empty -m s &&
		git config core.fsmonitor '"$p"'/evil.sh &&
		cd '"$p"' && git add '"$sub"' 2>/dev/null && git commit -qm sub &&
		echo planted' 2>&1)
	assert_match "gitlink $sub: made and committed inside" "planted" "$out"
	assert_match "gitlink $sub: moved aside at exit, with the reason" \
		"new repository \"$p/$sub/.git\" .*names commands.*moved aside" \
		"$out"
	assert_status "gitlink $sub: no .git left at the gitlink" 1 \
		test -e "$p/$sub/.git"
	assert_status "gitlink $sub: kept aside for the person" 0 \
		test -d "$p/$sub/.git-jail-quarantine"
	host_check "gitlink $sub" "$p"
done

# 1b. a plain new repository at a gitlink, itself holding a gitlink deep
# below: host git status there goes on into it
p=$(newrepo gitlink-nested)
cd "$p" || exit 1
out=$(jg -- sh -c "$plant"'
	mkdir -p sub/deep/a/b/c/d && cd sub/deep/a/b/c/d && git init -q . &&
	git commit -q --allow-empty -m d &&
	git config core.fsmonitor '"$p"'/evil.sh && cd '"$p"'/sub &&
	git init -q . && git add deep/a/b/c/d 2>/dev/null && git commit -qm d &&
	cd '"$p"' && git add sub 2>/dev/null && git commit -qm sub &&
	echo planted' 2>&1)
assert_match "nested gitlinks: planted inside" "planted" "$out"
assert_status "nested gitlinks: the plain one is kept" 0 test -d sub/.git
assert_status "nested gitlinks: the deep one is moved aside" 1 \
	test -e sub/deep/a/b/c/d/.git
host_check "nested gitlinks" "$p"

# 2. a .git file in a subdirectory naming a git dir planted elsewhere in
# the tree, at a gitlink
p=$(newrepo gitfile)
cd "$p" || exit 1
out=$(jg -- sh -c "$plant"'
	git init -q planted && git -C planted commit -q --allow-empty -m p &&
	git -C planted config core.fsmonitor '"$p"'/evil.sh &&
	mv planted/.git evilgit && rmdir planted 2>/dev/null; rm -rf planted
	mkdir sub && echo "gitdir: ../evilgit" >sub/.git &&
	oid=$(git --git-dir=evilgit rev-parse HEAD) &&
	git update-index --add --cacheinfo 160000,$oid,sub &&
	git commit -qm sub && echo planted' 2>&1)
assert_match ".git file at a gitlink: planted inside" "planted" "$out"
assert_status ".git file at a gitlink: moved aside" 1 test -e "$p/sub/.git"
host_check ".git file at a gitlink" "$p"

# 3. a project that is no repository: the jail makes its .git
p=$(mkproj noinit)
cd "$p" || exit 1
out=$(jg -- sh -c "$plant"'; git init -q . &&
	git config core.fsmonitor '"$p"'/evil.sh && echo planted' 2>&1)
assert_match "new .git at the top: moved aside" \
	"new repository \"$p/.git\" .*moved aside" "$out"
u git -C "$p" status >/dev/null 2>&1
assert_status "new .git at the top: host git status runs nothing" 1 \
	test -e "$marker"
rm -f "$marker"

# 3b. a directory of the project made a bare repository: git run in it
# (git log in docs/) obeys its config, core.pager here; a bare repository
# there at start is guarded like any git dir
p=$(newrepo bare)
cd "$p" || exit 1
u mkdir docs
u sh -c 'echo hi >docs/README'
# commit_in: one commit on the branch HEAD names, so that git log shows
commit_in='t=$(git --git-dir=. mktree </dev/null) &&
	c=$(echo m | git --git-dir=. commit-tree "$t") &&
	git --git-dir=. update-ref "$(git --git-dir=. symbolic-ref HEAD)" "$c"'
u git init -q --bare fixture
(cd fixture && u env GIT_AUTHOR_NAME=h GIT_AUTHOR_EMAIL=h@h \
	GIT_COMMITTER_NAME=h GIT_COMMITTER_EMAIL=h@h sh -c "$commit_in")
hgit add -A && hgit commit -qm docs
out=$(jg -- sh -c 'cd docs && git init -q --bare . && '"$commit_in"' &&
	git --git-dir=. config core.pager "touch '"$marker"'; cat" &&
	cd ../fixture && (git config core.pager "touch '"$marker"'; cat" 2>&1)
	echo planted' 2>&1)
assert_match "bare repository: the new one is put out of git's sight" \
	"new repository \"$p/docs\" .*moved aside to \"HEAD.jail-quarantine\" inside" \
	"$out"
assert_match "bare repository: the one there at start keeps its config" \
	"could not write config|$REFUSED" "$out"
# The pager runs only on a terminal: git log there, as a person would
PTYRUN=$(dirname "$0")/ptyrun.py
for d in docs fixture; do
	u python3 "$PTYRUN" "$STAGE/pty-$JT_USER" -- \
		git -C "$p/$d" log --oneline >/dev/null 2>&1
done
rm -f "$STAGE/pty-$JT_USER"
assert_status "bare repository: git log in them runs nothing" 1 \
	test -e "$marker"
host_check "bare repository" "$p"

# 3c. the same under --review: applying the review must not make docs/ a
# repository with the jail's config
export XDG_STATE_HOME="$JT_HOME/.local/state"
p=$(newrepo rv-bare)
cd "$p" || exit 1
u mkdir docs
u sh -c 'echo hi >docs/README'
hgit add -A && hgit commit -qm docs
out=$(jg --review=keep -- sh -c 'cd docs && git init -q --bare . && '"$commit_in"' &&
	git --git-dir=. config core.pager "touch '"$marker"'; cat"' 2>&1)
id=$(printf '%s\n' "$out" | sed -n 's/^jail: review \([0-9a-f]\{16\}\): .*/\1/p' | head -1)
assert_match "--review, bare repository: its config is marked protected" \
	"A! docs/config" "$out"
ap=$(u "$JAIL" review "$id" apply 2>&1)
assert_match "--review, bare repository: the rest applies" "applied" "$ap"
u python3 "$PTYRUN" "$STAGE/pty-$JT_USER" -- \
	git -C "$p/docs" log --oneline >/dev/null 2>&1
rm -f "$STAGE/pty-$JT_USER"
assert_status "--review, bare repository: git log there runs nothing" 1 \
	test -e "$marker"
rm -f "$marker"
host_check "--review, bare repository" "$p"
u "$JAIL" review "$id" discard >/dev/null 2>&1

# 4. what ordinary work makes is kept: git init, a clone's config, an
# identity; host git works there
p=$(mkproj plaininit)
cd "$p" || exit 1
out=$(jg -- sh -c 'git init -q . && git config user.name t &&
	git remote add origin https://example.com/r.git &&
	git commit -q --allow-empty -m first && mkdir lib && cd lib &&
	git init -q . && git commit -q --allow-empty -m lib && echo made' 2>&1)
assert_match "plain new repositories: listed at exit" \
	"new repository \"$p/.git\" created during the run; its config" "$out"
assert_status "plain new repositories: kept" 0 test -d "$p/lib/.git"
host_check "plain new repository" "$p"
host_check "plain new repository (nested)" "$p/lib"

# 5. husky: core.hooksPath .husky/_, whose hook runs the script in .husky/
p=$(newrepo husky)
cd "$p" || exit 1
u mkdir -p .husky/_
u sh -c 'printf "#!/bin/sh\n. \"\$(dirname \"\$0\")/h\"\n" >.husky/_/pre-commit
	printf "#!/bin/sh\ns=\$(dirname \"\$(dirname \"\$0\")\")/\$(basename \"\$0\")\n[ -f \"\$s\" ] || exit 0\nsh -e \"\$s\"\n" >.husky/_/h
	chmod +x .husky/_/pre-commit .husky/_/h'
hgit config core.hooksPath .husky/_
hgit add -A && hgit commit -qm husky
out=$(jg -- sh -c 'echo "touch '"$marker"'" >.husky/pre-commit 2>&1' 2>&1)
assert_match "husky: the script its hook runs cannot be planted" \
	"$REFUSED" "$out"
host_check "husky" "$p"

# 6. a hook manager's installed hook reads a tracked file (pre-commit's
# .pre-commit-config.yaml, lefthook's lefthook.yml and its local file)
p=$(newrepo precommit)
cd "$p" || exit 1
u sh -c 'printf "#!/bin/sh\nsed -n \"s/^ *entry: //p\" .pre-commit-config.yaml | sh\n" >.git/hooks/pre-commit
	chmod +x .git/hooks/pre-commit
	printf "repos: []\n" >.pre-commit-config.yaml'
out=$(jg -- sh -c '
	printf "repos:\n- repo: local\n  hooks:\n  - id: x\n    entry: touch '"$marker"'\n" >.pre-commit-config.yaml 2>&1
	echo "pre-commit: {commands: {x: {run: touch '"$marker"'}}}" >lefthook-local.yml 2>&1
	echo x >.husky 2>&1' 2>&1)
assert_eq "hook manager files: each write fails" 3 \
	"$(printf '%s\n' "$out" | grep -Ec "$REFUSED")"
host_check "pre-commit config" "$p"
if [ -e lefthook-local.yml ] || [ -e .husky ]; then
	t_fail "hook manager files: nothing left on the host" "$(ls -a)"
else
	t_pass "hook manager files: nothing left on the host"
fi
assert_match "--explain: the hook manager's file with its reason" \
	"protect +$p/.pre-commit-config.yaml +\(default: an installed git hook" \
	"$(jail --explain -- true)"

# 7. agent and IDE files beyond the first ones: with .claude present, its
# local settings and hook scripts; the other agents' project configs
p=$(newrepo agentfiles2)
cd "$p" || exit 1
u mkdir .claude
u sh -c 'echo "{}" >.claude/settings.json'
files=".claude/settings.local.json .claude/hooks/h.sh .devcontainer.json
	.codex/config.toml opencode.json opencode.jsonc .opencode/plugin/p.js
	.aider.conf.yml .gemini/.env .gemini/extensions/e/gemini-extension.json"
# shellcheck disable=SC2086,SC2116 # the list on one line
out=$(jg -- sh -c 'for f in '"$(echo $files)"'; do
	mkdir -p "$(dirname "$f")" 2>/dev/null
	echo "{\"x\": \"touch '"$marker"'\"}" >"$f" 2>/dev/null ||
		echo "refused $f"; done' 2>&1)
for f in $files; do
	assert_match "agent file $f: cannot be written" "refused $f" "$out"
done
left=$(find . -mindepth 1 -path ./.git -prune -o -print | sort | tr '\n' ' ')
assert_eq "agent files: nothing left on the host" \
	"./.claude ./.claude/settings.json " "$left"
host_check "agent files" "$p"
out=$(jail --explain -- true)
assert_match "--explain: .claude/settings.local.json with its reason" \
	"protect +$p/.claude/settings.local.json +\(default: Claude Code hooks" \
	"$out"
assert_match "--explain: .devcontainer.json with its reason" \
	"protect +$p/.devcontainer.json +\(default: devcontainer initializeCommand" \
	"$out"

# 7b. more agents' and editors' directories: read-only where present,
# moved aside at exit where the run made them
p=$(newrepo agentdirs)
cd "$p" || exit 1
u mkdir .zed
dirs=".kiro/hooks/h.kiro.hook .windsurf/hooks.json .continue/config.yaml
	.amazonq/mcp.json .roo/mcp.json"
# shellcheck disable=SC2086,SC2116 # the list on one line
out=$(jg -- sh -c 'for f in '"$(echo $dirs)"' .zed/settings.json; do
	mkdir -p "$(dirname "$f")" 2>/dev/null
	echo "{\"x\": \"touch '"$marker"'\"}" >"$f" 2>/dev/null ||
		echo "refused $f"; done' 2>&1)
assert_match "agent dir present (.zed): cannot be written" \
	"refused .zed/settings.json" "$out"
for f in $dirs; do
	d=${f%%/*}
	assert_match "agent dir $d made during the run: moved aside at exit" \
		"\"$p/$d\" was created during the run .*moved aside to \"$d.jail-quarantine\"" \
		"$out"
	assert_status "agent dir $d: not there for the next agent" 1 test -e "$d"
done
host_check "agent dirs" "$p"
assert_match "--explain: a present agent dir with its reason" \
	"protect +$p/.zed +\(default: Zed language servers" \
	"$(jail --explain -- true)"
out=$(XDG_STATE_HOME="$JT_HOME/.local/state" jg --review=keep -- sh -c \
	'mkdir -p .kiro/hooks && echo x >.kiro/hooks/h.kiro.hook' 2>&1)
assert_match "--review, agent dir: marked protected" \
	"A! \.kiro/hooks/h\.kiro\.hook" "$out"
id=$(printf '%s\n' "$out" | sed -n 's/^jail: review \([0-9a-f]\{16\}\): .*/\1/p' | head -1)
u env XDG_STATE_HOME="$JT_HOME/.local/state" "$JAIL" review "$id" discard \
	>/dev/null 2>&1

# 8. mise follows a file the user trusted by its path: protected where it
# is; where it is not, a new one needs the user's trust first
p=$(newrepo mise)
cd "$p" || exit 1
u sh -c 'echo "[env]" >mise.toml'
out=$(jg -- sh -c 'printf "[hooks]\nenter = \"touch '"$marker"'\"\n" >>mise.toml 2>&1
	echo "[env]" >.mise.toml && echo made' 2>&1)
assert_match "mise.toml present: cannot be changed" "$REFUSED" "$out"
assert_match "mise: an absent one may be made" "made" "$out"
assert_eq "mise.toml: unchanged on the host" "[env]" "$(cat mise.toml)"

# 9. symlinks in the git dir's shared directories: host git appends its
# reflog through logs/HEAD, here to a file in the user's home standing
# for ~/.bashrc, with a branch name the jail chose
p=$(newrepo reflogs)
cd "$p" || exit 1
rc="$JT_HOME/rcfile"
u sh -c "echo '# rc' >'$rc'"
def=$(u git symbolic-ref --short HEAD)
br='x;touch${IFS}'"$marker"';'
out=$(jg -- sh -c 'rm -f .git/logs/HEAD && ln -s '"$rc"' .git/logs/HEAD &&
	mkdir -p .git/logs/refs/heads .git/objects/zz &&
	ln -sf '"$rc"' .git/logs/refs/heads/'"$def"' &&
	ln -s '"$JT_HOME"' .git/objects/ab &&
	git checkout -q -b '"'$br'"' && echo planted' 2>&1)
assert_match "reflog symlinks: planted inside" "planted" "$out"
assert_match "reflog symlinks: refused at exit, with the reason" \
	"\"$p/.git/logs/HEAD\" written during the run not copied back: a symlink" \
	"$out"
assert_match "reflog symlinks: the one in objects/ removed at exit" \
	"symlink \"$p/.git/objects/ab\" made during the run removed" "$out"
hgit checkout -q "$def" 2>/dev/null
host_check "reflog symlinks" "$p"
assert_eq "reflog symlinks: the home file is unchanged" "# rc" "$(cat "$rc")"
assert_eq "reflog symlinks: none left in the git dir" "" \
	"$(find .git -type l)"
u sh "$rc" >/dev/null 2>&1
assert_status "reflog symlinks: nothing runs from the home file" 1 \
	test -e "$marker"
rm -f "$marker" "$rc"

# 9b. the same under --review: applying the review must not land the
# symlink in .git/logs
export XDG_STATE_HOME="$JT_HOME/.local/state"
p=$(newrepo rv-reflogs)
cd "$p" || exit 1
u sh -c "echo '# rc' >'$rc'"
out=$(jg --review=keep -- sh -c 'rm -f .git/logs/HEAD &&
	ln -s '"$rc"' .git/logs/HEAD && echo fine >fine.txt' 2>&1)
id=$(printf '%s\n' "$out" | sed -n 's/^jail: review \([0-9a-f]\{16\}\): .*/\1/p' | head -1)
assert_match "--review, reflog symlink: marked protected" \
	"A! \.git/logs/HEAD" "$out"
ap=$(u "$JAIL" review "$id" apply 2>&1)
assert_match "--review, reflog symlink: the rest applies" "applied" "$ap"
assert_status "--review, reflog symlink: not applied" 1 test -L .git/logs/HEAD
host_check "--review, reflog symlink" "$p"
assert_eq "--review, reflog symlink: the home file is unchanged" "# rc" \
	"$(cat "$rc")"
u "$JAIL" review "$id" discard >/dev/null 2>&1
rm -f "$rc"

# 9c. a packed-refs host git refuses: every git command on the host
# would stop at it; the one from the jail is not copied back
p=$(newrepo packedrefs)
cd "$p" || exit 1
out=$(jg -- sh -c 'git pack-refs --all && echo garbage >>.git/packed-refs &&
	echo planted' 2>&1)
assert_match "packed-refs: not copied back, with the reason" \
	"packed-refs\" from the jail is not a valid packed-refs" "$out"
host_check "packed-refs" "$p"

# 10. the scripts an agent's protected settings run: a project hook's
# ./scripts/lint.sh and an absent tools/check.sh it runs; under --profile
# claude the status line ~/.claude/statusline.sh. The host side is the
# agent started without jail, which runs them as they are
p=$(newrepo settingsrun)
cd "$p" || exit 1
u mkdir -p .claude scripts "$JT_HOME/.claude"
u sh -c 'echo "{\"hooks\":{\"PostToolUse\":[{\"hooks\":[{\"type\":\"command\",\"command\":\"sh ./scripts/lint.sh; tools/check.sh\"}]}]}}" >.claude/settings.json
	echo "#!/bin/sh" >scripts/lint.sh
	echo "{\"statusLine\":{\"type\":\"command\",\"command\":\"~/.claude/statusline.sh\"}}" >"$HOME/.claude/settings.json"
	printf "#!/bin/sh\necho status\n" >"$HOME/.claude/statusline.sh"
	chmod +x "$HOME/.claude/statusline.sh"'
out=$(jg --profile claude -- sh -c '
	echo "touch '"$marker"'" >>scripts/lint.sh 2>&1
	mkdir -p tools 2>&1 && echo "touch '"$marker"'" >tools/check.sh 2>&1
	echo "touch '"$marker"'" >>~/.claude/statusline.sh 2>&1
	echo other >scripts/other.sh && echo ordinary' 2>&1)
assert_eq "settings' scripts: each write fails" 3 \
	"$(printf '%s\n' "$out" | grep -Ec "$REFUSED")"
assert_match "settings' scripts: other files are written" "ordinary" "$out"
u sh scripts/lint.sh >/dev/null 2>&1
u sh -c 'test ! -e tools/check.sh || sh tools/check.sh' >/dev/null 2>&1
u sh "$JT_HOME/.claude/statusline.sh" >/dev/null 2>&1
assert_status "settings' scripts: nothing runs when the agent runs them" 1 \
	test -e "$marker"
assert_match "--explain: the status line script with its reason" \
	"protect +$JT_HOME/.claude/statusline.sh +\(default: $JT_HOME/.claude/settings.json runs it" \
	"$(jail --profile claude --explain -- true)"
rm -rf "$marker" "$JT_HOME/.claude"

# 10b. the server script a project's .mcp.json starts (an argument of
# node): an agent approved it once and starts it at each start after
p=$(newrepo mcpscript)
cd "$p" || exit 1
u mkdir mcp
u sh -c 'echo "// server" >mcp/server.js
	echo "{\"mcpServers\":{\"x\":{\"command\":\"node\",\"args\":[\"./mcp/server.js\",\"@scope/pkg\"]}}}" >.mcp.json'
out=$(jg -- sh -c 'echo "require(\"child_process\").execSync(\"touch '"$marker"'\")" >>mcp/server.js 2>&1
	mkdir -p @scope/pkg && echo made' 2>&1)
assert_match ".mcp.json's server script: cannot be changed" "$REFUSED" "$out"
assert_match ".mcp.json: an argument that is no file stays free" "made" "$out"
assert_eq ".mcp.json's server script: unchanged on the host" "// server" \
	"$(cat mcp/server.js)"
exit 0
