// SPDX-License-Identifier: MIT
/*
 * secrets.c - placeholders for host secrets, header substitution
 *
 * A secret's real value stays on the host. The supervisor reads it into a
 * vault that no forked or cloned process inherits (MADV_WIPEONFORK), and
 * gives the jail a placeholder of the same shape instead. The forwarder,
 * forked after the jail with its own copy (secrets_reveal()), swaps the
 * placeholder for the value in requests it brokers to a bound host, and
 * refuses any request or DNS name that carries a placeholder elsewhere.
 *
 * For TLS straight to a bound host, the supervisor makes a CA for this
 * jail alone (secrets_make_ca()), after the jail was cloned so that no
 * process of the jail ever held its key; the jail trusts it through a
 * bundle file, the host's bundle and its certificate, bound over the
 * system bundle paths (fsview.c). The forwarder signs a certificate for
 * each bound host the jail connects to and terminates TLS with it.
 *
 * The functions that look at bytes from the jail (secrets_scan(),
 * secrets_rewrite_head(), secrets_scan_stream()) are pure: no I/O, no
 * allocation.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "jail.h"
#include "config/config.h"
#include "fwd/fwd.h"
#include "parse/parse.h"

extern char **environ;

/* ---- parsing the option ------------------------------------------- */

static void parse_hosts(struct secret_req *s, const char *arg,
			const char *list)
{
	autofree char *copy = xstrdup(list);
	char *save = NULL;

	s->n_hosts = 0;
	for (char *h = strtok_r(copy, ",", &save); h;
	     h = strtok_r(NULL, ",", &save)) {
		if (s->n_hosts >= SECRETS_HOSTS_MAX)
			die("--secret \"%s\": at most %d hosts", arg,
			    SECRETS_HOSTS_MAX);
		if (policy_normalize_name(h, strlen(h), s->hosts[s->n_hosts],
					  sizeof(s->hosts[0])) <= 0 ||
		    !strchr(s->hosts[s->n_hosts], '.'))
			die("--secret \"%s\": \"%s\" is not a host name such "
			    "as api.example.com",
			    arg, h);
		s->n_hosts++;
	}
	if (!s->n_hosts)
		die("--secret \"%s\": no host; use NAME@HOST[,HOST...]", arg);
}

/*
 * Where the scope of @arg starts (";methods=" or ";paths=", the first
 * one: a FILE may hold ';' but not these), or its end
 */
static const char *scope_start(const char *arg)
{
	const char *m = strstr(arg, ";methods="), *p = strstr(arg, ";paths=");

	if (m && (!p || m < p))
		return m;
	return p ? p : arg + strlen(arg);
}

void secrets_add(struct jail_config *cfg, const char *full,
		 enum origin origin)
{
	const char *sc_at = scope_start(full), *why;
	autofree char *arg = strndup(full, (size_t)(sc_at - full));
	const char *at = arg ? strchr(arg, '@') : NULL;
	const char *eq = arg ? strchr(arg, '=') : NULL;
	size_t name_len;
	struct secret_req *s = NULL;
	autofree char *name = NULL;
	autofree char *file = NULL;
	struct secret_scope scope;
	const char *hosts;

	if (!arg)
		die("out of memory");
	if (scope_parse(sc_at, &scope, &why) < 0)
		die("--secret \"%s\": %s", full, why);

	if (eq && (!at || eq < at)) {
		/* NAME=@FILE@HOST: FILE may hold '@', HOST never does */
		const char *last = strrchr(arg, '@');

		name_len = (size_t)(eq - arg);
		if (eq[1] != '@' || last <= eq + 1 || last == eq + 2)
			die("--secret \"%s\": use NAME@HOST or "
			    "NAME=@FILE@HOST",
			    arg);
		file = strndup(eq + 2, (size_t)(last - eq - 2));
		if (!file)
			die("out of memory");
		hosts = last + 1;
	} else {
		if (!at)
			die("--secret \"%s\": no host; use NAME@HOST or "
			    "NAME=@FILE@HOST",
			    arg);
		name_len = (size_t)(at - arg);
		hosts = at + 1;
	}
	if (!env_name_valid(arg, name_len))
		die("--secret \"%s\": not a valid variable name", arg);
	name = strndup(arg, name_len);
	if (!name)
		die("out of memory");
	for (size_t i = 0; i < cfg->n_secrets && !s; i++)
		if (!strcmp(cfg->secrets[i].name, name))
			s = &cfg->secrets[i];
	if (!s) {
		if (cfg->n_secrets >= JAIL_MAX_SECRETS)
			die("too many --secret options (at most %d)",
			    JAIL_MAX_SECRETS);
		s = &cfg->secrets[cfg->n_secrets++];
	} else {
		free(s->name);
		free(s->file);
	}
	memset(s, 0, sizeof(*s));
	s->name = TAKE_PTR(name);
	if (file && file[0] == '/')
		s->file = TAKE_PTR(file);
	else if (file && !strncmp(file, "~/", 2))
		s->file = xasprintf("%s/%s", config_host_home(), file + 2);
	else if (file)
		s->file = xasprintf("%s/%s", cfg->cwd, file);
	s->origin = origin;
	s->scope = scope;
	parse_hosts(s, arg, hosts);
}

