#!/bin/bash
# SPDX-License-Identifier: MIT
# t-tty.sh - COMMAND's own pseudo-terminal, size, modes, job control
# shellcheck disable=SC1003,SC2016,SC2059 # printf escapes and $ are data here
. "$(dirname "$0")/lib.sh"

proj=$(mkproj tty)
cd "$proj" || exit 1

# in_pty CMD: CMD on a fresh terminal (lib.sh in_script)
in_pty() { in_script "$1"; }

out=$(in_pty "stty rows 33 cols 111; $JAIL -- sh -c 'tty; stty size; stat -L -c %d /proc/self/fd/0'")
assert_match "COMMAND's terminal is a /dev/pts path of the jail" \
	"^/dev/pts/[0-9]+$" "$(printf '%s\n' "$out" | sed -n 1p)"
assert_eq "stty size follows the outer terminal" "33 111" \
	"$(printf '%s\n' "$out" | sed -n 2p)"
# The device (devpts instance) of COMMAND's stdin is not the outer one
outer=$(in_pty "stat -L -c %d /proc/self/fd/0")
inner=$(printf '%s\n' "$out" | sed -n 3p)
if [ -n "$inner" ] && [ "$inner" != "$outer" ]; then
	t_pass "COMMAND holds no descriptor of the outer terminal"
else
	t_fail "COMMAND holds no descriptor of the outer terminal" "[$inner] vs [$outer]"
fi

# Terminal modes are restored on every exit path
for cmd in "true" "sh -c 'exit 3'" "sh -c 'kill -KILL \$\$'" \
	"--timeout 0.3 -- sleep 5" "no-such-cmd"; do
	case "$cmd" in --*) args=$cmd;; *) args="-- $cmd";; esac
	out=$(in_pty "stty -g; $JAIL $args >/dev/null 2>&1; stty -g")
	a=$(printf '%s\n' "$out" | sed -n 1p)
	b=$(printf '%s\n' "$out" | sed -n 2p)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		t_pass "terminal modes restored after [$cmd]"
	else
		t_fail "terminal modes restored after [$cmd]" "[$a] vs [$b]"
	fi
done

# Job control inside: the shell in the jail owns its terminal
out=$(in_pty "$JAIL -- sh -c 'ps -o stat= -p \$\$; sleep 0.1 & jobs; wait'")
assert_match "COMMAND is in the foreground of its terminal" "^[A-Za-z]*\+" "$out"

# Window size changes reach COMMAND (SIGWINCH through the relay); the
# first size, set while jail starts, may come as a SIGWINCH too
out=$(as_user timeout -k 5 30 python3 - "$JAIL" <<'PY'
import fcntl, os, pty, select, struct, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--", "sh", "-c",
        'trap "s=\\$(stty size); [ \\"\\$s\\" = \\"41 99\\" ] && { echo \\$s; exit 0; }" WINCH; '
        'echo ready; '
        'i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 20, 70, 0, 0))
buf = b""
deadline = time.time() + 20
resized = False
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        buf += d
    if b"ready" in buf and not resized:
        time.sleep(0.2)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 41, 99, 0, 0))
        resized = True
os.waitpid(pid, 0)
print(buf.decode(errors="replace").replace("\r", ""))
PY
)
assert_match "SIGWINCH propagates the new size" "41 99" "$out"

# Input reaches COMMAND and its output comes back
out=$(as_user timeout -k 5 30 script -qefc "$JAIL -- sh -c 'read l; echo got:\$l'" /dev/null <<<"typed" | tr -d '\r')
assert_match "keystrokes are relayed to COMMAND" "got:typed" "$out"

