#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/agentlib.sh - the real coding agents from npm, for the test files
# that run them (t-agents.sh, t-secrets.sh). Source after lib.sh.
# shellcheck disable=SC2034 # WHY and the rest are read by those files

AGENTS=${JAIL_AGENTS_DIR:-/var/tmp/jail-agents}
BIN=$AGENTS/node_modules/.bin
declare -A PKG=([claude]=@anthropic-ai/claude-code [codex]=@openai/codex
	[gemini]=@google/gemini-cli)
# What --version prints
declare -A VERSION_RE=(
	[claude]='^[0-9]+\.[0-9]+\.[0-9]+ \(Claude Code\)$'
	[codex]='^codex-cli [0-9]+\.[0-9]+\.[0-9]+'
	[gemini]='^[0-9]+\.[0-9]+\.[0-9]+$')

# agent_ok NAME: installed and starts on the host
agent_ok()
{
	[ -x "$BIN/$1" ] &&
		timeout 60 "$BIN/$1" --version 2>/dev/null |
		grep -Eq "${VERSION_RE[$1]}"
}

# install_agents [NAME...]: npm install those of the agents (default all)
# that are missing into $AGENTS, a cache kept between runs; WHY[NAME] says
# why one cannot be had. Each test file installs what it uses itself
declare -A WHY=()
install_agents()
{
	local a missing=() log="$STAGE/npm-install-$$.log"

	[ $# = 0 ] && set -- claude codex gemini
	for a in "$@"; do
		agent_ok "$a" || missing+=("$a")
	done
	[ ${#missing[@]} = 0 ] && return
	if ! command -v npm >/dev/null; then
		for a in "${missing[@]}"; do WHY[$a]="npm is not installed"; done
		return
	fi
	mkdir -p "$AGENTS"
	for a in "${missing[@]}"; do
		if ! (cd "$AGENTS" && timeout 300 npm install --prefix "$AGENTS" \
			--no-audit --no-fund "${PKG[$a]}") >"$log" 2>&1; then
			WHY[$a]="npm install ${PKG[$a]} failed: $(grep -v '^npm warn' "$log" |
				tail -1 | head -c 200)"
		elif ! agent_ok "$a"; then
			WHY[$a]="${PKG[$a]} installed but \"$a --version\" fails on the host"
		fi
	done
	chmod -R a+rX "$AGENTS"
}
