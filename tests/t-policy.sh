#!/bin/bash
# SPDX-License-Identifier: MIT
# t-policy.sh - policy files, jail trust, agent profiles, --explain
. "$(dirname "$0")/lib.sh"

proj=$(mkproj policy)
cd "$proj" || exit 1
ucfg="$JT_HOME/.config/jail"
u mkdir -p "$ucfg"

# The user's file: options without dashes, comments, last one wins
u sh -c "cat >'$ucfg/jail.conf'" <<'CONF'
# my defaults
env FROMFILE=yes   # trailing comment
env "QUOTED=a b"
timeout 30s
CONF
# shellcheck disable=SC2016 # expanded by the shell inside the jail
out=$(jail -- sh -c 'echo "$FROMFILE|$QUOTED"')
assert_eq "the user's jail.conf applies" "yes|a b" "$out"
assert_match "--explain lists the file" "Files +$ucfg/jail.conf" \
	"$(jail --explain -- true)"
out=$(jail --env FROMFILE=cli -- printenv FROMFILE)
assert_eq "the command line comes after the files" "cli" "$out"

# Errors name the file and the line, exit 125
for bad in "bogus-option x" "timeout soon" "keep-fd 3" "allow" \
	"allow-private yes" "allow not_a..name"; do
	printf '# x\n%s\n' "$bad" | u sh -c "cat >'$ucfg/jail.conf'"
	err=$(jail -- true 2>&1); rc=$?
	assert_eq "bad line [$bad] is exit 125" 125 "$rc"
	assert_match "bad line [$bad] names file and line" \
		"^jail: $ucfg/jail.conf:2: " "$err"
done
u rm -f "$ucfg/jail.conf"

# A project's .jail.conf counts only once trusted, and only as trusted
u git init -q .
u sh -c "printf 'rw %s/.ssh\nenv PROJ=1\n' '$JT_HOME' >.jail.conf"
u mkdir -p "$JT_HOME/.ssh"
u sh -c "echo KEY >'$JT_HOME/.ssh/id_rsa'"
err=$(jail -- cat "$JT_HOME/.ssh/id_rsa" 2>&1); rc=$?
assert_eq "an untrusted project file is refused" 125 "$rc"
assert_match "the refusal names jail trust" "not trusted.*jail trust" "$err"
assert_nomatch "a hostile file changes nothing before trust" "^KEY" "$err"
out=$(u "$JAIL" trust --yes 2>&1); rc=$?
assert_eq "jail trust succeeds" 0 "$rc"
assert_match "jail trust says what it trusted" "trusted $proj/.jail.conf" "$out"
assert_eq "a trusted project file applies" "1" "$(jail -- printenv PROJ)"
u sh -c "echo 'env PROJ=2' >>.jail.conf"
err=$(jail -- printenv PROJ 2>&1); rc=$?
assert_eq "editing a trusted file revokes the trust" 125 "$rc"
u sh -c "printf 'log /tmp/x\n' >.jail.conf"
err=$(u "$JAIL" trust --yes 2>&1); rc=$?
assert_eq "a project file cannot choose the log" 125 "$rc"
assert_match "and says which line" "\.jail\.conf:1: \"log\" is not allowed" "$err"
u rm -f .jail.conf