/* ---- the vault ------------------------------------------------------ */

#define VAULT_SLOT (SECRETS_VALUE_MAX + 1)

/* Return: the vault, JAIL_MAX_SECRETS slots; dies when it cannot be made */
static char *vault_map(void)
{
	size_t len = (size_t)JAIL_MAX_SECRETS * VAULT_SLOT;
	char *v = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (v == MAP_FAILED)
		die_errno("secrets: mmap");
	/* Without WIPEONFORK (Linux < 4.14) the jail would inherit it */
	if (madvise(v, len, MADV_WIPEONFORK) < 0)
		die_errno("secrets: madvise(MADV_WIPEONFORK)");
	(void)madvise(v, len, MADV_DONTDUMP);
	return v;
}

/* The host's NAME=VALUE: wiped in place and taken out of environ */
static void take_from_env(const char *name, char *slot)
{
	size_t len = strlen(name);
	char **w = environ;

	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, name, len) || (*e)[len] != '=') {
			*w++ = *e;
			continue;
		}
		size_t vlen = strlen(*e + len + 1);

		if (vlen > SECRETS_VALUE_MAX)
			die("--secret %s: the value is longer than %d bytes",
			    name, SECRETS_VALUE_MAX);
		memcpy(slot, *e + len + 1, vlen + 1);
		explicit_bzero(*e + len + 1, vlen);
	}
	if (w)
		*w = NULL;
}

static void take_from_file(const struct secret_req *s, char *slot)
{
	autoclose int fd = open(s->file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char buf[SECRETS_VALUE_MAX + 2];
	size_t got = 0, len;
	ssize_t n = 1;

	if (fd < 0)
		die_errno("--secret %s: open \"%s\"", s->name, s->file);
	while (got < sizeof(buf) && n > 0) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n > 0)
			got += (size_t)n;
	}
	if (n < 0) {
		explicit_bzero(buf, sizeof(buf));
		die_errno("--secret %s: read \"%s\"", s->name, s->file);
	}
	len = 0;
	while (len < got && buf[len] != '\n' && buf[len] != '\r')
		len++;
	if (len > SECRETS_VALUE_MAX || memchr(buf, '\0', len)) {
		explicit_bzero(buf, sizeof(buf));
		die("--secret %s: the first line of \"%s\" is not a value of "
		    "at most %d bytes",
		    s->name, s->file, SECRETS_VALUE_MAX);
	}
	memcpy(slot, buf, len);
	slot[len] = '\0';
	explicit_bzero(buf, sizeof(buf));
}

void secrets_prepare(struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;
	uint8_t rnd[4 * SECRETS_PLACEHOLDER_MAX];
	char *vault;

	if (!cfg->n_secrets)
		return;
	vault = vault_map();
	for (size_t i = 0; i < cfg->n_secrets; i++) {
		const struct secret_req *s = &cfg->secrets[i];
		char *slot = vault + i * VAULT_SLOT;
		char *ph = run->secret_placeholder[i];
		int r = -EAGAIN;

		if (s->file)
			take_from_file(s, slot);
		else
			take_from_env(s->name, slot);
		if (!*slot)
			die("--secret %s: %s", s->name,
			    s->file ? "the file's first line is empty" :
				      "not set in the environment");
		/* What comes back is searched for the value (reflect.c):
		 * one this short would be found in answers by chance */
		if (strlen(slot) < SECRETS_VALUE_MIN)
			die("--secret %s: the value is shorter than %d bytes",
			    s->name, SECRETS_VALUE_MIN);
		for (int tries = 0; r == -EAGAIN && tries < 8; tries++) {
			if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
				die_errno("getrandom");
			r = secrets_make_placeholder(slot, strlen(slot), rnd,
						     sizeof(rnd),
						     ph, SECRETS_PLACEHOLDER_MAX + 1);
		}
		if (r < 0)
			die("--secret %s: cannot make a placeholder", s->name);
		run->secret_value[i] = slot;
	}
	/* A variable named by a secret and also set on the host never
	 * reaches the jail with its host value: creds_build_env() sets the
	 * placeholder last */
}

