#!/bin/bash
# SPDX-License-Identifier: MIT
# t-keeper.sh - the exit checks hold when jail's supervisor is killed
# with SIGKILL: a jail plants each form and waits, the test kills the
# supervisor it started (or that supervisor's whole process group), the
# keeper makes the tree safe once the jail is gone, then real host git
# runs (reset --hard, add -A, status, commit) and the planted command
# must not have run. A normal end: the keeper does nothing and is gone.
# shellcheck disable=SC2016 # in single quotes: the jail's shell expands it
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gitlib.sh"

# The planted command leaves this file under the test user's home, which
# the jail cannot see: it can only appear if the host ran the command
marker="$JT_HOME/PWNEDK"
rm -f "$marker"
evil="#!/bin/sh
touch $marker"
OUT="$STAGE/keeper-$JT_USER.out"
# The absent protected paths the jail gets read-only placeholders for
PLACED=".vscode .jail.conf .mcp.json .gitmodules .devcontainer .cursor"

# start_planted SCRIPT: run SCRIPT ($1: the evil hook's text) in a jail
# in its own process group, in the current directory; it touches ready,
# then waits for the file go (30 s at most). Sets bg, sup and kp (the
# keeper); false when it never got ready
start_planted()
{
	rm -f ready go
	u setsid "$JAIL" --net none "${ID[@]}" -- sh -c "$1"'
		touch ready; i=0
		while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done' \
		sh "$evil" >"$OUT" 2>&1 &
	bg=$!
	sup=
	kp=
	wait_until 20 test -e ready && find_sup &&
		kp=$(pid_below "$sup" jail-keeper)
}

# killed NAME [group]: SIGKILL the supervisor, or its process group, and
# wait (10 s at most) until the keeper has done its work and exited
killed()
{
	local pg
	if [ "${2:-}" = group ]; then
		pg=$(ps -o pgid= -p "$sup" | tr -d ' ')
		if [ -z "$pg" ] || [ "$pg" = "$(ps -o pgid= -p $$ | tr -d ' ')" ]; then
			t_fail "$1: the jail has its own process group" "$pg"
			kill -9 "$sup"
		else
			kill -9 -- "-$pg"
		fi
	else
		kill -9 "$sup"
	fi
	wait "$bg" 2>/dev/null
	if wait_until 10 is_gone "$kp"; then
		t_pass "$1: the keeper outlived the supervisor and finished"
	else
		t_fail "$1: the keeper outlived the supervisor and finished" \
			"still running after 10 s"
		kill -9 "$kp" 2>/dev/null
	fi
}

# placed DIR: the placeholders present in DIR, by name
placed()
{
	local f
	for f in $PLACED; do [ -e "$1/$f" ] && printf '%s ' "$f"; done
}

# tree_safe LABEL: in $p after the run, the deep repository is moved
# aside and no replace ref is left; then host reset --hard, add -A,
# status and commit run nothing planted
tree_safe()
{
	assert_status "$1: the deep repository is moved aside" 1 \
		test -e a/b/c/d/e/f/.git
	assert_eq "$1: no replace ref left" "" \
		"$(hgit for-each-ref refs/replace/)"
	hgit reset -q --hard
	hgit add -A >/dev/null 2>&1
	host_check "$1: add -A, status, commit" "$p"
}

# A repository whose core.hooksPath .githooks holds a harmless committed
# hook, and a protected symlink .envrc -> envrc.local
prepare()
{
	p=$(newrepo "$1")
	cd "$p" || exit 1
	u mkdir .githooks
	u sh -c 'printf "#!/bin/sh\nexit 0\n" >.githooks/pre-commit
		chmod +x .githooks/pre-commit
		echo "echo mine" >envrc.local; ln -s envrc.local .envrc'
	hgit config core.hooksPath .githooks
	hgit add -A && hgit commit -qm hooks
}

