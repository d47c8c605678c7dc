#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2016 # $K is expanded inside the jail
# t-ktls.sh - kernel TLS for interception, and its fallback: the
# forwarder asks libssl for kernel TLS on both legs of every intercepted
# connection (SSL_OP_ENABLE_KTLS); where the kernel has no "tls" upper
# layer protocol (or not for the cipher) libssl's setsockopt() is refused
# and the session goes on in user space. Either way every request is still
# rewritten and every answer still searched for the bound value, also
# across a large answer written in gathered records; net.allow says in
# "ktls" which directions the kernel took over ("none" where it cannot).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

if ! command -v node >/dev/null; then
	t_skip "kernel TLS for interception" "node is not installed"
	exit 0
fi
net_start "$@"
net_spawn_h2 || exit 0
net_trust_test_ca

proj=$(mkproj ktls)
cd "$proj" || exit 1
net_workdir ktls
REAL="sk-kt-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# shellcheck disable=SC2034 # read by lib.sh's as_user
JT_EXTRA_ENV="K=$REAL"
URL=https://allowed.test:8443

# Does this kernel have the "tls" protocol? An unconnected TCP socket is
# refused with ENOTCONN where it has, ENOENT where it has not: the same
# question the forwarder asks
has_ktls=$(python3 -c '
import errno, socket
s = socket.socket()
try:
    s.setsockopt(socket.IPPROTO_TCP, 31, b"tls")
    print("odd")
except OSError as e:
    print("yes" if e.errno == errno.ENOTCONN else "no")
')

# The value goes upstream, its reflection comes back as the placeholder
out=$(nj --allow allowed.test:8443 --secret K@allowed.test -- sh -c 'echo "ph=$K"; curl -sS --http1.1 --max-time 10 -H "x-api-key: $K" '"$URL"'/echo' 2>&1)
ph=$(printf '%s\n' "$out" | sed -n 's/^ph=//p')
srv=$(cat "$NET_DIR/h2.log" 2>/dev/null)
: >"$NET_DIR/h2.log"
assert_match "kTLS requested: the server got the real value" "^1.1 GET /echo key=$REAL\$" "$srv"
assert_nomatch "... the jail saw no real value" "$REAL" "$out"
assert_match "... the reflected value came back as the placeholder" "^key $ph\$" "$out"
allow=$(grep '"event":"net.allow"' "$LOG" | grep '"via":"tls interception"')
case $has_ktls in
no)
	assert_match "this kernel has no tls protocol: net.allow says ktls none" \
		'"ktls":"none"' "$allow" ;;
yes)
	assert_match "this kernel has the tls protocol: net.allow names what it took" \
		'"ktls":"(none|((jail|upstream)-(send|recv),?)+)"' "$allow" ;;
*)
	t_fail "the tls protocol probe" "unexpected answer: $has_ktls" ;;
esac

# A large answer (8 MB of HTTP/1.1 chunked from node, the value at offset
# 100000): every byte arrives, written in gathered records, the value in
# it replaced
out=$(nj --allow allowed.test:8443 --secret K@allowed.test -- sh -c 'curl -sS --http1.1 --max-time 60 -H "x-api-key: $K" '"$URL"'/bytes/8000000 >"$HOME/big"; wc -c <"$HOME/big"; grep -a -c "$K" "$HOME/big"; grep -a -c "sk-kt-" "$HOME/big"' 2>&1)
assert_eq "a large answer through interception: every byte" 8000000 "$(printf '%s\n' "$out" | sed -n 1p)"
assert_eq "... the value in it is the placeholder" 1 "$(printf '%s\n' "$out" | sed -n 2p)"
assert_eq "... and nothing of the real value" 0 "$(printf '%s\n' "$out" | sed -n 3p)"
assert_match "... logged as secret.reflect" '"event":"secret.reflect","name":"K"' "$(cat "$LOG")"

# A large request body: sent on whole
out=$(nj --allow allowed.test:8443 --secret K@allowed.test -- sh -c 'head -c 3000000 /dev/zero | curl -sS --http1.1 --max-time 60 --data-binary @- -H "x-api-key: $K" '"$URL"'/upload' 2>&1)
assert_match "a large request body through interception: every byte" "^got 3000000\$" "$out"
