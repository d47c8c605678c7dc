// SPDX-License-Identifier: MIT
/*
 * icptthread.c - an interception process's connection served on a thread
 * of its own (intercept.c's theory of operation)
 *
 * An interception process is forked from the forwarder: every page of
 * the forwarder's heap it writes is copied for it. A connection's
 * allocations (two TLS sessions and what their handshakes leave) would
 * otherwise fill the free space scattered over that inherited heap, a
 * copied page for every few hundred bytes. A thread allocates from a
 * malloc arena of its own, in fresh pages, side by side. Its stack, of a
 * known place and size, gives back what a handshake or a large head used
 * once the connection is quiet (icpt_stack_release()). The main thread
 * waits, every signal blocked, until the connection's end ends the
 * process (_exit()). The process stays the connection's alone.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include "jail.h"
#include "fwd/icpt.h"

/* Reserved for the thread's stack: only the pages it uses are memory */
#define ICPT_STACK (1 << 20)

/* Kept below the caller of icpt_stack_release(): its callees' frames */
#define ICPT_STACK_KEEP 2048

static struct {
	void (*fn)(void *);
	void *arg;
	sigset_t mask;		/* the thread's: the process's before */
	uint8_t *lo, *hi;	/* the thread's stack (pages), once it runs */
} apart;

static void *apart_main(void *unused)
{
	pthread_attr_t a;
	void *lo;
	size_t len;

	(void)unused;
	pthread_sigmask(SIG_SETMASK, &apart.mask, NULL);
	if (!pthread_getattr_np(pthread_self(), &a)) {
		if (!pthread_attr_getstack(&a, &lo, &len)) {
			apart.lo = lo;
			apart.hi = apart.lo + len;
		}
		pthread_attr_destroy(&a);
	}
	apart.fn(apart.arg);
	_exit(0);
}

void icpt_run_apart(void (*fn)(void *), void *arg)
{
	pthread_attr_t a;
	pthread_t t;
	sigset_t all;
	bool is_started = false;

	apart.fn = fn;
	apart.arg = arg;
	/* Blocked here from now on; the thread starts with the mask of
	 * before (SIGTERM let in) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &apart.mask);
	if (!pthread_attr_init(&a)) {
		is_started = !pthread_attr_setstacksize(&a, ICPT_STACK) &&
			     !pthread_create(&t, &a, apart_main, NULL);
		pthread_attr_destroy(&a);
	}
	if (!is_started) {
		/* Served here, as well, with more of the heap copied */
		pthread_sigmask(SIG_SETMASK, &apart.mask, NULL);
		fn(arg);
		_exit(0);
	}
	for (;;)
		ppoll(NULL, 0, NULL, &all);
}

void icpt_stack_release(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *here = __builtin_frame_address(0);

	/* Only on the thread's own stack, whose bounds are known (its low
	 * end a page boundary: it was mapped) */
	if (!apart.lo || here <= apart.lo + ICPT_STACK_KEEP ||
	    here > apart.hi || (uintptr_t)apart.lo % pg)
		return;
	(void)madvise(apart.lo,
		      (size_t)(here - ICPT_STACK_KEEP - apart.lo) / pg * pg,
		      MADV_DONTNEED);
}
