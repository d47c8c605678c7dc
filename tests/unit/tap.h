/* SPDX-License-Identifier: MIT */
/*
 * tap.h - minimal Test Anything Protocol output for the unit tests
 *
 *	plan(n);			optional; otherwise done_testing() prints it
 *	ok(cond, "name %d", i);
 *	is_int(got, want, "name");
 *	is_str(got, want, "name");
 *	diag("free text %s", x);
 *	return done_testing();		nonzero when anything failed
 */
#ifndef TAP_H
#define TAP_H

#include <stdio.h>
#include <string.h>

static int tap_run, tap_failed, tap_planned;

#define plan(n)                                                                \
	do {                                                                   \
		tap_planned = (n);                                             \
		printf("1..%d\n", tap_planned);                                \
	} while (0)

#define diag(...)                                                              \
	do {                                                                   \
		printf("# ");                                                  \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
	} while (0)

/* ok(cond, fmt, ...): one test point; evaluates to cond */
#define ok(cond, ...)                                                          \
	({                                                                     \
		int ok_ = !!(cond);                                            \
		tap_run++;                                                     \
		if (!ok_)                                                      \
			tap_failed++;                                          \
		printf("%s %d - ", ok_ ? "ok" : "not ok", tap_run);            \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		if (!ok_)                                                      \
			printf("#   failed at %s:%d\n", __FILE__, __LINE__);     \
		ok_;                                                           \
	})

#define is_int(got, want, ...)                                                 \
	({                                                                     \
		long long got_ = (long long)(got);                             \
		long long want_ = (long long)(want);                           \
		int is_ = ok(got_ == want_, __VA_ARGS__);                      \
		if (!is_)                                                      \
			printf("#   got %lld, want %lld\n", got_, want_);         \
		is_;                                                           \
	})

#define is_str(got, want, ...)                                                 \
	({                                                                     \
		const char *gs_ = (got);                                       \
		const char *ws_ = (want);                                      \
		int is_ = ok(gs_ && ws_ ? !strcmp(gs_, ws_) : gs_ == ws_,      \
			     __VA_ARGS__);                                     \
		if (!is_)                                                      \
			printf("#   got \"%s\", want \"%s\"\n",                 \
			       gs_ ? gs_ : "(null)", ws_ ? ws_ : "(null)");    \
		is_;                                                           \
	})

#define done_testing()                                                         \
	({                                                                     \
		if (!tap_planned)                                              \
			printf("1..%d\n", tap_run);                            \
		else if (tap_planned != tap_run)                               \
			printf("# planned %d tests, ran %d\n", tap_planned,    \
			       tap_run);                                       \
		if (tap_failed)                                                \
			printf("# failed %d of %d\n", tap_failed, tap_run);    \
		(tap_failed || (tap_planned && tap_planned != tap_run)) ? 1    \
									: 0;   \
	})

#endif /* TAP_H */
