#!/bin/bash
# SPDX-License-Identifier: MIT
# t-fsview.sh - the mount view: what is visible, writable, protected
. "$(dirname "$0")/lib.sh"

proj=$(mkproj fsview)
cd "$proj" || exit 1

# Host secrets the jail must not see
u mkdir -p "$JT_HOME/.ssh" "$JT_HOME/.aws"
u sh -c "echo PRIVATE-KEY >'$JT_HOME/.ssh/id_rsa'; echo AWS >'$JT_HOME/.aws/credentials'"
hosttmp=$(u mktemp /tmp/jail-host-XXXXXX)
echo host-tmp >"$hosttmp"
out=$(jail -- sh -c 'ls -A ~; echo "--"; ls -A /tmp /var/tmp /run')
assert_eq "home is empty inside" "--" "$(printf '%s\n' "$out" | head -1)"
assert_nomatch "host /tmp is not visible" "jail-host-" "$out"
assert_status "host ~/.ssh/id_rsa is absent" 1 \
	jail -- sh -c "test -e '$JT_HOME/.ssh/id_rsa'"
assert_status "host /tmp file is absent" 1 jail -- test -e "$hosttmp"
rm -f "$hosttmp"
assert_eq "home is private (0700)" "700" "$(jail -- stat -c %a "$JT_HOME")"

# A symlink planted in the project cannot reach host files
u ln -sfn "$JT_HOME/.ssh/id_rsa" "$proj/key-link"
u ln -sfn "../../../../../../../../$JT_HOME/.ssh" "$proj/dots-link"
out=$(jail -- sh -c 'cat key-link; ls dots-link/; cat ../../../../../../..'"$JT_HOME"'/.ssh/id_rsa' 2>&1)
assert_nomatch "symlinks and .. in the project reach nothing" "PRIVATE-KEY" "$out"
out=$(jail --ro "$proj/key-link" -- true 2>&1); rc=$?
assert_eq "a bind through a planted symlink is refused" 125 "$rc"
assert_match "the refusal says why" "^jail: --ro \"$proj/key-link\"" "$out"

# /etc: read-only, secrets hidden, jail-owned hosts and resolv.conf
assert_eq "/etc/shadow is empty" "0" "$(jail -- sh -c 'wc -c </etc/shadow')"
assert_match "/etc/hosts is jail-owned" "127.0.1.1.*jail" "$(jail -- cat /etc/hosts)"
out=$(jail -- sh -c 'touch /etc/x 2>&1; touch /usr/x 2>&1; touch /x 2>&1; touch /dev/x 2>&1')
assert_eq "system paths are read-only" 4 "$(printf '%s\n' "$out" | grep -c 'Read-only file system')"
out=$(jail -- sh -c 'echo hi >/dev/null && echo null-ok; head -c4 /dev/urandom | wc -c')
assert_eq "/dev/null and /dev/urandom work" "$(printf 'null-ok\n4')" "$out"
assert_eq "/dev holds only the minimal set" \
	"fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" \
	"$(jail -- ls /dev | paste -sd ' ')"
out=$(jail -- sh -c '(echo x >/proc/sys/vm/drop_caches) 2>&1')
assert_match "/proc/sys is read-only" "Read-only file system" "$out"
assert_match "/sys is read-only" "Read-only" "$(jail -- sh -c '(echo 1 >/sys/kernel/mm/ksm/run) 2>&1')"
# /sys is the view's last mount unless one lies below it: then it comes first
out=$(jail --tmpfs /sys/kernel -- sh -c 'stat -f -c %T /sys/kernel /sys')
assert_eq "a mount below /sys lies over the sysfs" \
	"$(printf 'tmpfs\nsysfs')" "$out"
assert_eq "without one, /sys is a sysfs" "sysfs" \
	"$(jail -- stat -f -c %T /sys)"
assert_eq "/proc/kcore reveals nothing" "0" "$(jail -- sh -c 'cat /proc/kcore 2>/dev/null | wc -c')"

