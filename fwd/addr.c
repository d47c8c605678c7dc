// SPDX-License-Identifier: MIT
/*
 * addr.c - the forwarder's address type: an IPv4 or IPv6 address, compared,
 * converted to and from sockaddrs and text (IPv4-mapped IPv6 is IPv4)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "jail.h"
#include "fwd/fwd.h"

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0,
				       0, 0, 0, 0, 0xff, 0xff };

/* ::ffff:a.b.c.d is a.b.c.d: dial and check it as IPv4 */
static void addr_unmap(struct fwd_addr *a)
{
	if (a->family == AF_INET6 && !memcmp(a->a, v4_mapped, 12)) {
		memmove(a->a, a->a + 12, 4);
		memset(a->a + 4, 0, 12);
		a->family = AF_INET;
	}
}

void fwd_addr_set(struct fwd_addr *a, int family, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->a, bytes, family == AF_INET ? 4 : 16);
	addr_unmap(a);
}

bool fwd_addr_eq(const struct fwd_addr *x, const struct fwd_addr *y)
{
	return x->family == y->family &&
	       !memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

bool fwd_addr_from_sa(const void *sa, struct fwd_addr *a, uint16_t *port)
{
	const struct sockaddr_storage *ss = sa;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = sa;

		fwd_addr_set(a, AF_INET, &s->sin_addr);
		if (port)
			*port = ntohs(s->sin_port);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = sa;

		fwd_addr_set(a, AF_INET6, &s->sin6_addr);
		if (port)
			*port = ntohs(s->sin6_port);
		return true;
	}
	return false;
}

bool fwd_addr_parse(const char *s, struct fwd_addr *a)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, s, b) == 1) {
		fwd_addr_set(a, AF_INET, b);
		return true;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		fwd_addr_set(a, AF_INET6, b);
		return true;
	}
	return false;
}

const char *fwd_addr_str(const struct fwd_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}