# ---- what of COMMAND's output reaches the terminal ----------------------
# tty_run OUT ARGS...: jail ARGS on a real pty (tests/ptyrun.py); every
# byte that reached that terminal goes to OUT
PTYRUN=$(dirname "$0")/ptyrun.py
tty_dir=$(mkproj tty-out)
tty_out=$tty_dir/out
tty_run()
{
	as_user timeout -k 5 90 python3 "$PTYRUN" "$@"
}
# has OUT BYTES: OUT holds BYTES (printf escapes), byte for byte
has()
{
	LC_ALL=C grep -qaF -- "$(printf "$2")" "$1"
}
# shellcheck disable=SC2016 # expanded inside the jail
dangerous=(
	'clipboard write|\033]52;c;ZWNobyBwd25lZAo=\007'
	'clipboard write, ST|\033]52;p;ZWNobyBwd25lZAo=\033\\'
	'clipboard read|\033]52;c;?\007'
	'iTerm2 file|\033]1337;File=name=eA==;inline=0:aGk=\007'
	'kitty file transfer|\033]5113;ac=send;id=x\033\\'
	'kitty clipboard|\033]5522;type=read\033\\'
	'tmux passthrough|\033Ptmux;\033\033]52;c;aGk=\007\033\\'
	'DECRQSS|\033P$qm\033\\'
	'XTGETTCAP|\033P+q544e\033\\'
	'kitty graphics APC|\033_Gf=100,a=T;AAAA\033\\'
	'PM|\033^private\033\\'
	'SOS|\033Xstring\033\\'
	'title report|\033[21t'
	'icon report|\033[20t'
	'iconify|\033[2t'
	'window resize|\033[8;50;100t'
	'DECRQM|\033[?2026$p'
	'colour query|\033]11;?\007'
	'8-bit CSI|\23321t'
	'8-bit OSC|\23552;c;aGk=\234'
	'UTF-8 encoded CSI|\302\23321t'
	'ENQ answerback|\005'
	'leave UTF-8|\033%%@'
)
# One printf per sequence, whole; then each cut in three writes
script='printf "begin\n"'
for d in "${dangerous[@]}"; do
	script+="; printf '${d#*|}'"
done
script+='; printf "\nend\n"'
tty_run "$tty_out" -- "$JAIL" -- sh -c "$script"
if has "$tty_out" 'begin' && has "$tty_out" 'end'; then
	t_pass "the relay ran the dangerous sequences' script"
else
	t_fail "the relay ran the dangerous sequences' script" "$(head -c 300 "$tty_out" | od -c | head -5)"
