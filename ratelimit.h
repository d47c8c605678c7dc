/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h - audit events aggregated per destination per minute
 *
 * The jail chooses how often the forwarder logs: every connection, every
 * request. The first event of a kind for one destination in a minute is
 * written as it happens; the others in that minute are counted (with
 * their bytes) and written as one event with a "count" when the minute
 * is over. The table is shared by the forwarder and the processes it
 * forks (MAP_SHARED), so that brokers count into the same minutes.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include "jail.h"

#define RATELIMIT_SLOTS 128
#define RATELIMIT_WINDOW_MS 60000

enum ratelimit_kind {
	RL_ALLOW,	/* net.allow: host, port, bytes */
	RL_INJECT,	/* secret.inject: secret name, host */
};

struct ratelimit_slot {
	bool is_used;
	unsigned int kind;		/* enum ratelimit_kind */
	uint16_t port;
	char host[POLICY_NAME_MAX + 1];	/* "" in the overflow slot */
	char what[64];			/* RL_INJECT: the secret's name */
	uint64_t since;			/* the minute's start, ms */
	unsigned long long n;		/* events held back in it */
	unsigned long long up, down;	/* their bytes */
};

struct ratelimit {
	int lock;
	struct ratelimit_slot s[RATELIMIT_SLOTS];
};

/**
 * ratelimit_take() - Count one event
 * @r:		the table
 * @kind:	enum ratelimit_kind
 * @host:	its destination; untrusted (a name from the jail), copied
 *		bounded
 * @port:	its port
 * @what:	RL_INJECT: the secret's name, else "" or NULL
 * @up:		bytes to the host
 * @down:	bytes from the host
 * @now:	monotonic ms
 *
 * Pure. A full table counts the events of new destinations together in
 * one overflow slot (host "").
 *
 * Return: true when the event is to be written now (the first of its
 * destination in the minute), false when it was counted
 */
bool ratelimit_take(struct ratelimit *r, unsigned int kind, const char *host,
		    uint16_t port, const char *what, uint64_t up,
		    uint64_t down, uint64_t now);

/**
 * ratelimit_due() - The next aggregate to write
 * @r:		the table
 * @now:	monotonic ms
 * @is_all:	every aggregate, whether its minute is over or not (at exit)
 * @out:	the aggregate; its counts are cleared in @r
 *
 * Pure. Slots whose minute is over with nothing counted are freed.
 *
 * Return: true when @out holds one (call again), false when none is due
 */
bool ratelimit_due(struct ratelimit *r, uint64_t now, bool is_all,
		   struct ratelimit_slot *out);

/* Take @r's lock (shared between processes); a holder that does not let
 * go in time (it was killed) loses it */
void ratelimit_lock(struct ratelimit *r);
void ratelimit_unlock(struct ratelimit *r);

#endif
