#!/bin/bash
# SPDX-License-Identifier: MIT
# t-trust.sh - jail trust shows what a project file grants, marks what
# reaches past the project, asks on a terminal, and refuses to trust
# silently; --explain names each setting's true origin
. "$(dirname "$0")/lib.sh"

proj=$(mkproj trust)
cd "$proj" || exit 1
store="$JT_HOME/.config/jail/trusted"

cat >"$proj/.jail.conf" <<EOF2
rw ~/.ssh
env SSH_AUTH_SOCK
env GITHUB_TOKEN
env PROJ=1
allow-private
allow 0.0.0.0/0:1-65535
allow github.com
net host
rw build
protect Makefile
EOF2
chown "$JT_USER:" "$proj/.jail.conf"

# trusted? FILE: is FILE in the user's trust store
trusted() { grep -qF " $1" "$store" 2>/dev/null; }

out=$(as_user "$JAIL" trust </dev/null 2>&1); rc=$?
assert_eq "without a terminal and without --yes: refused" 125 "$rc"
assert_match "... with the command that trusts it" \
	"^jail: trust \"$proj/.jail.conf\": no terminal to ask on; read what it grants above, then run: jail trust --yes \"$proj/.jail.conf\"$" \
	"$out"
if trusted "$proj/.jail.conf"; then
	t_fail "... and nothing is trusted" "in $store"
else
	t_pass "... and nothing is trusted"
fi
assert_match "each line in plain words: rw of ~/.ssh, marked" \
	"^  ! line 1 +read-write access to $JT_HOME/.ssh: credentials live there$" "$out"
assert_match "SSH_AUTH_SOCK marked" \
	"^  ! line 2 +pass the host's variable SSH_AUTH_SOCK: passes a host credential" "$out"
assert_match "a *_TOKEN variable marked" "^  ! line 3 +pass the host's variable GITHUB_TOKEN" "$out"
assert_match "a value the file sets is not marked" "^    line 4 +set the variable PROJ=1$" "$out"
assert_match "allow-private marked" "^  ! line 5 +allow private, loopback" "$out"
assert_match "allow 0.0.0.0/0 marked" "^  ! line 6 +allow connections to 0.0.0.0/0:1-65535: a wide range" "$out"
assert_match "a plain allow is not marked" "^    line 7 +allow connections to github.com$" "$out"
assert_match "net host marked" "^  ! line 8 +network mode host: the host's network" "$out"
assert_match "rw inside the project is not marked" "^    line 9 +read-write access to $proj/build$" "$out"
assert_match "protect is not marked" "^    line 10 +keep read-only $proj/Makefile$" "$out"

# On a terminal: the question, one answer
# ask_pty ANSWER: run jail trust on a pty, answer ANSWER; prints the output
# and its status
ask_pty()
{
	pty_answer "$1" "[y/N] " '\r' "$JAIL" trust
	echo "rc=$?"
}
out=$(ask_pty n)
assert_match "on a terminal it asks, counting what is marked" \
	"6 of these reach past the project \(marked !\)\." "$out"
assert_match "... [y/N]" "Trust this file\? \[y/N\]" "$out"
assert_match "answering n trusts nothing (exit 1)" "not trusted: .*rc=1" \
	"$(printf '%s' "$out" | tr '\n' ' ')"
if trusted "$proj/.jail.conf"; then
	t_fail "... and the store is unchanged" "in $store"
else
	t_pass "... and the store is unchanged"
fi
out=$(ask_pty y)
assert_match "answering y trusts it" "trusted $proj/.jail.conf .*rc=0" \
	"$(printf '%s' "$out" | tr '\n' ' ')"
if trusted "$proj/.jail.conf"; then
	t_pass "... into the store"
else
	t_fail "... into the store" "not in $store"
fi

# --yes for scripts
printf 'env PROJ=2\nallow-private\n' >"$proj/.jail.conf"
out=$(as_user "$JAIL" trust --yes </dev/null 2>&1); rc=$?
assert_eq "--yes trusts without a terminal" 0 "$rc"
assert_match "... still showing the grants" "! line 2 +allow private" "$out"

# --explain: the true origin of each setting
out=$(jail --explain -- true 2>&1)
assert_match "--explain: allow-private from the project file, by line" \
	"allow +private, loopback and link-local destinations +\($proj/\.jail\.conf:2\)" "$out"
assert_match "--explain: env from the project file, by line" \
	"env +PROJ=\(set\) +\($proj/\.jail\.conf:1\)" "$out"
out=$(jail --explain --allow-private --allow example.test -- true 2>&1)
assert_match "--explain: an option says option" \
	"allow +example\.test:80,443 +\(option\)" "$out"
out=$(jail --explain --profile claude -- true 2>&1)
assert_match "--explain: a profile names itself" \
	"allow +api\.anthropic\.com.*\(profile claude\)" "$out"
rm -f "$proj/.jail.conf"
exit 0