# New repositories deep in the tree (6 levels, and under node_modules)
# naming a command; a replace ref for HEAD's commit whose tree holds a
# hook; the protected symlink replaced by the jail's file
PLANT='printf "%s\n" "$1" >evil.sh; chmod +x evil.sh
	for d in a/b/c/d/e/f node_modules/x/y; do
		mkdir -p $d && git -C $d init -q . &&
		git -C $d commit -q --allow-empty -m s &&
		git -C $d config core.fsmonitor "$PWD/evil.sh"
	done
	b=$(printf "%s\n" "$1" | git hash-object -w --stdin) &&
	t=$(printf "100755 blob %s\tpre-commit\n" $b | git mktree) &&
	r=$(printf "040000 tree %s\t.githooks\n" $t | git mktree) &&
	git replace "$(git rev-parse HEAD)" "$(git commit-tree $r -m hooks)"
	rm -f .envrc && printf "%s\n" "$1" >.envrc'

# 1. SIGKILL of the supervisor mid-attack
prepare killed
if start_planted "$PLANT"; then
	assert_eq "killed: the replace ref is on the host while it runs" 1 \
		"$(hgit for-each-ref refs/replace/ | wc -l)"
	assert_status "killed: the deep repository is there while it runs" 0 \
		test -e a/b/c/d/e/f/.git/config
	assert_eq "killed: placeholders while it runs" "$PLACED " "$(placed "$p")"
	assert_match "killed: listed by jail ps while it runs" "$sup" \
		"$(jctl ps 2>&1)"
	killed "killed"
	out=$(cat "$OUT")
	assert_eq "killed: no replace ref left" "" \
		"$(hgit for-each-ref refs/replace/)"
	assert_status "killed: the deep repository is moved aside" 1 \
		test -e a/b/c/d/e/f/.git
	assert_status "killed: the repository under node_modules is moved aside" 1 \
		test -e node_modules/x/y/.git
	assert_match "killed: the new repositories are named" \
		"new repository \"$p/node_modules/x/y/.git\"" "$out"
	assert_eq "killed: the protected symlink is back" "envrc.local" \
		"$(readlink .envrc)"
	assert_match "killed: the symlink's replacement is named" \
		"protected symlink \"$p/.envrc\" was replaced" "$out"
	assert_eq "killed: no placeholder left" "" "$(placed "$p")"
	assert_eq "killed: the run's entry for jail ps is removed" "" \
		"$(find "$(jail_runtime_dir)" -name '*.run' 2>/dev/null)"
	assert_match "killed: logged as run.killed" '"event":"run.killed"' \
		"$(jctl log --json 2>&1)"
	u sh .envrc >/dev/null 2>&1
	hgit reset -q --hard
	assert_eq "killed: host reset --hard writes the committed hook" \
		"exit 0" "$(tail -1 .githooks/pre-commit)"
	hgit add -A >/dev/null 2>&1
	host_check "killed: add -A, status, commit" "$p"
else
	t_fail "killed: the attack ran" "never ready: $(cat "$OUT")"
	[ -n "$sup" ] && kill -9 "$sup"
fi

# 2. SIGKILL of the supervisor's whole process group: the keeper has
# its own session, so it is not in the group
p=$(newrepo group)
cd "$p" || exit 1
if start_planted "$PLANT"; then
	assert_status "group: the keeper is in a session of its own" 1 \
		test "$(ps -o sid= -p "$kp")" = "$(ps -o sid= -p "$sup")"
	killed "group" group
	assert_eq "group: no placeholder left" "" "$(placed "$p")"
	tree_safe group
else
	t_fail "group: the attack ran" "never ready: $(cat "$OUT")"
	[ -n "$sup" ] && kill -9 "$sup"
fi