char **secrets_reveal(const struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;
	char **v;

	if (!cfg->n_secrets)
		return NULL;
	v = xcalloc(cfg->n_secrets, sizeof(*v));
	for (size_t i = 0; i < cfg->n_secrets; i++)
		v[i] = xstrdup(run->secret_value[i] ? run->secret_value[i] : "");
	return v;
}

void secrets_forget(char **values, size_t n)
{
	if (!values)
		return;
	for (size_t i = 0; i < n; i++) {
		if (values[i])
			explicit_bzero(values[i], strlen(values[i]));
		free(values[i]);
	}
	free(values);
}

/* ---- placeholders --------------------------------------------------- */

static const char *const known_prefixes[] = {
	"sk-ant-", "sk-proj-", "github_pat_", "ghp_", "sk-",
};

int secrets_make_placeholder(const char *value, size_t value_len,
			     const uint8_t *rnd, size_t rnd_len, char *out,
			     size_t out_len)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t plen = 0, want, n_alpha = 62, limit, w, r = 0;

	if (out_len < SECRETS_PLACEHOLDER_MAX + 1)
		return -E2BIG;
	for (size_t i = 0; i < ARRAY_SIZE(known_prefixes) && !plen; i++) {
		size_t l = strlen(known_prefixes[i]);

		if (value_len > l && !memcmp(value, known_prefixes[i], l))
			plen = l;
	}
	for (size_t i = plen; i < value_len; i++)
		if (value[i] == '-' || value[i] == '_')
			n_alpha = 64;
	want = value_len - plen;
	if (want < SECRETS_RANDOM_MIN)
		want = SECRETS_RANDOM_MIN;
	if (plen + want > SECRETS_PLACEHOLDER_MAX)
		want = SECRETS_PLACEHOLDER_MAX - plen;
	memcpy(out, value, plen);
	/* Rejection sampling: bytes past the last whole alphabet are
	 * skipped, so every character is equally likely */
	limit = 256 - 256 % n_alpha;
	for (w = 0; w < want; r++) {
		if (r >= rnd_len) {
			out[0] = '\0';
			return -EAGAIN;
		}
		if (rnd[r] < limit)
			out[plen + w++] = alpha[rnd[r] % n_alpha];
	}
	out[plen + want] = '\0';
	return (int)(plen + want);
}

/* ---- base64 (RFC 4648, standard alphabet) --------------------------- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(uint8_t c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int base64_decode(const uint8_t *in, size_t len, uint8_t *out,
		      size_t cap)
{
	uint32_t acc = 0;
	size_t bits = 0, w = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		int v;

		if (in[i] == '=') {
			pad++;
			continue;
		}
		v = b64_val(in[i]);
		if (v < 0 || pad)
			return -EBADMSG;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (w >= cap)
				return -E2BIG;
			out[w++] = (uint8_t)(acc >> bits);
		}
	}
	if (pad > 2 || bits >= 6)
		return -EBADMSG;
	return (int)w;
}

int base64_encode(const uint8_t *in, size_t len, uint8_t *out,
		      size_t cap)
{
	size_t w = 0;

	if (cap < 4 * ((len + 2) / 3))
		return -E2BIG;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[w++] = (uint8_t)b64[(v >> 18) & 63];
		out[w++] = (uint8_t)b64[(v >> 12) & 63];
		out[w++] = i + 1 < len ? (uint8_t)b64[(v >> 6) & 63] : '=';
		out[w++] = i + 2 < len ? (uint8_t)b64[v & 63] : '=';
	}
	return (int)w;
}

/* ---- scanning ------------------------------------------------------- */

