// SPDX-License-Identifier: MIT
/*
 * ratelimit.c - audit events aggregated per destination per minute
 *
 * See ratelimit.h. Without it, a jail that churns connections writes
 * one net.allow line for each (tens of thousands a minute); counted per
 * host and port per minute, it writes two for each destination and
 * minute however fast it churns.
 */
#include <sched.h>

#include "fwd/fwd.h"

static bool slot_is(const struct ratelimit_slot *s, unsigned int kind,
		    const char *host, uint16_t port, const char *what)
{
	return s->is_used && s->kind == kind && s->port == port &&
	       !strncmp(s->host, host, sizeof(s->host) - 1) &&
	       !strncmp(s->what, what, sizeof(s->what) - 1);
}

static void slot_init(struct ratelimit_slot *s, unsigned int kind,
		      const char *host, uint16_t port, const char *what,
		      uint64_t now)
{
	memset(s, 0, sizeof(*s));
	s->is_used = true;
	s->kind = kind;
	s->port = port;
	snprintf(s->host, sizeof(s->host), "%.*s", (int)sizeof(s->host) - 1,
		 host);
	snprintf(s->what, sizeof(s->what), "%.*s", (int)sizeof(s->what) - 1,
		 what);
	s->since = now;
}

static void count(struct ratelimit_slot *s, uint64_t up, uint64_t down)
{
	s->n++;
	s->up += up;
	s->down += down;
}

bool ratelimit_take(struct ratelimit *r, unsigned int kind, const char *host,
		    uint16_t port, const char *what, uint64_t up,
		    uint64_t down, uint64_t now)
{
	struct ratelimit_slot *free_slot = NULL, *over;
	const size_t last = RATELIMIT_SLOTS - 1;

	if (!what)
		what = "";
	if (!host)
		host = "";
	for (size_t i = 0; i < last; i++) {
		struct ratelimit_slot *s = &r->s[i];

		if (slot_is(s, kind, host, port, what)) {
			if (now - s->since < RATELIMIT_WINDOW_MS) {
				count(s, up, down);
				return false;
			}
			/* A new minute: its first event goes out; what the
			 * old one counted waits for ratelimit_due() */
			if (!s->n)
				s->since = now;
			return true;
		}
		if (!s->is_used && !free_slot)
			free_slot = s;
	}
	if (free_slot) {
		slot_init(free_slot, kind, host, port, what, now);
		return true;
	}
	/* Every slot busy: new destinations are counted together, by kind */
	over = &r->s[last];
	if (!over->is_used || over->kind != kind) {
		if (over->is_used && over->n)
			return true;	/* the other kind's count waits */
		slot_init(over, kind, "", 0, "", now);
	}
	count(over, up, down);
	return false;
}

bool ratelimit_due(struct ratelimit *r, uint64_t now, bool is_all,
		   struct ratelimit_slot *out)
{
	for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
		struct ratelimit_slot *s = &r->s[i];
		bool is_over = now - s->since >= RATELIMIT_WINDOW_MS;

		if (!s->is_used || (!is_over && !is_all))
			continue;
		if (!s->n) {
			if (is_over)
				s->is_used = false;
			continue;
		}
		*out = *s;
		s->n = s->up = s->down = 0;
		s->since = now;
		return true;
	}
	return false;
}

void ratelimit_lock(struct ratelimit *r)
{
	/* Held for a few hundred instructions; a holder killed meanwhile
	 * (jail revoke kills brokers) must not stop the log for good: after
	 * the bound the lock is taken over */
	for (int i = 0; i < 10000; i++) {
		if (!__atomic_exchange_n(&r->lock, 1, __ATOMIC_ACQUIRE))
			return;
		sched_yield();
	}
}

void ratelimit_unlock(struct ratelimit *r)
{
	__atomic_store_n(&r->lock, 0, __ATOMIC_RELEASE);
}
