#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2016 # the scripts written here expand $HOME when they run
# t-toolchains.sh - tools installed under the home: a PATH entry into
# pyenv, rustup+cargo, nvm or a user npm prefix brings that toolchain into
# the throwaway home read-only, with working shims; credentials beside
# them stay out; --explain names why; --no-toolchains turns it off
. "$(dirname "$0")/lib.sh"

proj=$(mkproj toolchains)
cd "$proj" || exit 1
H=$JT_HOME
made=("$H/.pyenv" "$H/.cargo" "$H/.rustup" "$H/.nvm" "$H/.npm-global" "$H/.npmrc")
cleanup() { rm -rf "${made[@]}"; }
trap cleanup EXIT
cleanup

# script FILE BODY: an executable shell script
script() { mkdir -p "$(dirname "$1")"; printf '#!/bin/sh\n%s\n' "$2" >"$1"; chmod 755 "$1"; }

# pyenv: a shim that runs ~/.pyenv/libexec/pyenv, as the real ones do
script "$H/.pyenv/libexec/pyenv" 'echo "pyenv-ok $* version=$(cat "$HOME/.pyenv/version")"'
script "$H/.pyenv/bin/pyenv" 'exec "$HOME/.pyenv/libexec/pyenv" "$@"'
script "$H/.pyenv/shims/fakepy" 'exec "$HOME/.pyenv/libexec/pyenv" exec fakepy "$@"'
echo 3.12.1 >"$H/.pyenv/version"
# rustup+cargo: the proxy in ~/.cargo/bin reads ~/.rustup; credentials beside
script "$H/.cargo/bin/fakecargo" 'echo "cargo-ok toolchain=$(cat "$HOME/.rustup/settings.toml")"'
mkdir -p "$H/.rustup"
echo 'default_toolchain = "stable"' >"$H/.rustup/settings.toml"
echo 'token = "CARGO-SECRET"' >"$H/.cargo/credentials.toml"
# nvm: node under ~/.nvm/versions
script "$H/.nvm/versions/node/v20.1.0/bin/fakenode" 'echo node-ok'
echo '# nvm' >"$H/.nvm/nvm.sh"
# a user npm prefix: bin/ links into lib/node_modules; its npmrc holds a token
script "$H/.npm-global/lib/node_modules/faketool/cli.sh" 'echo faketool-ok'
mkdir -p "$H/.npm-global/bin" "$H/.npm-global/etc"
ln -s ../lib/node_modules/faketool/cli.sh "$H/.npm-global/bin/faketool"
echo '//registry.npmjs.org/:_authToken=NPM-SECRET' >"$H/.npm-global/etc/npmrc"
echo '//registry.npmjs.org/:_authToken=NPM-SECRET' >"$H/.npmrc"
chown -R "$JT_USER:" "${made[@]}"

P="$H/.pyenv/shims:$H/.cargo/bin:$H/.nvm/versions/node/v20.1.0/bin:$H/.npm-global/bin:/usr/local/bin:/usr/bin:/bin"
tj() { JT_EXTRA_ENV="PATH=$P" jail "$@"; }

out=$(tj -- sh -c 'fakepy -V; fakecargo; fakenode; faketool' 2>&1)
assert_match "pyenv: the shim runs through ~/.pyenv" "^pyenv-ok exec fakepy -V version=3.12.1$" "$out"
assert_match "rustup+cargo: the proxy finds ~/.rustup" '^cargo-ok toolchain=default_toolchain = "stable"$' "$out"
assert_match "nvm: node from ~/.nvm/versions" "^node-ok$" "$out"
assert_match "npm prefix: a global tool through its bin link" "^faketool-ok$" "$out"

out=$(tj -- sh -c 'cat ~/.cargo/credentials.toml ~/.npmrc ~/.npm-global/etc/npmrc 2>&1; ls -A ~/.cargo' 2>&1)
assert_nomatch "cargo's credentials stay outside" "CARGO-SECRET" "$out"
assert_nomatch "the npm prefix's npmrc and ~/.npmrc stay outside" "NPM-SECRET" "$out"
assert_eq "only ~/.cargo/bin of ~/.cargo is there" "bin" \
	"$(printf '%s\n' "$out" | tail -1)"
out=$(tj -- sh -c 'echo x >~/.pyenv/version 2>&1 || echo ro; touch ~/.nvm/new 2>&1 || echo ro2' 2>&1)
assert_match "the toolchains are read-only inside" "ro" "$out"
assert_match "... nvm too" "ro2" "$out"
assert_eq "... and the host's files are unchanged" "3.12.1" "$(cat "$H/.pyenv/version")"

out=$(tj --explain -- true 2>&1)
assert_match "--explain: pyenv and why" "ro +$H/\.pyenv \(if present\) +\(toolchain pyenv, PATH $H/\.pyenv/shims\)" "$out"
assert_match "--explain: ~/.rustup for cargo" "ro +$H/\.rustup .*\(toolchain rustup\+cargo, PATH $H/\.cargo/bin\)" "$out"
assert_match "--explain: nvm" "ro +$H/\.nvm .*\(toolchain nvm" "$out"
assert_match "--explain: the npm prefix and its hidden npmrc" "hide +$H/\.npm-global/etc/npmrc .*\(toolchain npm prefix" "$out"

assert_status "--no-toolchains: the toolchain is not there" 127 \
	tj --no-toolchains -- sh -c fakenode
out=$(JT_EXTRA_ENV="PATH=/usr/bin:/bin" jail --explain -- true 2>&1)
assert_nomatch "no PATH entry into a toolchain: nothing bound" "\(toolchain " "$out"
exit 0