#define BASIC_MAX 6144	/* decoded bytes of one Basic credential */

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/*
 * Does @hay (already lowercased) hold a placeholder? Only unbound ones
 * (no value) when @unbound_only. Return: index or -ENOENT
 */
static int find_lower(const uint8_t *hay, size_t len,
		      const struct secrets_sub *subs, size_t n,
		      bool unbound_only)
{
	for (size_t i = 0; i < n && i < JAIL_MAX_SECRETS; i++) {
		uint8_t needle[SECRETS_PLACEHOLDER_MAX];
		size_t nl = strlen(subs[i].placeholder);

		if ((unbound_only && subs[i].value) || !nl ||
		    nl > sizeof(needle))
			continue;
		for (size_t k = 0; k < nl; k++)
			needle[k] = lower((uint8_t)subs[i].placeholder[k]);
		/* memmem is linear (two-way): no quadratic worst case */
		if (memmem(hay, len, needle, nl))
			return (int)i;
	}
	return -ENOENT;
}

/* As find_lower() on @buf lowercased, then again without its dots */
static int find_any(const uint8_t *buf, size_t len,
		    const struct secrets_sub *subs, size_t n,
		    bool unbound_only)
{
	uint8_t tmp[HTTP_HEAD_MAX];
	size_t w = 0;
	int r;

	if (len > sizeof(tmp))
		len = sizeof(tmp);	/* callers pass at most a head */
	if (!len)
		return -ENOENT;
	for (size_t i = 0; i < len; i++)
		tmp[i] = lower(buf[i]);
	r = find_lower(tmp, len, subs, n, unbound_only);
	if (r >= 0)
		return r;
	for (size_t i = 0; i < len; i++)
		if (tmp[i] != '.')
			tmp[w++] = tmp[i];
	return w == len ? -ENOENT : find_lower(tmp, w, subs, n, unbound_only);
}

/* @v (@len bytes) is "Basic CRED": decode CRED. Return: length or -errno */
static int basic_decode(const uint8_t *v, size_t len, uint8_t *out,
			size_t cap)
{
	static const char basic[] = "basic ";
	size_t i;

	if (len < sizeof(basic) - 1)
		return -ENOENT;
	for (i = 0; i < sizeof(basic) - 1; i++)
		if (lower(v[i]) != (uint8_t)basic[i])
			return -ENOENT;
	while (i < len && v[i] == ' ')
		i++;
	return base64_decode(v + i, len - i, out, cap);
}

static bool is_auth_header(const uint8_t *name, size_t len)
{
	static const char *const names[] = { "authorization",
					      "proxy-authorization" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (len == strlen(names[i]) &&
		    !strncasecmp((const char *)name, names[i], len))
			return true;
	return false;
}

/* Placeholders inside the Basic credentials of @head's auth headers */
static int find_in_basic(const uint8_t *head, size_t len,
			 const struct secrets_sub *subs, size_t n,
			 bool unbound_only)
{
	static const char *const names[] = { "authorization",
					      "proxy-authorization" };

	for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
		size_t off = 0, vlen = 0, start = 0;

		/* Each match lies further on: at most one per line */
		while (!http_find_header(head, len, names[k], &off, &vlen,
					 start)) {
			uint8_t dec[BASIC_MAX];
			int d = basic_decode(head + off, vlen, dec,
					     sizeof(dec));
			int r = d > 0 ? find_any(dec, (size_t)d, subs, n,
						 unbound_only) :
					-ENOENT;

			if (r >= 0)
				return r;
			start = off + vlen;
		}
	}
	return -ENOENT;
}

int secrets_scan(const uint8_t *buf, size_t len,
		 const struct secrets_sub *subs, size_t n)
{
	int r = find_any(buf, len, subs, n, false);

	if (r >= 0)
		return r;
	return find_in_basic(buf, len, subs, n, false);
}

/* ---- rewriting ------------------------------------------------------ */

struct out_buf {
	uint8_t *p;
	size_t len, cap;
	bool is_full;
};

static void put(struct out_buf *o, const void *b, size_t len)
{
	if (o->is_full || len > o->cap - o->len) {
		o->is_full = true;
		return;
	}
	memcpy(o->p + o->len, b, len);
	o->len += len;
}

static void puts_(struct out_buf *o, const char *s)
{
	put(o, s, strlen(s));
}

