#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2016 # $K and friends are expanded inside the jail
# t-h2.sh - HTTP/2 through interception: a host a secret is bound to that
# speaks h2 (tests/servers/h2.js, node's http2) is spoken to in h2 from
# the jail too; every stream is judged and rewritten as an HTTP/1.1
# request is, answers have the value replaced, trailers pass both ways;
# and the same clients through a host that is only allowed (spliced)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

if ! command -v node >/dev/null; then
	t_skip "HTTP/2 through interception" "node is not installed"
	exit 0
fi
net_start "$@"
net_spawn_h2 || exit 0
net_trust_test_ca

proj=$(mkproj h2)
cd "$proj" || exit 1
net_workdir h2
REAL="sk-h2-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# shellcheck disable=SC2034 # read by lib.sh's as_user
JT_EXTRA_ENV="K=$REAL OTHER=other-$REAL"
URL=https://allowed.test:8443

# hj ARGS... -- CMD: jail with K bound to allowed.test and OTHER to
# other.test, allowed.test:8443 open
hj()
{
	nj --allow allowed.test:8443 --secret K@allowed.test \
		--secret OTHER@other.test "$@"
}

# served: what the h2 server logged since the last call
served()
{
	cat "$NET_DIR/h2.log" 2>/dev/null
	: >"$NET_DIR/h2.log"
}

# ---- curl --http2 ---------------------------------------------------------

out=$(hj -- sh -c 'echo "ph=$K"; curl -sS --http2 --max-time 10 -D - -w "version=%{http_version}\n" -H "x-api-key: $K" '"$URL"'/echo' 2>&1)
srv=$(served)
ph=$(printf '%s\n' "$out" | sed -n 's/^ph=//p')
assert_match "curl --http2 through interception: HTTP/2 negotiated in the jail" "^version=2\$" "$out"
assert_match "... and towards the server" "^2.0 GET /echo key=$REAL\$" "$srv"
assert_nomatch "... the jail saw no real value" "$REAL" "$out"
assert_match "... the reflected value in a header is the placeholder" "^x-echo-key: $ph" "$out"
assert_match "... and in the body" "^key $ph\$" "$out"
assert_match "... logged as secret.inject and secret.reflect" '"event":"secret.reflect","name":"K","host":"allowed.test"' "$(grep secret.inject "$LOG" >/dev/null && cat "$LOG")"

# A client that offers http/1.1 alone gets it, as before
out=$(hj -- sh -c 'curl -sS --http1.1 --max-time 10 -w "version=%{http_version}\n" -H "x-api-key: $K" '"$URL"'/echo' 2>&1)
assert_match "curl --http1.1: HTTP/1.1 as before" "^version=1.1\$" "$out"
assert_match "... the server got the value" "^1.1 GET /echo key=$REAL\$" "$(served)"

# ---- a gRPC-shaped call and many streams (node's http2 client) -------------

cat >"$proj/grpc.js" <<'JS'
const http2 = require('http2');
const key = process.env.K;
const c = http2.connect(process.argv[2]);
c.on('error', (e) => { console.log('error ' + e.message); process.exit(1); });
let left = Number(process.argv[3]);
let ok = 0;
const done = () => {
	if (--left > 0)
		return;
	console.log('streams ok ' + ok);
	c.close();
};
console.log('ph ' + key);
// One gRPC-shaped call: POST application/grpc, te: trailers, a body, and
// trailers back
const g = c.request({ ':method': 'POST', ':path': '/grpc/Svc/Call',
	'content-type': 'application/grpc', te: 'trailers', 'x-api-key': key });
let body = '';
g.on('response', (h) => console.log('grpc status ' + h[':status']));
g.on('data', (d) => { body += d; });
g.on('trailers', (t) => console.log('trailers grpc-status=' +
	t['grpc-status'] + ' x-key=' + t['x-key']));
