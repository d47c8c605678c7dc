#!/bin/bash
# SPDX-License-Identifier: MIT
# t-agenthosts.sh - the profiles follow their agents: each installed agent
# client (claude, codex, gemini, installed from npm by tests/agentlib.sh
# as t-agents.sh does) is read for the API and sign-in hosts it uses, and
# each must be allowed by the agent's profile, so a new client release that
# talks to a new host shows up here as a failure
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/agentlib.sh
. "$(dirname "$0")/agentlib.sh"

install_agents

# urls NAME: every https URL in the installed client's files
urls()
{
	local real
	real=$(readlink -f "$BIN/$1") || return
	case $1 in
	claude) strings -n 8 "$real" ;;
	codex) find "$AGENTS/node_modules/@openai" -type f -name codex \
		-size +1M -exec strings -n 8 {} + ;;
	gemini) cat "$(dirname "$real")"/*.js ;;
	esac | grep -oE 'https://[A-Za-z0-9.-]+(/[A-Za-z0-9/._-]*)?' | sort -u
}

# api_hosts NAME: the hosts of its API, sign-in and token refresh (not its
# documentation, status, support or marketing pages, nor staging)
api_hosts()
{
	local re
	case $1 in
	claude) re='^https://((api|platform|console|mcp-proxy)\.(anthropic\.com|claude\.com)|claude\.ai)(/|$)' ;;
	codex) re='^https://((api|auth)\.openai\.com|chatgpt\.com)(/|$)' ;;
	gemini) re='^https://((generativelanguage|cloudcode-pa|oauth2)\.googleapis\.com(/|$)|www\.googleapis\.com/oauth2/v[0-9]/(userinfo|token))' ;;
	esac
	urls "$1" | grep -E "$re" | sed -E 's|^https://([^/]+).*|\1|' | sort -u
}

# allowed NAME HOST: the profile's --explain lists an allow covering HOST:443
allowed()
{
	local rules
	rules=$(jail --explain --profile "$1" -- true 2>/dev/null |
		awk '$1 == "allow" { print $2 }' | sed 's/:.*//')
	while read -r r; do
		[ "$r" = "$2" ] && return 0
		case $r in '*.'*) [[ $2 == *."${r#\*.}" ]] && return 0 ;; esac
	done <<<"$rules"
	return 1
}

for a in claude codex gemini; do
	if [ -n "${WHY[$a]:-}" ]; then
		t_skip "$a: its profile covers the client's hosts" "${WHY[$a]}"
		continue
	fi
	hosts=$(api_hosts "$a")
	if [ -z "$hosts" ]; then
		t_fail "$a: the client names its API hosts" "none found in $(readlink -f "$BIN/$a")"
		continue
	fi
	absent=""
	for h in $hosts; do
		allowed "$a" "$h" || absent="$absent $h"
	done
	assert_eq "$a: the profile allows every API and sign-in host the client uses ($(echo "$hosts" | tr '\n' ' '))" "" "$absent"
done
exit 0