/* @in with every bound placeholder replaced by its value */
static void substitute(struct out_buf *o, const uint8_t *in, size_t len,
		       const struct secrets_sub *subs, size_t n,
		       uint32_t *injected)
{
	for (size_t i = 0; i < len;) {
		bool hit = false;

		for (size_t k = 0; k < n && k < JAIL_MAX_SECRETS && !hit;
		     k++) {
			size_t pl = strlen(subs[k].placeholder);

			if (!subs[k].value || !pl || pl > len - i ||
			    memcmp(in + i, subs[k].placeholder, pl))
				continue;
			put(o, subs[k].value, subs[k].value_len);
			*injected |= 1u << k;
			i += pl;
			hit = true;
		}
		if (!hit)
			put(o, in + i++, 1);
	}
}

/* "Basic CRED" with the placeholders in CRED replaced. Return: 0/-errno */
static int substitute_basic(struct out_buf *o, const uint8_t *v, size_t len,
			    const struct secrets_sub *subs, size_t n,
			    uint32_t *injected)
{
	uint8_t dec[BASIC_MAX], sub[BASIC_MAX], enc[4 * BASIC_MAX / 3 + 4];
	struct out_buf so = { sub, 0, sizeof(sub), false };
	int d = basic_decode(v, len, dec, sizeof(dec)), e;

	if (d < 0)
		return d;
	substitute(&so, dec, (size_t)d, subs, n, injected);
	explicit_bzero(dec, sizeof(dec));
	if (so.is_full)
		return -E2BIG;
	e = base64_encode(sub, so.len, enc, sizeof(enc));
	explicit_bzero(sub, sizeof(sub));
	if (e < 0)
		return e;
	puts_(o, "Basic ");
	put(o, enc, (size_t)e);
	explicit_bzero(enc, sizeof(enc));
	return 0;
}

