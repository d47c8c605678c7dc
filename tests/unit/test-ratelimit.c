// SPDX-License-Identifier: MIT
/*
 * test-ratelimit.c - unit tests for ratelimit.c
 */
#include "fwd/fwd.h"
#include "tests/unit/tap.h"

static struct ratelimit r;

static void test_minute(void)
{
	struct ratelimit_slot s;
	int written = 0;

	for (int i = 0; i < 1000; i++)
		written += ratelimit_take(&r, RL_ALLOW, "a.test", 80, NULL, 10,
					  20, 1000 + (uint64_t)i);
	is_int(written, 1, "1000 connections in a minute: one written");
	ok(!ratelimit_due(&r, 30000, false, &s), "nothing due within it");
	ok(ratelimit_due(&r, 61000, false, &s), "its aggregate after it");
	ok(s.n == 999 && s.up == 9990 && s.down == 19980 &&
		   !strcmp(s.host, "a.test") && s.port == 80,
	   "... with the count and the bytes of the rest");
	ok(!ratelimit_due(&r, 61000, false, &s), "... once");
	ok(!ratelimit_take(&r, RL_ALLOW, "a.test", 80, NULL, 1, 1, 62000),
	   "the next minute counts too");
	ok(ratelimit_take(&r, RL_ALLOW, "a.test", 443, NULL, 1, 1, 62000),
	   "another port is another destination");
	ok(ratelimit_take(&r, RL_INJECT, "a.test", 0, "K", 0, 0, 62000),
	   "secret.inject is its own kind");
	ok(!ratelimit_take(&r, RL_INJECT, "a.test", 0, "K", 0, 0, 62001),
	   "... and counted");
	ok(ratelimit_due(&r, 62002, true, &s),
	   "at exit: due whatever the time");
}

static void test_full(void)
{
	char name[32];
	struct ratelimit_slot s;
	int written = 0, n_due = 0;
	unsigned long long counted = 0;

	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "h%d.test", i);
		written += ratelimit_take(&r, RL_ALLOW, name, 80, NULL, 0, 0,
					  5);
	}
	is_int(written, RATELIMIT_SLOTS - 1,
	       "10000 names: one written per slot, no more");
	while (ratelimit_due(&r, 70000, false, &s) && n_due < 1000) {
		n_due++;
		counted += s.n;
	}
	is_int(n_due, 1, "the rest in one overflow aggregate");
	is_int(counted, 10000 - (RATELIMIT_SLOTS - 1), "... counting them all");
	ratelimit_lock(&r);
	ratelimit_unlock(&r);
	ratelimit_lock(&r);
	ratelimit_lock(&r);	/* a holder that died: taken over */
	ratelimit_unlock(&r);
	ok(1, "a lock never let go is taken over");
}

int main(void)
{
	test_minute();
	test_full();
	return done_testing();
}