g.on('end', () => { console.log('grpc body ' + JSON.stringify(body)); done(); });
g.end('\0\0\0\0\5hello');
// Many more streams at once on the same connection
for (let i = 1; i < left; i++) {
	const r = c.request({ ':path': '/echo/' + i, 'x-api-key': key });
	let b = '';
	r.on('data', (d) => { b += d; });
	r.on('end', () => { if (b.startsWith('key ' + key + '\n')) ok++;
		done(); });
}
JS
chmod a+r "$proj/grpc.js"
out=$(hj -- node "$proj/grpc.js" "$URL" 40 2>&1)
srv=$(served)
ph=$(printf '%s\n' "$out" | sed -n 's/^ph //p')
assert_match "a gRPC-shaped call through interception: answered" "^grpc status 200\$" "$out"
assert_match "... its trailers read, the value in them the placeholder" "^trailers grpc-status=0 x-key=$ph\$" "$out"
assert_nomatch "... the jail saw no real value" "$REAL" "$out"
assert_match "... its body came back" '^grpc body "\\u0000\\u0000\\u0000\\u0000\\u0005hello"$' "$out"
assert_match "... the server got it over h2 with the value" "^2.0 POST /grpc/Svc/Call key=$REAL\$" "$srv"
assert_match "39 more streams on the one connection, each answered" "^streams ok 39\$" "$out"
assert_eq "... each reached the server with the value" 39 "$(printf '%s\n' "$srv" | grep -c "^2.0 GET /echo/[0-9]* key=$REAL\$")"
assert_eq "... over one connection (one net.allow)" 1 "$(events net.allow)"

# ---- request trailers ------------------------------------------------------

cat >"$proj/trailers.js" <<'JS'
const http2 = require('http2');
const c = http2.connect(process.argv[2]);
c.on('error', (e) => console.log('error ' + e.message));
let left = 2;
const send = (name, value) => {
	const r = c.request({ ':method': 'POST', ':path': '/echo/tr',
		'x-api-key': process.env.K }, { waitForTrailers: true });
	r.on('wantTrailers', () => r.sendTrailers({ [name]: value }));
	r.on('response', (h) => console.log(name + ' status ' + h[':status']));
	r.on('error', (e) => console.log(name + ' error ' + e.code));
	r.on('close', () => { console.log(name + ' closed ' + r.rstCode);
		if (--left === 0) c.close(); });
	r.resume();
	r.end('body');
};
send('x-fine', 'v1');
send('x-leak', process.env.OTHER);
JS
chmod a+r "$proj/trailers.js"
out=$(hj -- node "$proj/trailers.js" "$URL" 2>&1)
srv=$(served)
assert_match "request trailers over h2 reach the server" "^trailer x-fine=v1\$" "$srv"
assert_match "... that stream answered" "^x-fine status 200\$" "$out"
assert_match "a foreign placeholder in a request trailer: its stream is reset" "^x-leak closed [1-9]" "$out"
assert_nomatch "... the server never got it" "x-leak" "$srv"
assert_match "... logged as secret.leak" '"event":"secret.leak","name":"OTHER"' "$(cat "$LOG")"

# ---- a session quiet past its park -----------------------------------------

# Quiet for longer than ICPT_TRIM_MS (2 s), the bridged connection is
# parked without a thread; the stream after it is bridged by a new one
cat >"$proj/pause.js" <<'JS'
const http2 = require('http2');
const c = http2.connect(process.argv[2]);
c.on('error', (e) => console.log('error ' + e.message));
const one = (n, then) => {
	const r = c.request({ ':path': '/echo', 'x-api-key': process.env.K });
	let body = '';
	r.setEncoding('utf8');
	r.on('data', (d) => { body += d; });
	r.on('end', () => {
		console.log(n + ' ' + body.trim());
		then();
	});
};
one(1, () => setTimeout(() => one(2, () => c.close()), 3500));
JS
chmod a+r "$proj/pause.js"
out=$(hj -- sh -c 'echo "ph=$K"; node '"$proj"'/pause.js '"$URL" 2>&1)
srv=$(served)
ph=$(printf '%s\n' "$out" | sed -n 's/^ph=//p')
assert_match "h2: a stream after the session was quiet past its park is bridged" "^2 key $ph\$" "$out"
assert_match "... as was the one before it" "^1 key $ph\$" "$out"
assert_eq "... the server got the value in both" 2 "$(printf '%s\n' "$srv" | grep -c "^2.0 GET /echo key=$REAL\$")"
assert_nomatch "... the jail saw no real value" "$REAL" "$out"

# ---- flow control: large bodies both ways ----------------------------------

