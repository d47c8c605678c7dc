// SPDX-License-Identifier: MIT
/*
 * answers.c - what a bound host sends back through interception: every
 * real value replaced by its placeholder (reflect.c) on its way to the
 * jail, logged as secret.reflect; an answer that cannot be searched (a
 * compressed body, framing that cannot be followed) ends the connection
 */
#include <sys/socket.h>

#include "fwd/icpt.h"

/* secret.reflect: the first time per secret and connection */
void icpt_log_reflect(struct icpt *ic, uint32_t hits)
{
	for (size_t i = 0; i < ic->n_subs && i < ARRAY_SIZE(ic->subs); i++) {
		const struct audit_field f[] = {
			AF_STR("name", ic->subs[i].name),
			AF_STR("host", ic->host),
		};

		if (!(hits & (1u << i)) || (ic->reflected & (1u << i)))
			continue;
		ic->reflected |= 1u << i;
		broker_log_event(ic->p, "secret.reflect", f, ARRAY_SIZE(f));
	}
}

/*
 * An answer reflect.c could not pass on (@err): logged as net.error, the
 * jail told why where it is a head not yet sent, and the connection ends
 */
static __attribute__((noreturn)) void icpt_answer_refused(struct icpt *ic,
							  int err)
{
	const char *why =
		err == -ENOTSUP ?
			"a compressed answer from a host a secret is bound "
			"to (its value could not be looked for in it)" :
			"an answer from a host a secret is bound to whose "
			"framing cannot be followed";
	const struct audit_field f[] = {
		AF_STR("host", ic->host),
		AF_INT("port", ic->port),
		AF_STR("reason", why),
	};
	char buf[400];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 502 Bad Gateway\r\nContent-Type: "
			 "text/plain\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\njail: %s\n",
			 strlen(why) + 7, why);

	broker_log_event(ic->p, "net.error", f, ARRAY_SIZE(f));
	if (err == -ENOTSUP && n > 0 && (size_t)n < sizeof(buf))
		(void)icpt_jail_write(ic, buf, (size_t)n);
	icpt_finish(ic);
}

/*
 * @len bytes from the server on to the jail, every value bound here
 * replaced by its placeholder (reflect.c): where they all lie inside a
 * body whose end the framing already knows, in place (most of a large
 * download's reads); else a slice at a time, the slices' bytes gathered
 * in @ic->rout and written at once (one TLS write of many records, not
 * one per slice).
 * Return: 0, or -1 when the jail is gone
 */
static int icpt_down(struct icpt *ic, uint8_t *b, size_t len)
{
	uint32_t hits = 0;
	size_t out = 0;
	int body;

	if (!ic->n_pats)
		return len && icpt_jail_write(ic, b, len) < 0 ? -1 : 0;
	body = reflect_resp_body(&ic->resp, ic->pats, ic->n_pats, b, len,
				 &hits);
	if (body >= 0) {
		icpt_log_reflect(ic, hits);
		return body && icpt_jail_write(ic, b, (size_t)body) < 0 ? -1 :
									  0;
	}
	for (size_t off = 0; off < len; off += ICPT_SLICE) {
		size_t k = len - off < ICPT_SLICE ? len - off : ICPT_SLICE;
		int w;

		/* Room for the slice's most (re-chunked: @ic->rout has
		 * REFLECT_OUT_MAX(ICPT_SLICE) beyond ICPT_DOWN_BUF), else
		 * what is gathered goes first */
		if (out > ICPT_DOWN_BUF) {
			if (icpt_jail_write(ic, ic->rout, out) < 0)
				return -1;
			out = 0;
		}
		w = reflect_resp_feed(&ic->resp, ic->pats, ic->n_pats, b + off,
				      k, ic->rout + out, sizeof(ic->rout) - out,
				      &hits);
		if (w < 0) {
			/* What came before the refused bytes goes on */
			if (out)
				(void)icpt_jail_write(ic, ic->rout, out);
			icpt_answer_refused(ic, w);
		}
		out += (size_t)w;
	}
	icpt_log_reflect(ic, hits);
	return out && icpt_jail_write(ic, ic->rout, out) < 0 ? -1 : 0;
}

/*
 * The upstream connection ended: what the matchers held goes to the
 * jail masked, and the next connection's answers start afresh; the
 * requests still awaiting theirs stay in line
 */
void icpt_down_end(struct icpt *ic)
{
	struct reflect_resp *r = &ic->resp;
	bool is_head[REFLECT_REQS];
	size_t first = r->first_req, n = r->n_reqs;
	int w;

	if (!ic->n_pats)
		return;
	w = reflect_resp_end(r, ic->pats, ic->n_pats, ic->rout,
			     sizeof(ic->rout));
	if (w > 0)
		(void)icpt_jail_write(ic, ic->rout, (size_t)w);
	memcpy(is_head, r->is_head, sizeof(is_head));
	memset(r, 0, sizeof(*r));
	memcpy(r->is_head, is_head, sizeof(is_head));
	r->first_req = first;
	r->n_reqs = n;
}

/*
 * A read's bytes start this far into @ic->down. reflect.c copies them
 * into @ic->rout a little ahead of where they were (its chunk size
 * lines), both buffers page-aligned: a copy whose destination lies 1 to
 * 15 bytes past its source modulo 4 KiB runs 16 times slower on AMD Zen
 * (glibc's rep movsb, each store aliasing the loads after it: 78 ms
 * against 5 ms per 256 MiB measured here). Shifted, the destination is
 * behind its source, as far as a read's re-chunking adds
 */
#define ICPT_DOWN_SKEW 256

/*
 * What the server sent, to the jail as it comes (a stream stays a
 * stream), in writes of up to ICPT_DOWN_BUF: every record already read
 * joins the write. Return: 0, or -1 when either side is done
 */
int icpt_to_jail(struct icpt *ic)
{
	uint8_t *b = ic->down + ICPT_DOWN_SKEW;
	size_t got = 0, cap = sizeof(ic->down) - ICPT_DOWN_SKEW;
	ssize_t n;

	do {
		n = crypto_tls_read(ic->up, b + got, cap - got);
		if (n > 0)
			got += (size_t)n;
	} while (n > 0 && got < cap && crypto_tls_pending(ic->up));
	if (icpt_down(ic, b, got) < 0)
		return -1;
	ic->down_bytes += (long long)got;
	if (n == 0 || n == -EIO) {
		icpt_down_end(ic);
		return -1;
	}
	return 0;
}

