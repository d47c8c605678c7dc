#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2088 # "~/..." in test names is text, not a path
# t-agents.sh - real coding agents inside the jail: Claude Code, Codex and
# Gemini CLI from npm start with their default profiles; the agent's config
# dir is writable, the files in it that the host would run or obey are not,
# and the rest of the home is absent.
#
# The agents are installed once into $AGENTS (outside the project, reused
# by later runs) from the npm registry, bounded by a timeout; an agent that
# cannot be installed is skipped with the reason.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/agentlib.sh
. "$(dirname "$0")/agentlib.sh"

install_agents

proj=$(mkproj agents)
cd "$proj" || exit 1

# --- each agent starts inside with its default profile
for a in claude codex gemini; do
	if [ -n "${WHY[$a]:-}" ]; then
		t_skip "$a --version inside the jail" "${WHY[$a]}"
		continue
	fi
	extra=()
	# Claude Code is one native file and Gemini CLI one bundled script:
	# the automatic read-only bind of COMMAND's directory is enough. Codex
	# is a launcher that loads a native binary from a sibling package
	# (@openai/codex-linux-x64), so its install tree must be visible.
	[ "$a" = codex ] && extra=(--ro "$AGENTS")
	# jail's own --timeout, inside the test's bound, says when it hung
	out=$(jail --timeout 45 "${extra[@]}" -- "$BIN/$a" --version 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then
		t_pass "$a --version inside the jail exits 0"
	else
		t_fail "$a --version inside the jail exits 0" \
			"exit $rc: $(printf '%s\n' "$out" | tail -3 | tr '\n' ' ')"
	fi
	assert_match "$a --version inside the jail prints its version" \
		"${VERSION_RE[$a]}" "$(printf '%s\n' "$out" | tail -1)"
	assert_match "$a: its profile is chosen by COMMAND's name" \
		"^Profile +$a$" "$(jail --explain -- "$BIN/$a" 2>&1)"
done

# --- Claude Code's config dir: writable, but not what the host obeys
cdir="$JT_HOME/.claude"
rm -rf "$cdir" "$JT_HOME/.ssh" "$JT_HOME/.claude.json"
mkdir -p "$cdir/commands" "$cdir/agents" "$cdir/plugins" "$cdir/hooks" \
	"$cdir/skills" "$cdir/projects" "$JT_HOME/.ssh"
echo '{"hooks":{}}' >"$cdir/settings.json"
echo '{}' >"$cdir/settings.local.json"
echo 'be careful' >"$cdir/CLAUDE.md"
echo '{"mcpServers":{}}' >"$cdir/.mcp.json"
for d in commands agents plugins hooks skills; do
	echo original >"$cdir/$d/planted.md"
done
echo '{"mcpServers":{}}' >"$JT_HOME/.claude.json"
echo 'PRIVATE KEY' >"$JT_HOME/.ssh/id_rsa"
chmod 600 "$JT_HOME/.ssh/id_rsa"
chown -R "$JT_USER:" "$cdir" "$JT_HOME/.ssh" "$JT_HOME/.claude.json"
snapshot() { (cd "$JT_HOME" && find .claude .claude.json -print0 | sort -z |
	xargs -0 sha256sum 2>/dev/null; find .claude | sort); }
before=$(snapshot)

# Every way to change each file the host would run or obey, from inside
# shellcheck disable=SC2016 # expanded inside the jail
attack='
c=$HOME/.claude
for f in settings.json settings.local.json CLAUDE.md .mcp.json; do
	echo evil >"$c/$f"; echo evil >>"$c/$f"; rm -f "$c/$f"
	echo evil >"$c/$f.new"; mv -f "$c/$f.new" "$c/$f"; rm -f "$c/$f.new"
	ln -sf /tmp/x "$c/$f"; chmod 777 "$c/$f"
done
for d in commands agents plugins hooks skills; do
	echo evil >"$c/$d/planted.md"; echo evil >"$c/$d/new.md"
	rm -rf "$c/$d"; mv "$c/$d" "$c/$d.old"; mkdir "$c/$d.x"
	mv "$c/$d.x" "$c/$d"; rmdir "$c/$d.x"
done
echo evil >"$HOME/.claude.json"
mv "$c" "$c.moved"
echo session >"$c/projects/session.jsonl" && echo WROTE
test -e "$HOME/.ssh/id_rsa" && echo SSH_VISIBLE
ls -A "$HOME"
true'
out=$(jail --profile claude -- sh -c "$attack" 2>/dev/null)
# Without a jail that ran, "nothing changed" would prove nothing
ran=$(printf '%s\n' "$out" | grep -c '^WROTE$')
assert_match "~/.claude is writable inside (a session file)" "^WROTE$" "$out"
assert_eq "the session file landed on the host" session \
	"$(cat "$cdir/projects/session.jsonl" 2>/dev/null)"
rm -f "$cdir/projects/session.jsonl"
assert_nomatch "the rest of the home is absent (~/.ssh/id_rsa)" \
	"SSH_VISIBLE" "$out"
assert_nomatch "nothing else of the home is listed inside" "^\.ssh$" "$out"
after=$(snapshot)
for f in settings.json settings.local.json CLAUDE.md .mcp.json \
	commands/planted.md agents/planted.md plugins/planted.md \
	hooks/planted.md skills/planted.md; do
	if [ "$ran" = 1 ] &&
		[ "$(printf '%s\n' "$before" | grep " \.claude/$f$")" = \
		"$(printf '%s\n' "$after" | grep " \.claude/$f$")" ] &&
		[ -f "$cdir/$f" ] && [ ! -L "$cdir/$f" ]; then
		t_pass "~/.claude/$f cannot be changed from inside"
	else
		t_fail "~/.claude/$f cannot be changed from inside" \
			"$(ls -l "$cdir/$f" 2>&1)"
	fi
done
for d in commands agents plugins hooks skills; do
	if [ "$ran" != 1 ] || [ -e "$cdir/$d/new.md" ] || [ -e "$cdir/$d.old" ] ||
		[ -e "$cdir/$d.x" ]; then
		t_fail "nothing can be added to or moved out of ~/.claude/$d" \
			"$(ls -A "$cdir")"
	else
		t_pass "nothing can be added to or moved out of ~/.claude/$d"
	fi
done
assert_eq "~/.claude.json changes inside stay inside (a copy)" \
	'{"mcpServers":{}}' "$(cat "$JT_HOME/.claude.json")"
assert_eq "~/.claude itself cannot be moved away" "$before" "$after"

# The real Claude Code with the same home: starts, and leaves them alone
if [ -z "${WHY[claude]:-}" ]; then
	out=$(jail -- "$BIN/claude" --version 2>&1)
	assert_match "Claude Code starts with the protected home" \
		"${VERSION_RE[claude]}" "$out"
	assert_eq "Claude Code itself leaves the protected files alone" \
		"$before" "$(snapshot)"
else
	t_skip_optional "Claude Code leaves the protected files alone" "${WHY[claude]}"
fi

# --- Codex and Gemini CLI: their config dir writable, their
# instructions and settings not
for a in codex gemini; do
	dir="$JT_HOME/.$a"
	case $a in
	codex) files=(config.toml AGENTS.md) ;;
	gemini) files=(settings.json GEMINI.md) ;;
	esac
	rm -rf "$dir"
	mkdir -p "$dir"
	for f in "${files[@]}"; do echo original >"$dir/$f"; done
	chown -R "$JT_USER:" "$dir"
	# shellcheck disable=SC2016 # expanded inside the jail
	out=$(jail --profile "$a" -- sh -c '
		d=$HOME/.'"$a"'
		for f in '"${files[*]}"'; do
			echo evil >"$d/$f"; rm -f "$d/$f"
			echo evil >"$d/n"; mv -f "$d/n" "$d/$f"
		done
		echo state >"$d/state" && echo WROTE' 2>/dev/null)
	assert_match "~/.$a is writable inside" "^WROTE$" "$out"
	for f in "${files[@]}"; do
		assert_eq "~/.$a/$f cannot be changed from inside" original \
			"$(cat "$dir/$f" 2>/dev/null)"
	done
done

# The home is shared with the other tests: leave it as it was
rm -rf "$JT_HOME/.claude" "$JT_HOME/.claude.json" "$JT_HOME/.codex" \
	"$JT_HOME/.gemini" "$JT_HOME/.ssh"

# --- claude -p through the filtered network is the network tests' part
if ! as_user "$JAIL" --help | grep -q -- '--net MODE.*filtered'; then
	t_skip "claude -p against a test Messages API" \
		"jail has no --net filtered yet"
fi
exit 0
