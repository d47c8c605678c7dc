// SPDX-License-Identifier: MIT
/*
 * icptidle.c - an intercepted connection's quiet: where its thread waits
 * and what it gives back when nothing moves
 *
 * A connection's thread waits in icpt_wait() for either side. Quiet for
 * ICPT_TRIM_MS, the pages its buffers dirtied go back to the kernel, its
 * TLS sessions' buffers are freed, the heap is trimmed and the thread's
 * stack below the caller is given back; then the connection is parked
 * (icpt_park(), icptthread.c): it waits without a thread until a side is
 * readable or BROKER_IDLE_MS runs out. An idle connection so costs the
 * interception process its TLS state and a few pages of its own.
 */
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "jail.h"
#include "fwd/fwd.h"
#include "fwd/reflect.h"
#include "fwd/internal.h"
#include "fwd/icpt.h"

_Static_assert(offsetof(struct reflect_resp, head) ==
		       offsetof(struct reflect_resp, data) +
			       sizeof(struct reflect_stream),
	       "the head buffer right after the data matcher");

/* This thread's connection: its buffers given back when it is idle */
static __thread struct icpt *icpt_self;

void icpt_idle_watch(struct icpt *ic)
{
	icpt_self = ic;
}

/* The whole pages inside @p (@len bytes) back to the kernel: they read as
 * zeros when next touched */
static void release_pages(uint8_t *p, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t head = (pg - (uintptr_t)p % pg) % pg;

	if (len > head && (len - head) / pg)
		(void)madvise(p + head, (len - head) / pg * pg, MADV_DONTNEED);
}

/* The answer's buffers past what they hold: bytes never read again */
static void release_unread(struct reflect_resp *r)
{
	uint8_t *data_end = r->data.held + r->data.held_len;

	release_pages(r->raw.held + r->raw.held_len,
		      sizeof(r->raw.held) - r->raw.held_len);
	/*
	 * No head under way: the data matcher's unread end and the whole
	 * head buffer are one stretch (nothing lies between them), so the
	 * page they share goes back too, not only the pages of each
	 */
	if (!r->head_len) {
		release_pages(data_end,
			      (size_t)(r->head + sizeof(r->head) - data_end));
		return;
	}
	release_pages(data_end, sizeof(r->data.held) - r->data.held_len);
	release_pages(r->head + r->head_len, sizeof(r->head) - r->head_len);
}

/*
 * Quiet for ICPT_TRIM_MS: what a stream of answers dirtied (the read
 * and scan buffers, free heap, the thread's stack below) goes back, so
 * that an idle connection's process holds little more than its TLS
 * state. The answer buffers hold nothing between two reads; of what the
 * jail sent, what is not sent on yet stays; a rewritten head is wiped
 * once sent, a held push's stays.
 */
static void icpt_release_idle(void)
{
	struct icpt *ic = icpt_self;

	if (ic) {
		release_pages(ic->down, sizeof(ic->down));
		release_pages(ic->rout, sizeof(ic->rout));
		release_pages(ic->in + ic->in_len, sizeof(ic->in) - ic->in_len);
		if (ic->push == PUSH_NONE)
			release_pages(ic->out, sizeof(ic->out));
		release_unread(&ic->resp);
		if (!ic->is_plain)
			crypto_tls_release(ic->jail);
		crypto_tls_release(ic->up);
	}
	(void)malloc_trim(0);
	icpt_stack_release();
}

int icpt_wait(struct pollfd pf[2], bool is_pending)
{
	struct timespec quiet = { ICPT_TRIM_MS / 1000,
				  (ICPT_TRIM_MS % 1000) * 1000000L };
	struct timespec ts = { (BROKER_IDLE_MS - ICPT_TRIM_MS) / 1000, 0 };
	sigset_t none;
	int r;

	if (is_pending)
		return 1;
	if (icpt_is_expired())
		return -1;
	sigemptyset(&none);
	r = ppoll(pf, 2, &quiet, &none);
	if (r == 0) {
		icpt_release_idle();
		/* Returns only where the connection cannot be parked */
		icpt_park(pf);
		r = ppoll(pf, 2, &ts, &none);
	}
	if (r < 0 && errno == EINTR)
		return 0;
	return r > 0 ? 1 : -1;
}
