#!/bin/bash
# SPDX-License-Identifier: MIT
# t-completion.sh - bash and zsh completions: options from jail --help,
# values of --net and --profile, subcommands, paths, COMMAND after --
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

comp="$STAGE/completions-$JT_USER"
rm -rf "$comp"
cp -r "$TOP/completions" "$comp"
chmod -R a+rX "$comp"
bindir=$(dirname "$JAIL")

# bcomp WORD...: bash completions for the command line WORD... (the last
# word is the one being completed), sorted, unique, on one line
bcomp()
{
	# shellcheck disable=SC2016 # expanded by the inner bash
	as_user bash -c '
		PATH=$1:$PATH
		. "$2/jail.bash"
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_jail
		printf "%s\n" "${COMPREPLY[@]}" | grep . | sort -u |
			paste -sd " "' \
		_ "$bindir" "$comp" "$@" 2>/dev/null
}

# "--review[=MODE]" is offered as "--review"
help_opts=$(as_user "$JAIL" --help | awk '$1 ~ /^--[a-z]/ { sub(/\[.*/, "", $1); print $1 }' | sort)
got=$(bcomp jail - | tr ' ' '\n' | grep -v '^--$' | sort)
assert_eq "bash: every option of jail --help is offered" "$help_opts" "$got"
assert_eq "bash: --pro" "--profile --project --protect" "$(bcomp jail --pro)"
assert_eq "bash: --net values" "filtered host none" "$(bcomp jail --net '')"
assert_eq "bash: --net=VALUE in one word" "--net=filtered" \
	"$(bcomp jail --net=f)"
assert_eq "bash: --net = VALUE as readline splits it" "filtered host none" \
	"$(bcomp jail --net = '')"
assert_eq "bash: --profile values" \
	"aider claude codex gemini opencode" "$(bcomp jail --profile '')"
assert_match "bash: subcommands" "(^| )trust( |$)" "$(bcomp jail tr)"
assert_match "bash: log and ps" "(^| )log( |$)" "$(bcomp jail lo)"
assert_match "bash: ps" "(^| )ps( |$)" "$(bcomp jail p)"
assert_match "bash: review" "(^| )review( |$)" "$(bcomp jail rev)"
assert_eq "bash: jail review ID actions" "apply discard patch" \
	"$(bcomp jail review 0123456789abcdef '')"
assert_eq "bash: jail log --json" "--json" "$(bcomp jail log --j)"
assert_eq "bash: path options complete files" "/etc/hostname" \
	"$(bcomp jail --ro /etc/hostnam)"
assert_eq "bash: --home completes directories only" "/etc" \
	"$(bcomp jail --home /et)"
assert_eq "bash: COMMAND after --" "whoami" "$(bcomp jail --ro /usr -- whoam)"
assert_eq "bash: COMMAND after options without --" "whoami" \
	"$(bcomp jail --timeout 5 whoam)"
assert_eq "bash: no option completion for COMMAND's own options" "" \
	"$(bcomp jail -- ls --pro)"
id=0123456789abcdef
mkdir -p "$JT_HOME/.local/state/jail/log"
: >"$JT_HOME/.local/state/jail/log/$id.jsonl"
chown -R "$JT_USER:" "$JT_HOME/.local"
assert_match "bash: jail log completes jail IDs" "(^| )$id( |$)" \
	"$(bcomp jail log 0123)"
rm -f "$JT_HOME/.local/state/jail/log/$id.jsonl"
if as_user bash -n "$comp/jail.bash"; then
	t_pass "bash: jail.bash parses"
else
	t_fail "bash: jail.bash parses" "bash -n"
fi

# zsh: drive an interactive zsh on a pseudo-terminal, press TAB, read
# what it drew
if ! command -v zsh >/dev/null; then
	t_skip "zsh completion" "zsh is not installed"
	exit 0
fi
zdrive="$STAGE/zdrive-$JT_USER.zsh"
cat >"$zdrive" <<'EOF'
zmodload zsh/zpty || exit 1
zpty z 'TERM=dumb zsh -f -i'
zpty -w z "PS1='%% '; PATH=$2:\$PATH; fpath=($1 \$fpath); autoload -U compinit; compinit -u -D; zstyle ':completion:*' list-prompt ''; LISTMAX=1000; print READY\$((6*7))"
# Ready when the shell has run the setup (bounded: a loaded machine is slow)
out=
for (( i = 0; i < 200; i++ )); do
	while zpty -r -t z chunk; do out+=$chunk; done
	[[ $out == *READY42* ]] && break
	sleep 0.1
done
zpty -w -n z "$3"
# Then what the TAB shows, until the terminal has been quiet for a second
out=
quiet=0
for (( i = 0; i < 200 && quiet < 10; i++ )); do
	if zpty -r -t z chunk; then
		out+=$chunk
		quiet=0
	else
		(( quiet++ ))
		sleep 0.1
	fi
done
zpty -d z
print -r -- "${out//$'\r'/}"
EOF
chmod a+r "$zdrive"
# zcomp INPUT: what zsh shows after INPUT (TAB included) was typed
zcomp() { as_user zsh -f "$zdrive" "$comp" "$bindir" "$1" 2>/dev/null; }

out=$(zcomp $'jail --pro\t')
assert_match "zsh: --pro lists the three options" \
	"--profile .*--project .*--protect|--profile +-- " "$out"
assert_match "zsh: options carry their help" "keep PATH read-only inside" "$out"
out=$(zcomp $'jail --net \t')
assert_match "zsh: --net values" "filtered +host +none" "$out"
assert_match "zsh: --net=VALUE" "jail --net=filtered" "$(zcomp $'jail --net=f\t')"
assert_match "zsh: --profile values" "claude +codex" "$(zcomp $'jail --profile c\t')"
assert_match "zsh: subcommands" "trust +-- trust a project policy file" \
	"$(zcomp $'jail tr\t')"
assert_match "zsh: path options complete files" "jail --ro /etc/hostname" \
	"$(zcomp $'jail --ro /etc/hostnam\t')"
assert_match "zsh: COMMAND after --" "jail --ro /usr -- whoami" \
	"$(zcomp $'jail --ro /usr -- whoam\t')"
assert_match "zsh: jail log --json" "jail log --json" "$(zcomp $'jail log --j\t')"
exit 0
