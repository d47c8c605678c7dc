#!/bin/bash
# SPDX-License-Identifier: MIT
# t-crossrun.sh - one run must not widen the next: what a jail plants in
# the project (git pointers, symlinks, FIFOs, names) is hostile input for
# the next run, for `jail review ID apply` and for host git. Each attack
# runs twice: plant, then the next run (or apply); a decoy outside the
# project must stay unchanged.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

u() { as_user "$@"; }
gitu() { as_user git -c user.name=t -c user.email=t@t -c safe.directory='*' "$@"; }

# The decoys: a directory, a directory that looks like a git dir, a file
decoy="$STAGE/decoy-$JT_USER"
rm -rf "$decoy" "$decoy.git" "$decoy.rc"
u mkdir -p "$decoy"
u sh -c "echo decoy >'$decoy/f'; echo 'decoy rc' >'$decoy.rc'"
gitu init -q --bare "$decoy.git"
touch -d '2020-01-01 00:00' "$decoy/f" "$decoy" "$decoy.rc" "$decoy.git/HEAD" \
	"$decoy.git"
# decoy_state: content, size and mtime of every decoy entry
decoy_state()
{
	find "$decoy" "$decoy.rc" "$decoy.git" -printf '%p %s %T@\n' | sort
	cat "$decoy/f" "$decoy.rc"
}
before=$(decoy_state)
# check_decoy NAME: the decoys are as they were
check_decoy() { assert_eq "$1: the decoy outside is unchanged" "$before" "$(decoy_state)"; }

# An attack for the second run: write into every decoy, say what it saw
# (/var/tmp inside is a fresh tmpfs: a decoy must be seen to count)
attack="for d in '$decoy' '$decoy.git'; do (echo pwned >\"\$d/f\") 2>/dev/null &&
	echo WROTE \$d; ls \"\$d\" >/dev/null 2>&1 && echo SAW \$d; done
	grep -q decoy '$decoy.rc' 2>/dev/null && echo SAW rc &&
	(echo pwned >>'$decoy.rc') 2>/dev/null && echo WROTE rc; true"

# ---- 1. git pointers ----------------------------------------------------
# A .git pointer the jail makes is moved aside at that run's exit
# (t-handoff2.sh); what a run killed before its exit leaves behind is
# planted here directly, as that run's command would have
proj=$(mkproj crossrun)
cd "$proj" || exit 1
for target in "$decoy" "$decoy.git" "$decoy.rc" "$JT_HOME" "$STAGE" \
	"$JT_HOME/.local/state/jail/review" /etc; do
	u sh -c "printf 'gitdir: %s\n' '$target' >.git"
	out=$(jail -- sh -c "$attack" 2>&1); rc=$?
	assert_eq "gitdir: $target: the next run still runs" 0 "$rc"
	assert_nomatch "gitdir: $target: not bound" "WROTE|SAW" "$out"
	assert_match "gitdir: $target: one warning line" \
		"^jail: warning: git pointer \"$proj/.git\" not followed: " "$out"
	assert_eq "gitdir: $target: only one warning" 1 \
		"$(printf '%s\n' "$out" | grep -c '^jail: warning')"
	out=$(jail --explain -- true 2>&1)
	assert_nomatch "gitdir: $target: --explain binds nothing of it" \
		"^  (rw|ro) +$target " "$out"
	# A .git file is protected in the run after: planted afresh each time
	u rm -f "$proj/.git"
done
check_decoy "git pointers"
# A relative pointer through a planted symlink: the same
u sh -c "ln -s '$decoy.git' lnk && printf 'gitdir: lnk\n' >.git"
out=$(jail -- sh -c "$attack" 2>&1)
assert_nomatch "gitdir through a symlink: not bound" "WROTE|SAW" "$out"
u rm -f "$proj/.git" "$proj/lnk"