static bool is_dropped_header(const uint8_t *name, size_t len)
{
	static const char *const names[] = { "connection", "keep-alive",
					      "proxy-connection", "upgrade",
					      "te", "host" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (len == strlen(names[i]) &&
		    !strncasecmp((const char *)name, names[i], len))
			return true;
	return false;
}

/* Does the list in header @name of @head hold @tok (case-insensitive)? */
static bool header_has_token(const uint8_t *head, size_t len,
			     const char *name, const char *tok)
{
	struct http_tokens t;

	http_header_tokens(head, len, name, tok, &t);
	return t.is_any;
}

bool secrets_is_websocket(const uint8_t *head, size_t head_len)
{
	return header_has_token(head, head_len, "Upgrade", "websocket") &&
	       header_has_token(head, head_len, "Connection", "upgrade");
}

/* Is any secret bound to this request's host? */
static bool has_bound(const struct secrets_sub *subs, size_t n)
{
	for (size_t i = 0; i < n && i < JAIL_MAX_SECRETS; i++)
		if (subs[i].value)
			return true;
	return false;
}

static bool is_named(const uint8_t *name, size_t len, const char *want)
{
	return len == strlen(want) &&
	       !strncasecmp((const char *)name, want, len);
}

/*
 * One header line "NAME: VALUE" (no line end). To a host a secret is
 * bound to, Accept-Encoding goes (rewrite_head() asks for identity) and
 * so do WebSocket extensions (permessage-deflate): compressed answers or
 * frames would hide a reflected value from reflect.c. A WebSocket
 * upgrade keeps its Upgrade header (@is_ws). Return: 0 or -errno
 */
static int rewrite_header(struct out_buf *o, const uint8_t *line,
			  size_t len, const struct secrets_sub *subs,
			  size_t n, uint32_t *injected, bool is_ws)
{
	const uint8_t *colon = memchr(line, ':', len);
	size_t name_len, vs, ve;

	if (!colon || colon == line)
		return -EBADMSG;
	name_len = (size_t)(colon - line);
	if (is_dropped_header(line, name_len) &&
	    !(is_ws && is_named(line, name_len, "upgrade")))
		return 0;
	if ((is_named(line, name_len, "accept-encoding") ||
	     is_named(line, name_len, "sec-websocket-extensions")) &&
	    has_bound(subs, n))
		return 0;
	vs = name_len + 1;
	ve = len;
	while (vs < ve && (line[vs] == ' ' || line[vs] == '\t'))
		vs++;
	while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t'))
		ve--;
	put(o, line, name_len);
	puts_(o, ": ");
	if (is_auth_header(line, name_len) &&
	    substitute_basic(o, line + vs, ve - vs, subs, n, injected) == 0)
		return 0;
	substitute(o, line + vs, ve - vs, subs, n, injected);
	return 0;
}

/* secrets_rewrite_head(); @is_keep_alive: no "Connection: close" */
static int rewrite_head(const uint8_t *head, size_t head_len,
			const char *host, const struct secrets_sub *subs,
			size_t n, uint8_t *out, size_t out_len,
			uint32_t *injected, int *leaked, bool is_keep_alive)
{
	struct out_buf o = { out, 0, out_len, false };
	size_t pos = 0;
	bool is_first = true, is_end = false;
	/* A WebSocket upgrade to a bound host is carried (its answer is
	 * searched like any other); any other Upgrade is dropped */
	bool is_ws = has_bound(subs, n) && secrets_is_websocket(head, head_len);
	int r;

	*injected = 0;
	*leaked = find_any(head, head_len, subs, n, true);
	if (*leaked < 0)
		*leaked = find_in_basic(head, head_len, subs, n, true);
	if (*leaked >= 0)
		return -EACCES;
	*leaked = -1;
	while (pos < head_len && !is_end) {
		const uint8_t *nl = memchr(head + pos, '\n', head_len - pos);
		size_t eol, end;

		if (!nl)
			return -EBADMSG;
		eol = (size_t)(nl - head);
		end = eol > pos && head[eol - 1] == '\r' ? eol - 1 : eol;
		if (end == pos) {
			is_end = true;
		} else if (is_first) {
			put(&o, head + pos, end - pos);
			puts_(&o, "\r\nHost: ");
			puts_(&o, host);
			puts_(&o, "\r\n");
			if (has_bound(subs, n))
				puts_(&o, "Accept-Encoding: identity\r\n");
		} else {
			r = rewrite_header(&o, head + pos, end - pos, subs, n,
					   injected, is_ws);
			if (r < 0)
				return r;
			if (!o.is_full && o.len > 0 &&
			    o.p[o.len - 1] != '\n')
				puts_(&o, "\r\n");
		}
		is_first = false;
		pos = eol + 1;
	}
	if (!is_end)
		return -EBADMSG;
	puts_(&o, is_ws ? "Connection: Upgrade\r\n\r\n" :
		  is_keep_alive ? "\r\n" : "Connection: close\r\n\r\n");
	return o.is_full ? -E2BIG : (int)o.len;
}

int secrets_rewrite_head(const uint8_t *head, size_t head_len,
			 const char *host, const struct secrets_sub *subs,
			 size_t n, uint8_t *out, size_t out_len,
			 uint32_t *injected, int *leaked)
{
	return rewrite_head(head, head_len, host, subs, n, out, out_len,
			    injected, leaked, false);
}

int secrets_rewrite_request(const uint8_t *head, size_t head_len,
			    const char *host, const struct secrets_sub *subs,
			    size_t n, uint8_t *out, size_t out_len,
			    uint32_t *injected, int *leaked)
{
	return rewrite_head(head, head_len, host, subs, n, out, out_len,
			    injected, leaked, true);
}

/* ---- request bodies ------------------------------------------------- */

int secrets_scan_stream(struct secrets_stream *st, const uint8_t *buf,
			size_t len, const struct secrets_sub *subs, size_t n)
{
	/* The seam: the last bytes before @buf and the first of @buf */
	uint8_t seam[2 * SECRETS_PLACEHOLDER_MAX];
	size_t head = len < SECRETS_PLACEHOLDER_MAX - 1 ?
			      len :
			      SECRETS_PLACEHOLDER_MAX - 1;
	size_t keep;

	if (st->tail_len > sizeof(st->tail))
		return -EINVAL;
	memcpy(seam, st->tail, st->tail_len);
	memcpy(seam + st->tail_len, buf, head);
	for (size_t i = 0; i < n && i < JAIL_MAX_SECRETS; i++) {
		size_t pl = strlen(subs[i].placeholder);

		if (subs[i].value || !pl || pl > SECRETS_PLACEHOLDER_MAX)
			continue;
		/* memmem is linear (two-way): no quadratic worst case */
		if (memmem(seam, st->tail_len + head, subs[i].placeholder,
			   pl) ||
		    memmem(buf, len, subs[i].placeholder, pl))
			return (int)i;
	}
	/* Keep what a placeholder cut by the next boundary could start in */
	keep = SECRETS_PLACEHOLDER_MAX - 1;
	if (len >= keep) {
		memcpy(st->tail, buf + len - keep, keep);
		st->tail_len = keep;
	} else {
		size_t old = st->tail_len + len > keep ?
				     keep - len :
				     st->tail_len;

		memmove(st->tail, st->tail + st->tail_len - old, old);
		memcpy(st->tail + old, buf, len);
		st->tail_len = old + len;
	}
	return -ENOENT;
}

const char *secrets_broker_host(const struct jail_config *cfg,
				const char *name)
{
	size_t len = strlen(name), sl = strlen(SECRETS_BROKER_SUFFIX);

	if (len <= sl || strcasecmp(name + len - sl, SECRETS_BROKER_SUFFIX))
		return NULL;
	for (size_t i = 0; i < cfg->n_secrets; i++)
		for (size_t k = 0; k < cfg->secrets[i].n_hosts; k++) {
			const char *h = cfg->secrets[i].hosts[k];

			if (strlen(h) == len - sl &&
			    !strncasecmp(h, name, len - sl))
				return h;
		}
	return NULL;
}

/* ---- the per-jail CA ------------------------------------------------ */

/* Where distributions keep the system's CA bundle (PEM) */
const char *const secrets_bundle_paths[SECRETS_N_BUNDLE_PATHS] = {
	"/etc/ssl/certs/ca-certificates.crt",	/* Debian, Ubuntu, Arch */
	"/etc/pki/tls/certs/ca-bundle.crt",	/* Fedora, RHEL */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7+ */
	"/etc/ssl/ca-bundle.pem",		/* openSUSE */
	"/etc/ssl/cert.pem",			/* Alpine */
	"/etc/pki/tls/cacert.pem",		/* OpenELEC */
};

const char *secrets_bundle_path(void)
{
	struct stat st;

	for (size_t i = 0; i < SECRETS_N_BUNDLE_PATHS; i++)
		if (stat(secrets_bundle_paths[i], &st) == 0 &&
		    S_ISREG(st.st_mode))
			return secrets_bundle_paths[i];
	return NULL;
}

/* Copy the host's bundle at @path to @fd. Return: 0 or -errno */
static int copy_bundle(const char *path, int fd)
{
	autoclose int in = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (write_all(fd, buf, (size_t)n) < 0)
			return -EIO;
	}
	return 0;
}