fi
for d in "${dangerous[@]}"; do
	seq=${d#*|}
	if has "$tty_out" "$seq"; then
		t_fail "dropped whole: ${d%%|*}" "it reached the terminal"
	else
		t_pass "dropped whole: ${d%%|*}"
	fi
done
# no_dangerous NAME OUT: no introducer of a kind the filter drops reached
# the terminal (DCS, APC, PM, SOS, OSC 52/1337/5113, title reports)
no_dangerous()
{
	assert_nomatch "$1" \
		"$(printf '\033')(P|_|\\^|X|\\]52|\\]1337|\\]5113|\\[2[01]t)" \
		"$(LC_ALL=C tr -d '\r' <"$2")"
}
no_dangerous "no DCS, APC, PM, SOS or OSC 52 introducer reached the terminal" "$tty_out"
# DECRQSS, XTGETTCAP, DECRQM and the colour query are capability probes:
# dropped above, but not on the exit line (tmux's passthrough is the DCS)
assert_match "the exit line says what was dropped" \
	"jail: terminal: dropped [0-9]+ sequences \(clipboard [0-9]+, file transfer 2, .*DCS 1, APC 1, PM 1, SOS 1, report request" \
	"$(tr -d '\r' <"$tty_out")"
assert_nomatch "... and leaves the capability probes to the log" \
	"terminal: dropped.*probe" "$(tr -d '\r' <"$tty_out")"
log=$(tr -d '\r' <"$tty_out" | sed -n 's/.*terminal: dropped.*; see \([^ ]*\) (jail log.*/\1/p')
if [ -n "$log" ] && [ -f "$log" ]; then
	assert_match "tty.drop is in the log with its kind and count" \
		'"event":"tty.drop","kind":"clipboard","count":[0-9]+' "$(cat "$log")"
	assert_match "the probes are in the log (DECRQSS, XTGETTCAP, DECRQM, OSC 11)" \
		'"event":"tty.drop","kind":"probe","count":4\}' "$(cat "$log")"
	assert_eq "one tty.drop event per kind, not per sequence" \
		"$(grep -c '"tty.drop"' "$log")" \
		"$(grep '"tty.drop"' "$log" | sed 's/.*"kind":"\([a-z0-9]*\)".*/\1/' | sort -u | wc -l)"
else
	t_fail "tty.drop is in the log with its kind and count" "no log named: [$log]"
fi

# Split across writes (with pauses, so that each part is its own read)
for d in 'clipboard write|\033]5|2;c;ZWNobyBwd25lZAo=|\007' \
	'tmux passthrough|\033P|tmux;\033\033]52;c;aGk=\007|\033\\' \
	'DECRQSS|\033|P$q|m\033\\' \
	'title report|\033[|21|t' \
	'iTerm2 file|\033]13|37;File=name=eA==:aGk=|\007' \
	'kitty graphics|\033_|Gf=100;AAAA\033|\\' \
	'8-bit CSI|\302|\233|21t'; do
	IFS='|' read -r name a b c <<<"$d"
	tty_run "$tty_out" -- "$JAIL" -- sh -c \
		"printf 'x'; printf '$a'; sleep 0.3; printf '$b'; sleep 0.3; printf '$c'; printf 'y\n'"
	whole=$(printf "$a$b$c")
	if ! has "$tty_out" 'x' || ! has "$tty_out" 'y'; then
		t_fail "dropped when split over 3 writes: $name" "no output"
	elif LC_ALL=C grep -qaF -- "$whole" "$tty_out" ||
		has "$tty_out" "$a$b"; then
		t_fail "dropped when split over 3 writes: $name" "it reached the terminal"
	else
		t_pass "dropped when split over 3 writes: $name"
	fi
done

# What full-screen programs need still reaches the terminal
tty_run "$tty_out" -- "$JAIL" -- sh -c \
	'printf "\033[?1049h\033[1;31mred\033[0m\033[5;10H\033]0;jail-title\007\033]8;;https://example.com\033\\\\link\033]8;;\033\\\\\033[6n\033[?2004h\033[?1049l"; sleep 0.2; printf "\033[38;5;200m"; sleep 0.2; printf "\033[?25l\033[?25h\n"'
for p in 'alternate screen|\033[?1049h' 'colours|\033[1;31mred\033[0m' \
	'cursor move|\033[5;10H' 'title|\033]0;jail-title\007' \
	'hyperlink|\033]8;;https://example.com\033\\link' \
	'cursor position request|\033[6n' 'bracketed paste|\033[?2004h' \
	'256 colours, after a pause|\033[38;5;200m' 'cursor visibility|\033[?25l\033[?25h'; do
	if has "$tty_out" "${p#*|}"; then
		t_pass "passes: ${p%%|*}"
	else
		t_fail "passes: ${p%%|*}" "$(od -c "$tty_out" | head -5)"
	fi
done
if LC_ALL=C grep -qa 'terminal: dropped' "$tty_out"; then
	t_fail "nothing dropped, no exit line" "$(tr -d '\r' <"$tty_out" | tail -2)"
else
	t_pass "nothing dropped, no exit line"
fi

# Capability probes alone: dropped and logged, no exit line; one
# dangerous sequence among them brings the line back
probe_log=$tty_dir/probes.jsonl
tty_run "$tty_out" -- "$JAIL" --log "$probe_log" -- sh -c \
	'printf "a\033]11;?\007\033P+q544e\033\\\\\033[>q\033P\$qm\033\\\\b\n"'
if has "$tty_out" 'ab' && ! LC_ALL=C grep -qa 'terminal: dropped' "$tty_out"; then
	t_pass "capability probes alone: dropped, no exit line"
else
	t_fail "capability probes alone: dropped, no exit line" "$(od -c "$tty_out" | head -8)"
fi
assert_match "capability probes alone: logged as tty.drop probe" \
	'"event":"tty.drop","kind":"probe","count":4\}' "$(cat "$probe_log" 2>&1)"
rm -f "$probe_log"
tty_run "$tty_out" -- "$JAIL" --log "$probe_log" -- sh -c \
	'printf "a\033]11;?\007\033Ptmux;x\033\\\\b\n"'
assert_match "a probe and a tmux passthrough: the exit line names the DCS alone" \
	"terminal: dropped 1 sequence \(DCS 1\)" "$(tr -d '\r' <"$tty_out")"
assert_match "... and the log has both" \
	'"kind":"dcs","count":1\}.*"kind":"probe","count":1\}' "$(tr -d '\n' <"$probe_log")"
rm -f "$probe_log"

# Real full-screen programs render through the relay
if command -v vim >/dev/null; then
	printf 'first line of the file\nsecond\n' >"$proj/shown.txt"
	chown "$JT_USER:" "$proj/shown.txt"
	tty_run "$tty_out" --keys ':q!\r' -- "$JAIL" --log "$tty_dir/vim.jsonl" \
		-- vim -u NONE -N shown.txt
	if has "$tty_out" '\033[?1049h' && has "$tty_out" 'first line of the file' &&
		has "$tty_out" '\033[?1049l'; then
		t_pass "vim renders (alternate screen, text) and quits"
	else
		t_fail "vim renders (alternate screen, text) and quits" "$(od -c "$tty_out" | head -8)"
	fi
	# vim asks for colours (OSC 10/11 ?) and tests the terminal's parser
	# (DCS zz, CSI 0 % m): probes, logged, and no line after every session
	assert_nomatch "vim: no exit line for its capability probes" \
		"terminal: dropped" "$(tr -d '\r' <"$tty_out")"
	assert_match "vim: its probes are in the log" \
		'"event":"tty.drop","kind":"probe","count":[1-9][0-9]*\}' \
		"$(cat "$tty_dir/vim.jsonl" 2>&1)"
	assert_eq "vim: nothing else was dropped" "" \
		"$(grep '"tty.drop"' "$tty_dir/vim.jsonl" | grep -v '"kind":"probe"')"
else
	t_fail "vim renders" "vim is not installed (make deps)"
fi
if command -v less >/dev/null; then
	seq 1 500 >"$proj/long.txt"
	chown "$JT_USER:" "$proj/long.txt"
	tty_run "$tty_out" --keys ' ' --keys 'q' -- "$JAIL" -- less long.txt
	if has "$tty_out" '\033[?1049h' && has "$tty_out" '23' &&
		has "$tty_out" '45'; then
		t_pass "less renders and pages"
	else
		t_fail "less renders and pages" "$(od -c "$tty_out" | head -8)"
	fi
else
	t_fail "less renders" "less is not installed (make deps)"
fi

# Claude Code's TUI renders through the filter (the real agent from npm).
# Its first start, without a network, greets and checks connectivity
# (a spinner, never quiet); once onboarding is recorded, it asks whether
# the folder is trusted (a menu). Each on a real pty, in a wrapper shell
# that records the terminal's modes before and after jail.
# shellcheck source=tests/agentlib.sh
. "$(dirname "$0")/agentlib.sh"
install_agents claude
# claude_run WHAT PTYRUN-ARGS... -- JAIL-ARGS...: one run; what reached the
# terminal in $tty_out, jail's status in $tty_dir/rc
claude_run()
{
	local pargs=()

	while [ "$1" != -- ]; do pargs+=("$1"); shift; done
	shift
	rm -f "$tty_dir/before" "$tty_dir/after" "$tty_dir/rc"
	# shellcheck disable=SC2016 # expanded by the wrapper shell
	tty_run "$tty_out" "${pargs[@]}" -- sh -c 'd=$1; shift
		stty -g >"$d/before"; "$@"; echo $? >"$d/rc"; stty -g >"$d/after"' \
		sh "$tty_dir" "$JAIL" --net none "$@" -- "$BIN/claude"
}
# claude_checks WHAT: it rendered, nothing dangerous passed, no exit
# line, and the terminal's modes are back
claude_checks()
{
	local what=$1
	if has "$tty_out" '\033[38;5;' && has "$tty_out" '\033[39m'; then
		t_pass "Claude Code $what: 256-colour SGR reached the terminal"
	else
		t_fail "Claude Code $what: 256-colour SGR reached the terminal" "$(od -c "$tty_out" | head -8)"
	fi
	assert_match "Claude Code $what: cursor movement reached the terminal" \
		"$(printf '\033')\\[[0-9]+[ACG]" "$(LC_ALL=C tr -d '\r' <"$tty_out")"
	no_dangerous "Claude Code $what: nothing the filter drops reached the terminal" "$tty_out"
	assert_nomatch "Claude Code $what: no exit line (its probes are only logged)" \
		"terminal: dropped" "$(tr -d '\r' <"$tty_out")"
	if [ -s "$tty_dir/before" ] && [ "$(cat "$tty_dir/before")" = "$(cat "$tty_dir/after" 2>/dev/null)" ]; then
		t_pass "Claude Code $what: the terminal's modes are restored"
	else
		t_fail "Claude Code $what: the terminal's modes are restored" \
			"[$(cat "$tty_dir/before" 2>&1)] vs [$(cat "$tty_dir/after" 2>&1)]"
	fi
}
if [ -n "${WHY[claude]:-}" ]; then
	t_skip_optional "Claude Code's TUI renders through the filter" "${WHY[claude]}"
else
	rm -rf "$JT_HOME/.claude" "$JT_HOME/.claude.json"
	# First start: a fresh home; ended by jail's --timeout
	claude_run -- --timeout 10
	if has "$tty_out" 'Welcome' && has "$tty_out" 'Claude' &&
		has "$tty_out" 'connectivity'; then
		t_pass "Claude Code's first start: its welcome and connectivity check render"
	else
		t_fail "Claude Code's first start: its welcome and connectivity check render" \
			"$(tr -d '\r' <"$tty_out" | tail -c 400)"
	fi
	assert_eq "Claude Code's first start: ended by --timeout (exit 124)" 124 \
		"$(cat "$tty_dir/rc" 2>&1)"
	claude_checks "(first start)"
	# The folder trust menu, left with Ctrl-C twice as a user would
	echo '{"hasCompletedOnboarding":true}' >"$JT_HOME/.claude.json"
	chown "$JT_USER:" "$JT_HOME/.claude.json"
	claude_run --wait 'trust' --keys '\003' --wait 'again' --keys '\003' -- \
		--timeout 40
	if has "$tty_out" 'workspace' && has "$tty_out" 'trust' &&
		has "$tty_out" '\342\235\257'; then
		t_pass "Claude Code's trust menu renders (text, selection marker)"
	else
		t_fail "Claude Code's trust menu renders (text, selection marker)" \
			"$(tr -d '\r' <"$tty_out" | tail -c 400)"
	fi
	rc=$(cat "$tty_dir/rc" 2>&1)
	if has "$tty_out" 'again' && [ -n "$rc" ] && [ "$rc" -lt 124 ] 2>/dev/null; then
		t_pass "Claude Code's trust menu: Ctrl-C twice ends it, and jail (exit $rc)"
	else
		t_fail "Claude Code's trust menu: Ctrl-C twice ends it, and jail" "exit [$rc]"
	fi
	if has "$tty_out" '\033[?2004l' && has "$tty_out" '\033[?25h'; then
		t_pass "Claude Code's trust menu: its own terminal reset reached the terminal"
	else
		t_fail "Claude Code's trust menu: its own terminal reset reached the terminal" \
			"$(od -c "$tty_out" | tail -5)"
	fi
	claude_checks "(trust menu)"
	rm -rf "$JT_HOME/.claude" "$JT_HOME/.claude.json"
fi

# --tty-allow clipboard: writes pass, reads do not
tty_run "$tty_out" -- "$JAIL" --tty-allow clipboard -- sh -c \
	'printf "\033]52;c;aGVsbG8=\007"; printf "\033]52;c;?\007"; printf "\033P\$qm\033\\\\\n"'
if has "$tty_out" '\033]52;c;aGVsbG8=\007'; then
	t_pass "--tty-allow clipboard: an OSC 52 write passes"
else
	t_fail "--tty-allow clipboard: an OSC 52 write passes" "$(od -c "$tty_out" | head -5)"
fi
if has "$tty_out" '\033]52;c;?' || has "$tty_out" '\033P'; then
	t_fail "--tty-allow clipboard: a clipboard read and DCS are still dropped"
else
	t_pass "--tty-allow clipboard: a clipboard read and DCS are still dropped"
fi
# --tty-allow raw: everything passes, with a warning at start
tty_run "$tty_out" -- "$JAIL" --tty-allow raw -- sh -c 'printf "\033P\$qm\033\\\\\n"'
if has "$tty_out" '\033P$qm' && has "$tty_out" 'tty-allow raw: '; then
	t_pass "--tty-allow raw: no filtering, and a warning"
else
	t_fail "--tty-allow raw: no filtering, and a warning" "$(od -c "$tty_out" | head -5)"
fi
out=$(jail --tty-allow clipboard,raw --explain -- true)
assert_match "--explain shows --tty-allow and its origin" \
	"terminal: .*unfiltered +\(option: --tty-allow raw\)" "$out"
assert_match "--explain shows the default filter" \
	"terminal: COMMAND's output filtered: .*\(default\)" \
	"$(jail --explain -- true)"
err=$(jail --tty-allow bogus -- true 2>&1); rc=$?
assert_eq "--tty-allow bogus: exit 125" 125 "$rc"
assert_match "--tty-allow bogus: one error line" \
	'^jail: --tty-allow "bogus": not clipboard, raw or a comma list of them$' "$err"
# In policy files: the user's file, not a project's
ucfg="$JT_HOME/.config/jail"
as_user mkdir -p "$ucfg"
printf 'tty-allow clipboard\n' | as_user sh -c "cat >'$ucfg/jail.conf'"
assert_match "--tty-allow in the user's file, shown with its origin" \
	"clipboard writes \(OSC 52\) pass +\(user file: --tty-allow clipboard\)" \
	"$(jail --explain -- true)"
as_user rm -f "$ucfg/jail.conf"
printf 'tty-allow raw\n' | as_user sh -c "cat >.jail.conf"
err=$(as_user "$JAIL" trust 2>&1); rc=$?
assert_eq "--tty-allow in a project's file: refused (exit 125)" 125 "$rc"
assert_match "... with one line naming the file" \
	"^jail: $proj/.jail.conf:1: \"tty-allow\" is not allowed in a project's .jail.conf$" "$err"
as_user rm -f .jail.conf
rm -rf "$tty_dir" "$proj/shown.txt" "$proj/long.txt"

# Without a terminal: stdio passes through, COMMAND has no controlling tty
out=$(echo piped | jail -- sh -c 'cat; tty; ps -o tty= -p $$')
assert_eq "without a terminal stdio passes through" \
	"$(printf 'piped\nnot a tty\n?')" "$out"
exit 0
