// SPDX-License-Identifier: MIT
/*
 * fuzz-audit.c - audit log lines: parsing, writing back, showing
 *
 * Input: one line of an audit log. Whatever parses must be written back
 * by audit_format() (when its values are short enough not to be cut) to a
 * line that parses to the same event, and formatting that event again must
 * give the same bytes. Every parsed event is also rendered by
 * logview_render_event(), whose output must hold no byte a terminal acts
 * on.
 */
#include <time.h>

#include "jail.h"
#include "parse/parse.h"
#include "cmd/cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct audit_event ev, back;
static char line[AUDIT_LINE_MAX], again[AUDIT_LINE_MAX];
static char shown[8 * AUDIT_LINE_MAX];

static bool same_event(const struct audit_event *a, const struct audit_event *b)
{
	if (strcmp(a->jail, b->jail) || strcmp(a->event, b->event) ||
	    a->n_fields != b->n_fields)
		return false;
	for (size_t i = 0; i < a->n_fields; i++) {
		const struct audit_field *x = &a->f[i], *y = &b->f[i];

		if (strcmp(x->key, y->key) || x->type != y->type)
			return false;
		if (x->type == AUDIT_INT ? x->i != y->i : strcmp(x->s, y->s))
			return false;
	}
	return true;
}

/* No value longer than audit_format() writes without cutting it */
static bool fits_uncut(const struct audit_event *e)
{
	if (strlen(e->jail) > AUDIT_VALUE_MAX ||
	    strlen(e->event) > AUDIT_VALUE_MAX)
		return false;
	for (size_t i = 0; i < e->n_fields; i++)
		if (strlen(e->f[i].key) > AUDIT_VALUE_MAX ||
		    (e->f[i].type == AUDIT_STR &&
		     strlen(e->f[i].s) > AUDIT_VALUE_MAX))
			return false;
	return true;
}

static void round_trip(void)
{
	const struct timespec ts = { 1795323600, 123000000 };
	int n = audit_format(line, sizeof(line), &ts, ev.jail, ev.event, ev.f,
			     ev.n_fields);

	if (n == -E2BIG)
		return;
	/* Keys are never cut, so the writer refuses over-long ones */
	if (n == -EINVAL && !fits_uncut(&ev)) {
		for (size_t i = 0; i < ev.n_fields; i++)
			if (strlen(ev.f[i].key) > AUDIT_VALUE_MAX)
				return;
	}
	if (n <= 0 || (size_t)n >= sizeof(line) || line[n - 1] != '\n')
		__builtin_trap();
	if (audit_parse_line(line, (size_t)n, &back) != 0)
		__builtin_trap();
	if (strcmp(back.ts, "2026-11-22T05:00:00.123Z"))
		__builtin_trap();
	/* A cut value may be cut again elsewhere: compare whole ones only */
	if (!fits_uncut(&ev))
		return;
	if (!same_event(&ev, &back))
		__builtin_trap();
	/* What the writer produced, it produces again from its reading */
	if (audit_format(again, sizeof(again), &ts, back.jail, back.event,
			 back.f, back.n_fields) != n ||
	    memcmp(line, again, (size_t)n))
		__builtin_trap();
}

static void render(void)
{
	size_t n = logview_render_event(&ev, shown, sizeof(shown));

	if (n >= sizeof(shown) || strlen(shown) != n)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)shown[i];

		if (c < 0x20 || c == 0x7f)
			__builtin_trap();
		/* C1 controls (U+0080..U+009F) */
		if (c == 0xc2 && i + 1 < n && (uint8_t)shown[i + 1] < 0xa0)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int err = audit_parse_line((const char *)data, size, &ev);

	if (err == -EBADMSG || err == -E2BIG) {
		if (ev.ts || ev.jail || ev.event || ev.n_fields)
			__builtin_trap();
		return 0;
	}
	if (err || !ev.ts || !ev.jail || !ev.event ||
	    ev.n_fields > AUDIT_EVENT_MAX_FIELDS)
		__builtin_trap();
	render();
	round_trip();
	return 0;
}