# Profiles: the agent's config writable, what runs code later read-only
c="$JT_HOME/.claude"
u mkdir -p "$c/commands" "$c/agents" "$c/projects"
u sh -c "echo '{\"hooks\":{}}' >'$c/settings.json'; echo 'be nice' >'$c/CLAUDE.md'; echo '{\"mcpServers\":{}}' >'$JT_HOME/.claude.json'"
out=$(jail --profile claude -- sh -c '
	cd ~/.claude || exit 9
	echo session >projects/s.jsonl && echo state-ok
	(echo "{\"hooks\":{\"x\":1}}" >settings.json) 2>&1
	(echo evil >commands/pwn.md) 2>&1
	(echo evil >agents/pwn.md) 2>&1
	(echo ignore previous >>CLAUDE.md) 2>&1
	(mv settings.json s2) 2>&1
	echo "{\"mcpServers\":{\"evil\":{}}}" >~/.claude.json && echo copy-ok
	ls -A ~ | tr "\n" " "' 2>&1)
assert_match "the agent's state is writable" "state-ok" "$out"
assert_eq "a session file lands on the host" "session" "$(cat "$c/projects/s.jsonl")"
assert_eq "settings, commands, agents and CLAUDE.md stay read-only" 5 \
	"$(printf '%s\n' "$out" | grep -cE 'Read-only file system|Device or resource busy')"
assert_eq "settings.json did not change" '{"hooks":{}}' "$(cat "$c/settings.json")"
if [ ! -e "$c/commands/pwn.md" ] && [ ! -e "$c/agents/pwn.md" ]; then
	t_pass "no command or agent was planted"
else
	t_fail "no command or agent was planted" "$(ls "$c/commands" "$c/agents")"
fi
# shellcheck disable=SC2088 # a test name, not a path
assert_match "~/.claude.json is writable inside" "copy-ok" "$out"
assert_eq "... but the host's copy is untouched" '{"mcpServers":{}}' \
	"$(cat "$JT_HOME/.claude.json")"
assert_nomatch "the rest of the home is absent" "\.ssh" "$out"
err=$(jail --profile claude -- sh -c 'mkdir -p ~/.claude/plugins && echo x >~/.claude/plugins/p && echo wrote' 2>&1)
assert_match "an absent plugin dir is a private copy inside" "wrote" "$err"
assert_match "... and the exit summary says so" \
	"\"$c/plugins\" did not exist: the command wrote to a private copy, discarded at exit" "$err"
if [ -e "$c/plugins" ]; then
	t_fail "... nothing of it is left on the host" "$(ls -la "$c/plugins")"
else
	t_pass "... nothing of it is left on the host"
fi

# Chosen by COMMAND's basename; --no-profile and --profile override
u mkdir -p "$JT_HOME/bin"
u sh -c "printf '#!/bin/sh\nls -A ~\n' >'$JT_HOME/bin/claude'; chmod +x '$JT_HOME/bin/claude'"
assert_match "the claude profile is chosen by name" "Profile +claude" \
	"$(jail --explain -- "$JT_HOME/bin/claude")"
assert_match "--no-profile turns it off" "Profile +none" \
	"$(jail --explain --no-profile -- "$JT_HOME/bin/claude")"
assert_match "--profile picks one" "Profile +codex" \
	"$(jail --explain --profile codex -- true)"
out=$(jail -- "$JT_HOME/bin/claude")
assert_match "the profile binds ~/.claude for claude" "\.claude" "$out"
out=$(jail --no-profile -- "$JT_HOME/bin/claude")
assert_nomatch "without a profile ~/.claude is absent" "\.claude" "$out"
err=$(jail --profile nosuch -- true 2>&1); rc=$?
assert_eq "an unknown profile is exit 125" 125 "$rc"
for p in claude codex gemini aider opencode; do
	assert_match "built-in profile $p exists" "Profile +$p" \
		"$(jail --explain --profile $p -- true)"
done
# --explain matches what the jail really mounts: every single-path entry
# it prints is a mount point inside, read-only or read-write as it says
ex=$(mkproj explain)
cd "$ex" || exit 1
u git init -q .
u mkdir -p "$JT_HOME/.claude/commands" "$ex/data" "$ex/.vscode"
u sh -c "echo '{}' >'$JT_HOME/.claude/settings.json'; echo d >'$ex/data/f'"
args=(--profile claude --ro "$ex/data" --tmpfs "$ex/scratch-tmp" --rw-try /nonexistent)
jail --explain "${args[@]}" -- true >"$STAGE/explain-$JT_USER.txt"
jail "${args[@]}" -- cat /proc/self/mountinfo >"$STAGE/mountinfo-$JT_USER.txt"
out=$(python3 - "$STAGE/explain-$JT_USER.txt" "$STAGE/mountinfo-$JT_USER.txt" <<'PY'
import os, re, sys
explain = open(sys.argv[1]).read().splitlines()
mounts = {}
for line in open(sys.argv[2]):
    f = line.split()
    dash = f.index("-")
    mp = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), f[4])
    opts = f[5].split(",")
    mounts[mp] = ("ro" if "ro" in opts else "rw", f[dash + 1])
want = {"rw": "rw", "ro": "ro", "protect": "ro", "tmpfs": None}
checked, bad = 0, []
for line in explain:
    m = re.match(r"^  (rw|ro|protect|tmpfs) +(/.*?)( \(if present\))?  \((.*)\)$", line)
    if not m:
        continue
    kind, path, maybe = m.group(1), m.group(2), m.group(3)
    paths = path.split(" ") if m.group(4) == "default" and " /" in path else [path]
    for p in paths:
        if "*" in p:
            continue
        if (maybe or kind == "protect") and not os.path.lexists(p):
            continue
        if os.path.islink(p) and kind == "ro":
            continue
        checked += 1
        got = mounts.get(p)
        if not got:
            bad.append("%s %s: not a mount point inside" % (kind, p))
        elif want[kind] and got[0] != want[kind]:
            bad.append("%s %s: mounted %s" % (kind, p, got[0]))
        elif kind == "tmpfs" and got[1] != "tmpfs":
            bad.append("tmpfs %s: is %s" % (p, got[1]))
print("checked %d" % checked)
for b in bad:
    print(b)
PY
)
assert_match "--explain entries were compared" "^checked ([1-9][0-9]+)" "$out"
assert_eq "--explain matches /proc/self/mountinfo inside" "" \
	"$(printf '%s\n' "$out" | sed 1d)"
exit 0