# A .git file in a subdirectory of a real repository
gitu init -q .
gitu commit -q --allow-empty -m init
u sh -c "mkdir -p sub && printf 'gitdir: $decoy.git\n' >sub/.git"
cd "$proj/sub" || exit 1
out=$(jail -- sh -c "$attack" 2>&1)
assert_nomatch "sub/.git of a repository: not bound" "WROTE|SAW" "$out"
assert_match "sub/.git of a repository: a warning" "^jail: warning: git pointer" "$out"
cd "$proj" || exit 1
check_decoy "sub/.git"

# ---- real linked worktrees and submodules keep working -------------------
main=$(mkproj crossrun-main)
gitu -C "$main" init -q .
gitu -C "$main" commit -q --allow-empty -m init
wt="$(mkproj crossrun-wtp)/wt"
gitu -C "$main" worktree add -q -b wtb "$wt" 2>/dev/null
cd "$wt" || exit 1
out=$(jail -- sh -c 'echo x >f && git add f &&
	git -c user.name=t -c user.email=t@t commit -qm in-jail && echo committed' 2>&1)
assert_match "a real linked worktree: a commit inside works" "^committed" "$out"
assert_nomatch "a real linked worktree: no warning" "warning" "$out"
assert_eq "a real linked worktree: the commit landed" "in-jail" \
	"$(gitu -C "$main" log -1 --format=%s wtb)"
assert_match "--explain says why the worktree's git dir is bound" \
	"git +\.git file followed: linked worktree of \"$main/.git\"" \
	"$(jail --explain -- true 2>&1)"
name=$(basename "$(sed -n 's/^gitdir: //p' "$wt/.git")")
cdfile="$main/.git/worktrees/$name/commondir"
# The jail cannot rewrite the worktree's commondir in the bound main
# repository (git dirs are read-only inside but for git's own work)
cd_before=$(cat "$cdfile")
jail -- sh -c "printf '%s\n' '$decoy.git' >'$cdfile'" 2>/dev/null
assert_eq "a commondir rewritten inside: refused" "$cd_before" "$(cat "$cdfile")"
# Whoever did write it (an older jail, a tool outside), the next run
# follows it only if it points back
u sh -c "printf '%s\n' '$decoy.git' >'$cdfile'"
out=$(jail -- sh -c "$attack" 2>&1); rc=$?
assert_eq "a rewritten commondir: the next run still runs" 0 "$rc"
assert_nomatch "a rewritten commondir: not bound" "WROTE|SAW" "$out"
assert_match "a rewritten commondir: a warning" "warning: git pointer .*commondir" "$out"
# Its gitdir file pointing elsewhere: refused too
echo ../.. >"$cdfile"
u sh -c "printf '/elsewhere/.git\n' >'$main/.git/worktrees/$name/gitdir'"
out=$(jail -- sh -c "$attack" 2>&1)
assert_match "a gitdir file that does not point back: refused" \
	"warning: git pointer .*does not name" "$out"
echo "$wt/.git" >"$main/.git/worktrees/$name/gitdir"
# A FIFO planted at commondir never hangs the next start
u sh -c "rm '$cdfile' && mkfifo '$cdfile'"
out=$(as_user timeout -k 5 20 "$JAIL" -- true 2>&1); rc=$?
assert_eq "a FIFO at commondir: the start does not hang" 0 "$rc"
assert_match "a FIFO at commondir: a warning" "warning: git pointer .*commondir" "$out"
rm -f "$cdfile"
echo ../.. >"$cdfile"
chown "$JT_USER:" "$cdfile"
check_decoy "worktrees"

# A real submodule: a commit inside works
subsrc=$(mkproj crossrun-subsrc)
gitu -C "$subsrc" init -q .
gitu -C "$subsrc" commit -q --allow-empty -m sub-init
super=$(mkproj crossrun-super)
gitu -C "$super" init -q .
for sm in sm sm2; do
	gitu -C "$super" -c protocol.file.allow=always submodule add -q \
		"$subsrc" $sm >/dev/null 2>&1
done
gitu -C "$super" commit -qm add-sm
cd "$super/sm" || exit 1
out=$(jail -- sh -c 'echo y >g && git add g &&
	git -c user.name=t -c user.email=t@t commit -qm sm-in-jail && echo committed' 2>&1)
assert_match "a real submodule: a commit inside works" "^committed" "$out"
assert_nomatch "a real submodule: no warning" "warning" "$out"
assert_eq "a real submodule: the commit landed" "sm-in-jail" \
	"$(gitu -C "$super/sm" log -1 --format=%s)"
# From the submodule, a pointer at its sibling's git dir (never bound)
u sh -c "mkdir -p d && printf 'gitdir: %s\n' '$super/.git/modules/sm2' >d/.git"
cd "$super/sm/d" || exit 1
out=$(jail -- sh -c "touch '$super/.git/modules/sm2/planted' 2>/dev/null && echo WROTE" 2>&1)
assert_nomatch "a sibling submodule's git dir: not bound" "WROTE" "$out"
assert_match "a sibling submodule's git dir: a warning" \
	"warning: git pointer .*does not point back" "$out"
assert_eq "a sibling submodule's git dir: unchanged" "no" \
	"$([ -e "$super/.git/modules/sm2/planted" ] && echo yes || echo no)"
cd "$proj" || exit 1

# ---- 2. --home and --rw inside the project: no symlink followed ---------
hp=$(mkproj crossrun-home)
cd "$hp" || exit 1
u mkdir .jail-home
jail --home "$hp/.jail-home" -- sh -c "rm -rf '$hp/.jail-home' && ln -s '$decoy' '$hp/.jail-home'"
out=$(jail --home "$hp/.jail-home" -- sh -c "$attack" 2>&1); rc=$?
assert_eq "--home replaced by a symlink: refused (125)" 125 "$rc"
assert_match "--home replaced by a symlink: one line" \
	"^jail: --home \"$hp/.jail-home\": a symlink inside the writable tree" "$out"
assert_eq "--home replaced by a symlink: only that line" 1 "$(printf '%s\n' "$out" | wc -l)"
u ln -s "$decoy" "$hp/data"
out=$(jail --rw "$hp/data" -- sh -c "$attack" 2>&1); rc=$?
assert_eq "--rw through a symlink in the project: refused (125)" 125 "$rc"
u mkdir -p "$hp/real/inner"
u ln -s "$decoy" "$hp/real/inner/x"
out=$(jail --home "$hp/real" --ro "$hp/real/inner/x" -- sh -c "$attack" 2>&1); rc=$?
assert_eq "--ro through a symlink in --home: refused (125)" 125 "$rc"
# The same from a trusted .jail.conf line
u rm -f "$hp/.jail-home"
u mkdir "$hp/.jail-home"
u sh -c "echo 'home .jail-home' >'$hp/.jail.conf'"
u "$JAIL" trust >/dev/null 2>&1
jail -- sh -c "rm -rf '$hp/.jail-home' && ln -s '$decoy' '$hp/.jail-home'"
out=$(jail -- sh -c "$attack" 2>&1); rc=$?
assert_eq "a trusted 'home .jail-home' made a symlink: refused (125)" 125 "$rc"
assert_nomatch "a trusted 'home .jail-home' made a symlink: not bound" "WROTE|SAW" "$out"
check_decoy "--home"

# ---- 3. FIFOs where jail reads ------------------------------------------
fp=$(mkproj crossrun-fifo)
cd "$fp" || exit 1
jail -- mkfifo .jail.conf 2>/dev/null || u mkfifo .jail.conf
out=$(as_user timeout -k 5 20 "$JAIL" -- true 2>&1); rc=$?
assert_eq "a FIFO at .jail.conf: refused (125), no hang" 125 "$rc"
assert_match "a FIFO at .jail.conf: one line" "^jail: project policy .*not a regular file" "$out"
out=$(as_user timeout -k 5 20 "$JAIL" trust 2>&1); rc=$?
assert_eq "jail trust of a FIFO: refused (125), no hang" 125 "$rc"
u rm -f .jail.conf
jail -- sh -c "ln -s '$decoy.rc' .jail.conf" 2>/dev/null || u ln -s "$decoy.rc" .jail.conf
out=$(jail -- true 2>&1); rc=$?
assert_eq "a symlink at .jail.conf: refused (125)" 125 "$rc"
out=$(u "$JAIL" trust 2>&1); rc=$?
assert_eq "jail trust of a symlink at .jail.conf: refused (125)" 125 "$rc"
assert_nomatch "jail trust of a symlink: the target is not read" "decoy" "$out"
u rm -f .jail.conf
jail -- mkfifo tool
out=$(as_user timeout -k 5 20 "$JAIL" -- ./tool 2>&1); rc=$?
if [ "$rc" -ne 124 ] && [ "$rc" -ne 0 ]; then
	t_pass "a FIFO as the command: no hang at interpreter detection ($rc)"
else
	t_fail "a FIFO as the command: no hang at interpreter detection" "rc $rc: $out"
fi
# A --log in the project, made a FIFO by the run: the exit does not hang
out=$(as_user timeout -k 5 30 "$JAIL" --log "$fp/l.jsonl" -- sh -c 'rm l.jsonl && mkfifo l.jsonl' 2>&1); rc=$?
assert_eq "a --log made a FIFO: the exit does not hang" 0 "$rc"
u rm -f l.jsonl tool
check_decoy "FIFOs"

# ---- 4. review: protection by resolved path -----------------------------
export XDG_STATE_HOME="$JT_HOME/.local/state"
rp=$(mkproj crossrun-review)
cd "$rp" || exit 1
marker="$STAGE/hook-ran-$JT_USER"
rm -f "$marker"
# Run 1 (no review, killed before its exit check): .git -> g, a
# repository of its own
u sh -c 'git init -q g2 && mv g2/.git g && rmdir g2 && ln -s g .git &&
	git -c user.name=t -c user.email=t@t commit -q --allow-empty -m base' 2>/dev/null
# Run 2 (review): a hook through the symlink, .claude -> x, x/commands
out=$(jail --review=keep -- sh -c "printf '#!/bin/sh\ntouch $marker\n' >g/hooks/pre-commit;
	chmod +x g/hooks/pre-commit; mkdir -p x/commands && echo evil >x/commands/c.md &&
	ln -s x .claude && echo fine >fine.txt" 2>&1)
id=$(printf '%s\n' "$out" | sed -n 's/^jail: review \([0-9a-f]\{16\}\): .*/\1/p' | head -1)
# .git/hooks reached through the symlink: its target g/hooks is protected
assert_match "review: a hook behind .git -> g cannot be written" \
	"cannot create g/hooks/pre-commit: Read-only file system" "$out"
assert_match "review: .claude -> x is marked" "A! \.claude -> x" "$out"
assert_match "review: x/commands behind .claude -> x is marked" "A! x/commands/c.md" "$out"
u "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "review apply: the unprotected change landed" "fine" "$(cat fine.txt 2>/dev/null)"
assert_eq "review apply: the hook did not land" "no" \
	"$([ -e g/hooks/pre-commit ] && echo yes || echo no)"
gitu commit -q --allow-empty -m host >/dev/null 2>&1
assert_eq "host git commit runs no planted hook" "no" \
	"$([ -e "$marker" ] && echo yes || echo no)"
assert_eq "host git commit worked" "host" "$(gitu log -1 --format=%s 2>/dev/null)"
u "$JAIL" review "$id" discard >/dev/null 2>&1
# A new .git pointer file through --review is marked as well
rq=$(mkproj crossrun-review2)
cd "$rq" || exit 1
out=$(jail --review=keep -- sh -c "printf 'gitdir: $decoy.git\n' >.git; mkdir -p s;
	printf 'gitdir: $decoy.git\n' >s/.git" 2>&1)
id=$(printf '%s\n' "$out" | sed -n 's/^jail: review \([0-9a-f]\{16\}\): .*/\1/p' | head -1)
assert_match "review: a new .git file is marked" "A! \.git " "$out"
assert_match "review: a new sub/.git file is marked" "A! s/\.git " "$out"
u "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "review apply: no .git file landed" "no" \
	"$([ -e .git ] || [ -e s/.git ] && echo yes || echo no)"
u "$JAIL" review "$id" discard >/dev/null 2>&1
# A commondir written into the project's own .git is marked too
gitu init -q .
out=$(jail --review=keep -- sh -c "echo '$decoy.git' >.git/commondir" 2>&1)
id=$(printf '%s\n' "$out" | sed -n 's/^jail: review \([0-9a-f]\{16\}\): .*/\1/p' | head -1)
assert_match "review: .git/commondir is marked" "A! \.git/commondir" "$out"
u "$JAIL" review "$id" apply >/dev/null 2>&1
assert_eq "review apply: .git/commondir did not land" "no" \
	"$([ -e .git/commondir ] && echo yes || echo no)"
u "$JAIL" review "$id" discard >/dev/null 2>&1

# ---- 5. a protected symlink swapped for another -------------------------
sp=$(mkproj crossrun-symlink)
cd "$sp" || exit 1
u ln -s a .envrc
log="$JT_HOME/crossrun-$$.jsonl"
out=$(jail --log "$log" -- sh -c 'rm .envrc && ln -s b .envrc' 2>&1)
assert_match "a swapped protected symlink is reported and put back" \
	"protected symlink \"$sp/.envrc\" was replaced or removed during the run: put back" \
	"$out"
assert_eq "a swapped protected symlink: the first one is back" "a" \
	"$(readlink .envrc)"
assert_match "a swapped protected symlink is logged" '"event":"fs.protected_changed"' \
	"$(cat "$log" 2>/dev/null)"
rm -f "$log"

# ---- 6. review output ---------------------------------------------------
op=$(mkproj crossrun-output)
cd "$op" || exit 1
out=$(jail --review=keep -- sh -c "touch \"\$(printf 'a\342\200\256b')\" \"\$(printf 'c\302\233[31md')\" \"\$(printf 'e\033]0;x\007f')\"" 2>&1)
id=$(printf '%s\n' "$out" | sed -n 's/^jail: review \([0-9a-f]\{16\}\): .*/\1/p' | head -1)
assert_match "review: U+202E in a name is escaped" 'a\\u202eb' "$out"
assert_match "review: a UTF-8 C1 control in a name is escaped" 'c\\u009b\[31md' "$out"
assert_match "review: ESC and BEL in a name are escaped" 'e\\x1b]0;x\\x07f' "$out"
if printf '%s' "$out" | LC_ALL=C grep -q "$(printf '\342\200\256\|\302\233\|\033')"; then
	t_fail "review: no raw control reaches the terminal" "$(printf '%s' "$out" | od -c | head -5)"
else
	t_pass "review: no raw control reaches the terminal"
fi
# jail review ID patch - on a terminal is refused; to a pipe it works
out=$(as_user timeout -k 5 30 script -qec "$JAIL review $id patch -" /dev/null 2>&1)
assert_match "review patch - to a terminal: refused with a hint" \
	"standard output is a terminal.*redirect it" "$out"
assert_match "review patch - to a pipe: written" "^diff --git" \
	"$(u "$JAIL" review "$id" patch - 2>/dev/null | head -1)"
u "$JAIL" review "$id" discard >/dev/null 2>&1

# More changes than the summary shows: y alone applies nothing
# qa ANSWERS JAIL_ARGS...: answer each question on a fresh terminal
qa()
{
	pty_answer "$1" ": " '\n' "${@:2}"
}
# shellcheck disable=SC2016 # expanded by the shell inside the jail
many='mkdir m && for i in $(seq 1 230); do echo $i >m/f$i; done'
out=$(qa y,y,n "$JAIL" --review -- sh -c "$many")
assert_match "review: the question says how many changes it hides" \
	"30 changes were not shown above; type \"apply all\"" "$out"
assert_eq "review: y alone applies no unseen change" "no" \
	"$([ -e m/f1 ] && echo yes || echo no)"
out=$(qa "apply all" "$JAIL" --review -- sh -c "$many")
assert_eq "review: \"apply all\" applies them" "230" \
	"$(find m -type f 2>/dev/null | wc -l)"
u rm -rf m
check_decoy "the end"
exit 0
