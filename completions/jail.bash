# SPDX-License-Identifier: MIT
# jail.bash - bash completion for jail(1)
#
# Install as /usr/share/bash-completion/completions/jail, or source it.
# The options come from `jail --help`, which is generated from jail's one
# option table, so the completion never goes stale.

# _jail_opts: "--name METAVAR" lines (METAVAR empty for flags), cached
_jail_opts()
{
	local bin=${COMP_WORDS[0]:-jail}

	if [ -z "${_jail_opts_cache:-}" ] ||
		[ "${_jail_opts_bin:-}" != "$bin" ]; then
		# "--opt[=MODE]" takes its value only after "=": a flag here
		_jail_opts_cache=$(command "$bin" --help 2>/dev/null | awk '
			$1 ~ /^--[a-z0-9-]+\[=[A-Z]+\]$/ { sub(/\[.*/, "", $1); print $1, ""; next }
			$1 ~ /^--[a-z0-9-]+$/ { print $1, ($2 ~ /^[A-Z]/ ? $2 : "") }')
		_jail_opts_bin=$bin
	fi
	printf '%s\n' "$_jail_opts_cache"
}

# _jail_meta OPTION: the option's METAVAR, empty for a flag or unknown
_jail_meta()
{
	_jail_opts | awk -v o="$1" '$1 == o { print $2; exit }'
}

# _jail_files [-d]: file (or directory) names for $cur, marked as files
_jail_files()
{
	local IFS=$'\n'

	compopt -o filenames 2>/dev/null
	# shellcheck disable=SC2207 # compgen output, one name a line
	COMPREPLY+=($(compgen "${1:--f}" -- "$cur"))
}

# _jail_value OPTION: complete the value of OPTION in $cur
_jail_value()
{
	local meta
	meta=$(_jail_meta "$1")
	case $1 in
	--net)
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -W "filtered none host" -- "$cur"))
		return ;;
	--profile)
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -W "claude codex gemini aider opencode" \
			-- "$cur"))
		return ;;
	--tty-allow)
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -W "clipboard raw" -- "$cur"))
		return ;;
	--env)
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -v -- "$cur"))
		return ;;
	esac
	case $meta in
	PATH | FILE) _jail_files -f ;;
	DIR) _jail_files -d ;;
	esac
}

# _jail_command IDX: COMP_WORDS[IDX] is COMMAND; complete it or its args
_jail_command()
{
	if declare -F _command_offset >/dev/null; then
		_command_offset "$1"
	elif [ "$1" = "$COMP_CWORD" ]; then
		# shellcheck disable=SC2207
		COMPREPLY+=($(compgen -c -- "$cur"))
	else
		_jail_files -f
	fi
}

# _jail_logs: jail IDs with a log in the default log directory
_jail_logs()
{
	local dir=${XDG_STATE_HOME:-$HOME/.local/state}/jail/log f ids=()

	for f in "$dir"/*.jsonl; do
		[ -f "$f" ] || continue
		f=${f##*/}
		ids+=("${f%.jsonl}")
	done
	# shellcheck disable=SC2207
	COMPREPLY+=($(compgen -W "${ids[*]}" -- "$cur"))
}

# _jail_reviews: IDs of the reviews kept by --review
_jail_reviews()
{
	local dir=${XDG_STATE_HOME:-$HOME/.local/state}/jail/review f ids=()

	for f in "$dir"/*; do
		[ -f "$f/meta" ] && ids+=("${f##*/}")
	done
	# shellcheck disable=SC2207
	COMPREPLY+=($(compgen -W "${ids[*]}" -- "$cur"))
}

# _jail_sub: words after a subcommand (trust, log, ps, review)
_jail_sub()
{
	case ${COMP_WORDS[1]} in
	trust) _jail_files -f ;;
	review)
		if [ "$COMP_CWORD" = 2 ]; then
			_jail_reviews
		elif [ "$COMP_CWORD" = 3 ]; then
			# shellcheck disable=SC2207
			COMPREPLY=($(compgen -W "apply discard patch" -- "$cur"))
		elif [ "${COMP_WORDS[3]}" = apply ]; then
			# shellcheck disable=SC2207
			COMPREPLY=($(compgen -W "--protected" -- "$cur"))
		else
			_jail_files -f
		fi ;;
	log)
		if [[ $cur == -* ]]; then
			# shellcheck disable=SC2207
			COMPREPLY=($(compgen -W "--json --markdown --help" -- "$cur"))
		else
			_jail_logs
			_jail_files -f
		fi ;;
	ps) ;;
	esac
}

_jail()
{
	local cur=${COMP_WORDS[COMP_CWORD]} i=1 w opt

	COMPREPLY=()
	case ${COMP_WORDS[1]:-} in
	trust | log | ps | review)
		if [ "$COMP_CWORD" -gt 1 ]; then
			_jail_sub
			return 0
		fi ;;
	esac
	# Walk the words before the cursor: options, their values, then
	# "--" or COMMAND
	while [ "$i" -lt "$COMP_CWORD" ]; do
		w=${COMP_WORDS[i]}
		if [ "$w" = -- ]; then
			_jail_command $((i + 1))
			return 0
		fi
		case $w in
		--*=* | =) ;;
		--*)
			# "--opt VALUE"; with "=" in COMP_WORDBREAKS "--opt=V"
			# arrives as "--opt" "=" "V"
			if [ "${COMP_WORDS[i + 1]:-}" = "=" ]; then
				i=$((i + 1))
			fi
			if [ -n "$(_jail_meta "$w")" ]; then
				i=$((i + 1))
			fi ;;
		-*) ;;
		*)
			_jail_command "$i"
			return 0 ;;
		esac
		i=$((i + 1))
	done
	# The value of an option: "--opt VALUE", "--opt=VALUE" in one word,
	# or split at "=" by readline
	w=${COMP_WORDS[COMP_CWORD - 1]:-}
	if [ "$cur" = "=" ]; then
		cur=
		opt=$w
	elif [ "$w" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
		_jail_value "$opt"
		COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
		return 0
	elif [[ $w == --* ]] && [ -n "$(_jail_meta "$w")" ]; then
		opt=$w
	fi
	if [ -n "${opt:-}" ] && [ -n "$(_jail_meta "$opt")" ]; then
		_jail_value "$opt"
		return 0
	fi
	if [[ $cur == -* ]]; then
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -W "$(_jail_opts | awk '{ print $1 }') --" \
			-- "$cur"))
		return 0
	fi
	if [ "$COMP_CWORD" = 1 ]; then
		# shellcheck disable=SC2207
		COMPREPLY=($(compgen -W "trust log ps review" -- "$cur"))
	fi
	_jail_command "$COMP_CWORD"
	return 0
}

complete -F _jail jail
