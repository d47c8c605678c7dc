// SPDX-License-Identifier: MIT
/*
 * proxy.c - the host's upstream proxy (HTTPS_PROXY): its URL, the CONNECT
 * request and the head of its answer
 *
 * The forwarder's loop (dial.c) and the interception processes'
 * blocking dial (broker.c) both tunnel through it, so both take the
 * request and the reading of the answer from here. The URL is parsed
 * once, in the forwarder, before the jail says anything; the answer
 * comes from the network and is read as untrusted bytes.
 */
#include <netdb.h>
#include <sys/socket.h>
#include "jail.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "fwd/internal.h"

int proxy_connect_request(const struct upstream_proxy *px, const char *host,
			  uint16_t port, char *buf, size_t len)
{
	/* An IPv6 literal is bracketed, or its colons read as the port's */
	bool v6 = strchr(host, ':') != NULL;
	int n = snprintf(buf, len,
			 "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n"
			 "%s\r\n",
			 v6 ? "[" : "", host, v6 ? "]" : "", port,
			 v6 ? "[" : "", host, v6 ? "]" : "", port, px->auth);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int proxy_answer_head(const char *buf, size_t n, size_t *head_len)
{
	const char *end = memmem(buf, n, "\r\n\r\n", 4);

	/* "HTTP/1.x SSS": refused as soon as its first bytes say otherwise */
	if (memcmp(buf, "HTTP/1.", n < 7 ? n : 7))
		return -EPROTO;
	if (!end)
		return 0;
	if ((size_t)(end - buf) < 12 || buf[8] != ' ' || !is_digit(buf[9]) ||
	    !is_digit(buf[10]) || !is_digit(buf[11]))
		return -EPROTO;
	*head_len = (size_t)(end - buf) + 4;
	return (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
}

/* Return: true when @out holds the base64 of @in, NUL-terminated */
static bool base64(const char *in, char *out, size_t out_len)
{
	int n = out_len ? base64_encode((const uint8_t *)in, strlen(in),
					(uint8_t *)out, out_len - 1) :
			  -E2BIG;

	if (n < 0)
		return false;
	out[n] = '\0';
	return true;
}

/* %XX (two hex digits) in a URL's user:password; anything else is kept */
static void url_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		int hi = s[0] == '%' ? hex_digit(s[1]) : -1;
		int lo = hi >= 0 ? hex_digit(s[2]) : -1;

		if (lo >= 0) {
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/*
 * "http://[user:pass@]host[:port][/]": resolved once, here, before the
 * jail says anything. An https:// proxy (TLS to the proxy itself) is not
 * supported: TLS connections then fail closed instead of going direct.
 */
void fwd_proxy_setup(struct upstream_proxy *px, const char *url)
{
	char buf[512], creds[512] = "", b64[700], *host, *at, *port, *end;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;

	if (!url || !*url)
		return;
	px->on = true;
	px->broken = true;
	if (strlen(url) >= sizeof(buf)) {
		warn("upstream proxy: URL too long");
		return;
	}
	snprintf(buf, sizeof(buf), "%s", url);
	host = buf;
	if (!strncasecmp(host, "http://", 7)) {
		host += 7;
	} else if (strstr(host, "://")) {
		warn("upstream proxy: only http:// proxies are supported");
		return;
	}
	at = strrchr(host, '@');
	if (at) {
		*at = '\0';
		snprintf(creds, sizeof(creds), "%s", host);
		host = at + 1;
	}
	end = strchr(host, '/');
	if (end)
		*end = '\0';
	if (*host == '[') {
		end = strchr(host, ']');
		if (!end)
			return;
		*end = '\0';
		port = end[1] == ':' ? end + 2 : NULL;
		host++;
	} else {
		port = strrchr(host, ':');
		if (port)
			*port++ = '\0';
	}
	if (getaddrinfo(host, port && *port ? port : "80", &hints, &res) ||
	    !res) {
		warn("upstream proxy: cannot resolve \"%s\"", host);
		return;
	}
	memcpy(&px->sa, res->ai_addr, res->ai_addrlen);
	px->sa_len = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(px->desc, sizeof(px->desc), "%s:%s", host,
		 port && *port ? port : "80");
	if (creds[0]) {
		url_unescape(creds);
		if (!base64(creds, b64, sizeof(b64))) {
			warn("upstream proxy: cannot encode its credentials "
			     "(libcrypto.so.3)");
			return;	/* stays broken: fail closed */
		}
		snprintf(px->auth, sizeof(px->auth),
			 "Proxy-Authorization: Basic %s\r\n", b64);
	}
	px->broken = false;
}
