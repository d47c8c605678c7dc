// SPDX-License-Identifier: MIT
// tests/servers/h2.js DIR ADDR PORT - an HTTP/2 (and HTTP/1.1) test server
// of the test internet, with the test certificate of DIR. Every request is
// logged to DIR/h2.log as "VERSION METHOD PATH key=X-API-KEY" and
// "trailer key=..." for request trailers. Paths:
//   /echo   answers 200 with x-echo-key: the request's x-api-key, and a
//           body quoting it and the request's body
//   /grpc   a gRPC-shaped answer: the request body back as
//           application/grpc, then trailers grpc-status 0 and x-key (the
//           request's x-api-key)
//   /gzip   a gzip-coded body
//   /bytes/N  N bytes of "x", the request's x-api-key at offset 100000
//   /upload   "got N" for a body of N bytes
'use strict';
const http2 = require('http2');
const fs = require('fs');
const zlib = require('zlib');

const [dir, addr, port] = process.argv.slice(2);
const log = (line) => fs.appendFileSync(`${dir}/h2.log`, line + '\n');

// @n bytes, @key at offset 100000, written as the client takes them
function sendBytes(res, n, key) {
	const chunk = Buffer.alloc(65536, 'x');
	let off = 0;
	res.writeHead(200, { 'content-type': 'application/octet-stream' });
	const more = () => {
		while (off < n) {
			const k = Math.min(chunk.length, n - off);
			let b = chunk.subarray(0, k);
			if (off <= 100000 && 100000 + key.length <= off + k) {
				b = Buffer.from(b);
				b.write(key, 100000 - off);
			}
			off += k;
			if (!res.write(b))
				return res.once('drain', more);
		}
		res.end();
	};
	more();
}

const server = http2.createSecureServer({
	key: fs.readFileSync(`${dir}/srv.key`),
	cert: fs.readFileSync(`${dir}/srv.pem`),
	allowHTTP1: true,
}, (req, res) => {
	const key = req.headers['x-api-key'] || '';
	const body = [];
	req.on('data', (c) => body.push(c));
	req.on('end', () => {
		const b = Buffer.concat(body);
		log(`${req.httpVersion} ${req.method} ${req.url} key=${key}`);
		for (const [k, v] of Object.entries(req.trailers || {}))
			log(`trailer ${k}=${v}`);
		if (req.url.startsWith('/grpc')) {
			res.addTrailers({ 'grpc-status': '0', 'x-key': key });
			res.writeHead(200, { 'content-type': 'application/grpc' });
			res.end(b);
		} else if (req.url.startsWith('/bytes/')) {
			sendBytes(res, Number(req.url.slice(7)), key);
		} else if (req.url.startsWith('/upload')) {
			res.writeHead(200, { 'content-type': 'text/plain' });
			res.end(`got ${b.length}\n`);
		} else if (req.url.startsWith('/gzip')) {
			res.writeHead(200, { 'content-encoding': 'gzip' });
			res.end(zlib.gzipSync(`key ${key}\n`));
		} else {
			res.writeHead(200, { 'content-type': 'text/plain',
					     'x-echo-key': key });
			res.end(`key ${key}\nbody ${b.toString()}\n`);
		}
	});
});
server.listen(Number(port), addr, () =>
	fs.writeFileSync(`${dir}/ready-h2`, ''));