# The project: the git top-level (else the current directory), writable
# at the same path, current directory kept
u mkdir -p "$proj/sub/dir"
out=$(cd "$proj/sub/dir" && jail -- sh -c 'pwd; echo made >made.txt; touch ../up 2>&1')
assert_match "current directory is kept" "^$proj/sub/dir" "$out"
assert_eq "project writes land on the host" "made" "$(cat "$proj/sub/dir/made.txt")"
assert_eq "files keep the caller's owner" "$JT_USER" "$(stat -c %U "$proj/sub/dir/made.txt")"
if [ ! -e "$proj/sub/up" ]; then
	t_pass "without git, the project is the current directory"
else
	t_fail "without git, the project is the current directory" "../up landed"
fi
u git init -q "$proj" 2>/dev/null
out=$(cd "$proj/sub/dir" && jail -- sh -c 'echo top >'"$proj"'/top.txt && echo ok')
assert_eq "with git, the project is the top-level" "ok" "$out"

# Protected paths in a git project
gp=$(mkproj git)
cd "$gp" || exit 1
u git init -q . 2>/dev/null
u sh -c 'echo "# trusted" >.jail.conf; echo "export X=1" >.envrc; mkdir -p .claude/commands .vscode'
u "$JAIL" trust --yes >/dev/null
before_cfg=$(cat .git/config)
out=$(jail -- sh -c '
	echo "evil" >.git/hooks/pre-commit 2>&1
	echo "[core]" >>.git/config 2>&1
	echo evil >.jail.conf 2>&1
	echo evil >.envrc 2>&1
	echo evil >.claude/commands/x.md 2>&1
	touch .vscode/tasks.json 2>&1' 2>&1)
assert_eq "writes to protected paths fail with EROFS" 6 \
	"$(printf '%s\n' "$out" | grep -c 'Read-only file system')"
assert_eq ".git/config is unchanged" "$before_cfg" "$(cat .git/config)"
out=$(jail -- sh -c 'mv .git .gitx 2>&1; mkdir -p .git/hooks 2>&1;
	echo evil >.git/hooks/post-checkout 2>&1; rm -rf .git 2>&1;
	mv .claude .c2 2>&1; mv .jail.conf j 2>&1; rm -f .envrc 2>&1' 2>&1)
assert_match "mv .git fails with EBUSY" "mv: cannot move '.git'.*Device or resource busy" "$out"
assert_match "mv of an ancestor fails with EBUSY" "cannot move '.claude'.*busy" "$out"
assert_match "rm of a protected file fails" "cannot remove '.envrc'.*busy" "$out"
if [ ! -e .git/hooks/post-checkout ] && [ ! -e .gitx ] && [ ! -e j ] &&
	[ -f .envrc ] && [ -d .git/hooks ]; then
	t_pass "no hook was planted, nothing was renamed"
else
	t_fail "no hook was planted, nothing was renamed" "$(ls -a . .git/hooks)"
fi
# A protected path that does not exist cannot be created, and nothing is
# left behind
out=$(jail -- sh -c 'mkdir -p .idea && echo x >.idea/workspace.xml' 2>&1)
assert_match "an absent protected path cannot be created" \
	"Read-only file system|File exists|Not a directory|Directory nonexistent" "$out"
assert_status "nothing is left of it on the host" 1 test -e "$gp/.idea"
out=$(jail --protect "$gp/notes.txt" -- sh -c 'echo x >notes.txt' 2>&1)
assert_match "--protect adds a path, absent ones too" \
	"Read-only file system|Permission denied" "$out"
assert_status "the absent --protect path stays absent" 1 test -e "$gp/notes.txt"

# A git worktree: the main repository's git dir is bound, still protected
main=$(mkproj wt-main)
cd "$main" || exit 1
u git init -q . && u git -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
wtparent=$(mkproj "wt parent")
wt="$wtparent/wt with space"
u git worktree add -q -b wt-branch "$wt" 2>&1
cd "$wt" || exit 1
out=$(jail -- sh -c 'echo x >file && git add file &&
	git -c user.name=t -c user.email=t@t commit -qm wt && echo committed;
	(echo evil >'"$main"'/.git/hooks/pre-commit) 2>&1;
	(echo "[x]" >>'"$main"'/.git/config) 2>&1;
	(echo "gitdir: /tmp" >.git) 2>&1' 2>&1)
assert_match "a worktree (path with spaces) can commit" "^committed" "$out"
assert_eq "the main repository's hooks and config, the .git file stay protected" 3 \
	"$(printf '%s\n' "$out" | grep -c 'Read-only file system')"
assert_eq "the worktree commit landed" "wt" \
	"$(u git -C "$main" log -1 --format=%s wt-branch 2>/dev/null)"
cd "$proj" || exit 1

# Binds: --ro, --rw, --hide, --tmpfs, --home, --project
cd "$proj" || exit 1
extra=$(mkproj extra)
u sh -c "echo data >'$extra/f'; mkdir -p '$extra/d'"
out=$(jail --ro "$extra" -- sh -c "cat '$extra/f'; touch '$extra/new' 2>&1")
assert_match "--ro is readable" "^data" "$out"
assert_match "--ro is not writable" "Read-only file system" "$out"
jail --rw "$extra" -- sh -c "echo w >'$extra/new'"
assert_eq "--rw is writable" "w" "$(cat "$extra/new" 2>/dev/null)"
out=$(jail --rw "$extra" --hide "$extra/f" --tmpfs "$extra/d" -- sh -c "wc -c <'$extra/f'; touch '$extra/d/t' && ls '$extra/d'")
assert_eq "--hide empties and --tmpfs replaces" "$(printf '0\nt')" "$out"
if [ -e "$extra/d/t" ]; then
	t_fail "--tmpfs writes stay inside" "landed on host"
else
	t_pass "--tmpfs writes stay inside"
fi
ph=$(mkproj persist-home)
jail --home "$ph" -- sh -c 'echo kept >~/state'
assert_eq "--home persists" "kept" "$(jail --home "$ph" -- cat "$JT_HOME/state")"
other=$(mkproj other)
out=$(jail --project "$other" -- sh -c "touch '$other/x' && echo ok; touch '$proj/y' 2>&1")
assert_match "--project makes DIR the writable project" "^ok" "$out"
assert_match "--project leaves the old directory out" \
	"^touch: cannot touch '$proj/y': No such file or directory$" "$(printf '%s' "$out" | sed -n 2p)"
assert_eq "... nothing was written there" no "$([ -e "$proj/y" ] && echo yes || echo no)"

# A command installed outside the view runs, read-only
u mkdir -p "$JT_HOME/.local/bin"
u sh -c "printf '#!/bin/sh\necho tool-ran\n' >'$JT_HOME/.local/bin/mytool'; chmod +x '$JT_HOME/.local/bin/mytool'"
out=$(jail -- "$JT_HOME/.local/bin/mytool" 2>&1)
assert_eq "a command outside the view runs" "tool-ran" "$out"
out=$(JT_EXTRA_ENV="PATH=$JT_HOME/.local/bin:/usr/bin:/bin" jail -- mytool 2>&1)
assert_eq "a command found on PATH outside the view runs" "tool-ran" "$out"
u sh -c "printf '#!/bin/sh\n(echo x >>\"\$0\") 2>&1\n' >'$JT_HOME/.local/bin/selfwrite'; chmod +x '$JT_HOME/.local/bin/selfwrite'"
out=$(jail -- "$JT_HOME/.local/bin/selfwrite" 2>&1)
assert_match "the command's directory is read-only" "Read-only file system" "$out"
out=$(jail --explain -- "$JT_HOME/.local/bin/mytool")
assert_match "--explain says the command is bound" "$JT_HOME/.local/bin.*command outside the view" "$out"
exit 0