struct crypto_ca *secrets_make_ca(const struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;
	const char *names[JAIL_MAX_SECRETS * SECRETS_HOSTS_MAX +
			  JAIL_MAX_HOLD_PUSH];
	const char *opt = cfg->n_secrets ? "--secret" : "--hold-push";
	struct crypto_ca *ca = NULL;
	autofree char *pem = NULL;
	size_t n = 0;
	int err;

	for (size_t i = 0; i < cfg->n_secrets; i++)
		for (size_t k = 0; k < cfg->secrets[i].n_hosts; k++)
			names[n++] = cfg->secrets[i].hosts[k];
	/* The CA may sign for the intercepted names only */
	for (size_t i = 0; i < cfg->n_hold_push; i++) {
		bool is_dup = false;

		for (size_t k = 0; k < n; k++)
			is_dup |= !strcmp(names[k], cfg->hold_push[i]);
		if (!is_dup)
			names[n++] = cfg->hold_push[i];
	}
	err = crypto_ca_new(names, n, "jail CA for this run only", &ca, &pem);
	if (err == -ENOENT)
		die("%s: libssl/libcrypto (OpenSSL 3) not found; they are "
		    "needed to intercept TLS to the %s hosts",
		    opt, cfg->n_secrets ? "bound" : "held");
	if (err < 0)
		die("%s: cannot make the jail's CA", opt);
	err = copy_bundle(run->ca_bundle_path, run->ca_bundle_fd);
	if (err < 0) {
		errno = -err;
		die_errno("%s: read the CA bundle \"%s\"", opt,
			  run->ca_bundle_path);
	}
	/* A bundle whose last line lacks its newline still ends here */
	if (write_all(run->ca_bundle_fd, "\n", 1) < 0 ||
	    write_all(run->ca_bundle_fd, pem, strlen(pem)) < 0)
		die_errno("%s: write the CA bundle", opt);
	return ca;
}
