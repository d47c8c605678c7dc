#!/bin/bash
# SPDX-License-Identifier: MIT
# t-help.sh - discoverable: jail --help lists the subcommands, jail help
# [SUB] and jail SUB --help work for each, nothing pending says so, an
# unknown option names the nearest one
. "$(dirname "$0")/lib.sh"

proj=$(mkproj help)
cd "$proj" || exit 1

subs="help trust log ps pending approve always deny revoke review"
out=$(jail --help 2>&1)
for s in $subs; do
	assert_match "--help lists subcommand $s" "^  $s +[a-z]" "$out"
done
assert_eq "jail help prints what --help prints" "$out" "$(jail help 2>&1)"

for s in $subs; do
	sub_out=$(jail "$s" --help 2>&1); rc=$?
	assert_eq "jail $s --help exits 0" 0 "$rc"
	assert_match "jail $s --help prints its usage" "^Usage: jail " \
		"$sub_out"
	assert_eq "jail help $s is jail $s --help" "$sub_out" \
		"$(jail help "$s" 2>&1)"
	assert_eq "jail $s -h is jail $s --help" "$sub_out" \
		"$(jail "$s" -h 2>&1)"
done
assert_nomatch "jail trust --help trusts nothing" "No such file" \
	"$(jail trust --help 2>&1)"
assert_nomatch "jail trust --help records nothing" "/--help\$" \
	"$(cat "$JT_HOME/.config/jail/trusted" 2>/dev/null)"

err=$(jail help lgo 2>&1); rc=$?
assert_eq "jail help of an unknown subcommand exits 125" 125 "$rc"
assert_eq "... in one line naming the nearest" \
	'jail: help "lgo": no such subcommand; did you mean "log"? See jail help' \
	"$err"
# A program named like a subcommand still runs after --
assert_eq "jail -- help runs COMMAND help" 127 \
	"$(jail -- help >/dev/null 2>&1; echo $?)"

out=$(jail pending 2>&1); rc=$?
assert_eq "jail pending with nothing pending exits 0" 0 "$rc"
assert_match "... and says so" "^nothing is pending" "$out"

# Unknown options: one line, exit 125, the nearest option named
for pair in "--alow x:--allow" "--tmeout=3:--timeout" "--explian:--explain" \
	"--ro-tyr /x:--ro-try" "--no-profle:--no-profile"; do
	args=${pair%%:*} want=${pair##*:}
	# shellcheck disable=SC2086
	err=$(jail $args -- true 2>&1); rc=$?
	assert_eq "[$args] exits 125" 125 "$rc"
	assert_eq "[$args] is one line" 1 "$(printf '%s\n' "$err" | wc -l)"
	assert_match "[$args] suggests $want" \
		"^jail: unknown option \"--[a-z-]+\"; did you mean $want\? See jail --help$" \
		"$err"
done
err=$(jail --qqqqqqqq -- true 2>&1)
assert_eq "a far-off option suggests nothing" \
	'jail: unknown option "--qqqqqqqq"; see jail --help' "$err"
err=$(jail --allow- x -- true 2>&1)
assert_match "an ambiguous start says so" \
	'^jail: ambiguous option "--allow-": the start of 2 options' "$err"
err=$(jail --explain=yes -- true 2>&1)
assert_eq "a value for a flag says so" \
	'jail: "--explain=yes": --explain takes no value; see jail --help' "$err"
err=$(jail --ro 2>&1)
assert_match "a missing value says so" '^jail: missing value for "--ro"' \
	"$err"

# A policy file's unknown key names the nearest key too
mkdir -p "$proj/cfg/jail"
printf 'alow github.com\n' >"$proj/cfg/jail/jail.conf"
err=$(JT_EXTRA_ENV="XDG_CONFIG_HOME=$proj/cfg" jail -- true 2>&1); rc=$?
assert_eq "an unknown key in a policy file exits 125" 125 "$rc"
assert_match "... naming the file, line and nearest key" \
	'jail\.conf:1: unknown option "alow"; did you mean "allow"\?$' "$err"
rm -rf "$proj/cfg"

exit 0