# 3. a normal end: the supervisor does the checks, the keeper exits
# without work and leaves nothing
p=$(newrepo normal)
cd "$p" || exit 1
if start_planted 'echo x >file'; then
	u touch go
	wait "$bg"
	assert_eq "normal end: the command's status" 0 "$?"
	if wait_until 10 is_gone "$kp"; then
		t_pass "normal end: the keeper is gone"
	else
		t_fail "normal end: the keeper is gone" "still running"
		kill -9 "$kp" 2>/dev/null
	fi
	log=$(jctl log --json 2>&1)
	assert_match "normal end: the exit is logged" '"event":"exit"' "$log"
	assert_nomatch "normal end: no run.killed" 'run.killed' "$log"
	assert_eq "normal end: no placeholder left" "" "$(placed "$p")"
	assert_eq "normal end: nothing printed" "" "$(cat "$OUT")"
	host_check "normal end" "$p"
else
	t_fail "normal end: the jail ran" "never ready: $(cat "$OUT")"
	[ -n "$sup" ] && kill -9 "$sup"
fi
# 3b. Ctrl-C (SIGINT to the jail's process group, no terminal): the
# keeper is not in that group; the supervisor ends normally and does the
# checks itself, the keeper exits without work
p=$(newrepo interrupt)
cd "$p" || exit 1
if start_planted "$PLANT"; then
	pg=$(ps -o pgid= -p "$sup" | tr -d ' ')
	[ -n "$pg" ] && [ "$pg" != "$(ps -o pgid= -p $$ | tr -d ' ')" ] &&
		kill -INT -- "-$pg"
	wait "$bg"
	assert_eq "Ctrl-C: jail ends with COMMAND's signal" 130 "$?"
	if wait_until 10 is_gone "$kp"; then
		t_pass "Ctrl-C: the keeper is gone"
	else
		t_fail "Ctrl-C: the keeper is gone" "still running"
		kill -9 "$kp" 2>/dev/null
	fi
	log=$(jctl log --json 2>&1)
	assert_match "Ctrl-C: a normal end, logged" '"event":"exit"' "$log"
	assert_nomatch "Ctrl-C: no run.killed" 'run.killed' "$log"
	tree_safe Ctrl-C
else
	t_fail "Ctrl-C: the attack ran" "never ready: $(cat "$OUT")"
	[ -n "$sup" ] && kill -9 "$sup"
fi

# 4. the keeper killed as well: the next run removes the placeholders
# left (their registry is no longer locked by a live run)
p=$(newrepo both)
cd "$p" || exit 1
if start_planted 'echo x >file'; then
	kill -9 "$kp" "$sup"
	wait "$bg" 2>/dev/null
	wait_until 10 is_gone "$kp"
	assert_eq "both killed: the placeholders are left" "$PLACED " \
		"$(placed "$p")"
	jail --net none -- true
	assert_eq "both killed: the next run removes them" "" "$(placed "$p")"
	host_check "both killed" "$p"
else
	t_fail "both killed: the jail ran" "never ready: $(cat "$OUT")"
	[ -n "$sup" ] && kill -9 "$sup"
fi
# 5. SIGKILL of the supervisor on a terminal: it had put the terminal in
# raw mode; the keeper puts back the settings the user had
p=$(newrepo tty)
cd "$p" || exit 1
out=$(as_user timeout -k 5 40 python3 - "$JAIL" <<'PY'
import os, pty, select, signal, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--net", "none", "--", "sh", "-c",
        "echo ready; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done"])
def lflag():
    return termios.tcgetattr(fd)[3]
before = lflag()
buf = b""
deadline = time.time() + 20
while time.time() < deadline and b"ready" not in buf:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            buf += os.read(fd, 4096)
        except OSError:
            break
raw = not lflag() & termios.ICANON
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
deadline = time.time() + 10
while time.time() < deadline and lflag() != before:
    time.sleep(0.05)
print("ready" if b"ready" in buf else "not-ready",
      "raw" if raw else "cooked",
      "restored" if lflag() == before else "left-raw")
PY
)
assert_eq "terminal: jail ran COMMAND in raw mode" "ready raw" "${out% *}"
assert_eq "terminal: the keeper put the user's settings back" "restored" \
	"${out##* }"

rm -f "$OUT" "$marker"
exit 0