out=$(hj -- sh -c 'head -c 8000000 /dev/zero | curl -sS --http2 --max-time 60 --data-binary @- -H "x-api-key: $K" '"$URL"'/upload; curl -sS --http2 --max-time 60 -H "x-api-key: $K" '"$URL"'/bytes/8000000 >"$HOME/big"; wc -c <"$HOME/big"; grep -a -o "$K" "$HOME/big" | wc -l; grep -a -c "sk-h2-" "$HOME/big"' 2>&1)
assert_eq "8 MB up and 8 MB down over h2 through interception: whole; the value inside the download the placeholder" "got 8000000 8000000 1 0" "$(printf '%s' "$out" | tr '\n' ' ')"
served >/dev/null

# ---- refusals on one stream ------------------------------------------------

# A placeholder bound elsewhere, in a header and in a body
out=$(hj -- sh -c 'curl -sS --http2 --max-time 10 -w "\nstatus=%{http_code} version=%{http_version}\n" -H "x-api-key: $OTHER" '"$URL"'/echo' 2>&1)
assert_match "a foreign placeholder in an h2 header: 403" "status=403 version=2" "$out"
assert_match "... logged as secret.leak" '"event":"secret.leak","name":"OTHER"' "$(cat "$LOG")"
out=$(hj -- sh -c 'curl -sS --http2 --max-time 10 -w "\nstatus=%{http_code} version=%{http_version}\n" --data-binary "a=$OTHER" '"$URL"'/echo' 2>&1)
assert_match "a foreign placeholder in an h2 body: 403" "status=403 version=2" "$out"
assert_match "... logged as secret.leak" '"event":"secret.leak","name":"OTHER","where":"http-body"' "$(cat "$LOG")"
assert_nomatch "... neither reached the server with it" "other-" "$(served)"

# A compressed answer cannot be searched: refused on its stream
out=$(hj -- sh -c 'curl -sS --http2 --max-time 10 -w "\nstatus=%{http_code}\n" -H "x-api-key: $K" '"$URL"'/gzip' 2>&1)
assert_match "a compressed h2 answer from a bound host: 502" "status=502" "$out"
assert_nomatch "... the value never reached the jail" "$REAL" "$out"

# A scoped secret, inside and outside its scope
out=$(nj --allow allowed.test:8443 --secret 'K@allowed.test;methods=GET;paths=/echo/in/' -- sh -c '
	for p in /echo/in/a /echo/out; do
		curl -sS --http2 --max-time 10 -o /dev/null -w "%{http_code} " -H "x-api-key: $K" '"$URL"'$p
	done' 2>&1)
assert_eq "a scoped secret over h2: inside 200, outside 403" "200 403 " "$out"
assert_match "... outside logged as secret.scope" '"event":"secret.scope","name":"K","host":"allowed.test","method":"GET","path":"/echo/out"' "$(cat "$LOG")"
srv=$(served)
assert_match "... inside: the server got the value" "^2.0 GET /echo/in/a key=$REAL\$" "$srv"
assert_nomatch "... outside: the server never saw the request" "/echo/out" "$srv"

# ---- a host that is only allowed (spliced) --------------------------------

out=$(nj --allow allowed.test:8443 -- sh -c 'curl -sS --http2 --max-time 10 --cacert /dev/null -w "version=%{http_version}\n" -o /dev/null '"$URL"'/echo' 2>&1)
assert_match "spliced: the server's own certificate is not the jail's CA's" "certificate|SSL" "$out"
cp "$NET_DIR/ca.pem" "$proj/test-ca.pem"
chmod a+r "$proj/test-ca.pem"
out=$(nj --allow allowed.test:8443 -- sh -c 'curl -sS --http2 --max-time 10 --cacert '"$proj"'/test-ca.pem -w "version=%{http_version}\n" -o /dev/null '"$URL"'/echo' 2>&1)
assert_match "curl --http2 through a merely allowed host: HTTP/2" "^version=2\$" "$out"
out=$(nj --allow allowed.test:8443 -- env NODE_EXTRA_CA_CERTS="$proj/test-ca.pem" K=none node "$proj/grpc.js" "$URL" 5 2>&1)
assert_match "a gRPC-shaped call through a merely allowed host: trailers read" "^trailers grpc-status=0 x-key=none\$" "$out"
assert_match "... and 4 more streams" "^streams ok 4\$" "$out"
