/* SPDX-License-Identifier: MIT */
/*
 * parse.h - the pure parsers: bytes from inside the jail or from files it
 * could write, in; a struct, out
 *
 * Theory of operation: everything here is a function of its arguments.
 * No I/O, no globals, no allocation, never die(): bytes in, a struct out,
 * a negative errno back (-EINVAL, -EBADMSG, -E2BIG). Input is read
 * through the bounded cursor (struct cursor) or explicit lengths, and
 * every loop has a stated bound. That is what lets the unit tests
 * (tests/unit/) and the libFuzzer harnesses (tests/fuzz/) link these
 * files directly, and what lets the forwarder and the supervisor call
 * them on hostile input. One file per wire format:
 *   tls.c       TLS ClientHello and its SNI
 *   http.c      HTTP/1 request heads, body framing (Content-Length,
 *               chunked)
 *   dns.c       DNS queries and the answers built for them
 *   push.c      git smart-HTTP receive-pack command lists (--hold-push)
 *   policy.c    the network policy's grammar and its matching
 *   diff.c      unified diffs (--review)
 *   auditlog.c  one audit log line read back (jail log)
 *   reqcheck.c  every HTTP/1 request head judged
 * The parsers of what a jail prints or leaves behind for the host (the
 * terminal filter, git's files, exec arguments, audit lines) are declared
 * in parse/text.h, which this header includes.
 *   execargs.c  an execve() caller's path and argv, as the exec event's
 *               bounded text
 *   gitreader.c git's configuration format, entry by entry (the identity
 *               a jail carries)
 */
#ifndef PARSE_H
#define PARSE_H

#include "jail.h"

/* ---------------------------------------------------------------------
 * diff.c: git-style unified diffs (--review)
 * ------------------------------------------------------------------- */

#define DIFF_CONTEXT 3			/* lines of context around a change */
#define DIFF_MAX_LINES 500000		/* lines per side diffed line by line */
#define DIFF_MAX_COST 50000000ULL	/* Myers steps per file pair */

/* One side of a file: absent, or @len bytes with a git mode */
struct diff_blob {
	bool is_present;
	bool is_too_large;	/* not read (shown as a binary file) */
	unsigned int mode;	/* 0100644, 0100755 or 0120000 */
	const uint8_t *data;	/* a symlink's target for 0120000 */
	size_t len;
};

/* What diff_entry() found */
struct diff_stat {
	size_t insertions;
	size_t deletions;
	bool is_binary;		/* "Binary files ... differ": no hunks */
	bool is_too_large;	/* more than DIFF_MAX_LINES lines */
	bool is_coarse;		/* the cost bound cut the search short */
};

/* Where diff_entry() writes; @write returns 0 or a negative errno */
struct diff_sink {
	int (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

/* Lines in @p as a diff counts them (a last line without "\n" counts) */
size_t diff_count_lines(const uint8_t *p, size_t len);

/* git's rule: a NUL in the first 8000 bytes makes a file binary */
bool diff_is_binary(const uint8_t *p, size_t len);

/* Bytes of work area diff_entry() needs for @na and @nb lines, 0 when
 * either is over DIFF_MAX_LINES */
size_t diff_work_size(size_t na, size_t nb);

/**
 * diff_entry() - One file's entry of a git-style patch
 * @path:	path relative to the project, at most 4096 bytes; quoted as
 *		git quotes names (C escapes in double quotes) when it holds
 *		a control character, '"', '\\' or a byte >= 0x7f
 * @old:	the project's side (absent: a new file)
 * @new:	the changed side (absent: a deleted file); both untrusted
 * @work:	work area of diff_work_size(lines of @old, lines of @new)
 *		bytes, suitably aligned (malloc'ed)
 * @work_len:	its size
 * @sink:	receives the text
 * @st:		insertions, deletions, and whether the entry is binary
 *
 * Pure. Writes "diff --git a/P b/P", then "new file mode M", "deleted
 * file mode M" or "old mode M"/"new mode M", then "--- a/P", "+++ b/P"
 * ("/dev/null" for an absent side) and the hunks: DIFF_CONTEXT lines of
 * context, changes closer than twice that merged, "\\ No newline at end
 * of file" after a last line without one. A side with a NUL in its first
 * 8000 bytes, marked too large, or over DIFF_MAX_LINES lines gives
 * "Binary files a/P and b/P differ" instead of hunks. Identical sides
 * write nothing. Time is bounded by DIFF_MAX_COST comparisons: past it
 * the rest of the file is diffed coarsely (still a correct patch).
 *
 * Return: 0; -EINVAL (both absent, bad path), -ENOMEM (@work_len too
 * small) or the sink's error
 */
int diff_entry(const char *path, const struct diff_blob *old,
	       const struct diff_blob *new, void *work, size_t work_len,
	       const struct diff_sink *sink, struct diff_stat *st);

/* "N files changed, N insertions(+), N deletions(-)" exactly as git
 * prints it. Return: length, or -E2BIG */
int diff_stat_line(size_t files, size_t ins, size_t del, char *out,
		   size_t out_len);


/* ---------------------------------------------------------------------
 * policy.c: network policy grammar and matching
 * ------------------------------------------------------------------- */

/* Longest host name in text form, without the trailing dot */
#define POLICY_NAME_MAX 253

enum policy_verdict {
	POLICY_ALLOW,
	POLICY_DENY_NOT_ALLOWED,	/* no allow rule names the host */
	POLICY_DENY_DENIED,		/* a deny rule names host and port */
	POLICY_DENY_PORT,		/* allowed, but on other ports only */
};

/**
 * policy_parse_rule() - Parse one --allow/--deny value
 * @spec:	PATTERN[:PORTS], NUL-terminated; untrusted (option or policy
 *		file, possibly written by the jailed command)
 * @r:		result; every field is reset (@r->origin to ORIGIN_DEFAULT,
 *		the caller sets it afterwards)
 *
 * PATTERN is a host name ("github.com": lowercased, one trailing dot
 * stripped, LDH or '_' labels of 1..63 bytes not starting or ending with
 * '-', at most 253 bytes, last label not starting with a digit), a suffix
 * pattern ("*.npmjs.org": subdomains only), an IPv4 literal or CIDR
 * ("10.0.0.0/8"), or an IPv6 literal or CIDR, bare ("2001:db8::/32", then
 * without ports) or in brackets ("[2001:db8::1]:443"). Host bits of a CIDR
 * are cleared; an IPv6 rule inside ::ffff:0:0/96 becomes an IPv4 rule.
 * PORTS is a comma list of at most 8 numbers or ranges ("80,443",
 * "1-65535"), each 1..65535 with lo <= hi; none means 80,443
 * (@r->n_ports == 0). @spec is at most 511 bytes.
 *
 * Return: 0; -EINVAL (syntax), -ERANGE (port or prefix out of range) or
 * -E2BIG (more than 8 port items, @spec too long); @r is zeroed on error
 */
int policy_parse_rule(const char *spec, struct net_rule *r);

/**
 * policy_format_rule() - Format a rule as policy_parse_rule() reads it
 * @r:		a rule from policy_parse_rule()
 * @out:	buffer, NUL-terminated on success
 * @out_len:	size of @out
 *
 * Return: length written, or -E2BIG
 */
int policy_format_rule(const struct net_rule *r, char *out, size_t out_len);

/* Is @port one of @r's ports (80 or 443 when it names none)? */
bool policy_rule_has_port(const struct net_rule *r, uint16_t port);

/**
 * policy_rule_matches_name() - Does @r allow/deny @name on @port?
 * @r:		a rule from policy_parse_rule()
 * @name:	host name, NUL-terminated; untrusted (SNI, Host, DNS), matched
 *		case-insensitively without a trailing dot; an invalid name
 *		matches nothing
 * @port:	destination port
 *
 * An IP rule matches @name only when @name is an IP literal in the rule's
 * network.
 */
bool policy_rule_matches_name(const struct net_rule *r, const char *name,
			      uint16_t port);

/**
 * policy_rule_matches_addr() - Does the IP rule @r cover @addr:@port?
 * @r:		a rule from policy_parse_rule(); name rules match no address
 * @family:	AF_INET (@addr holds 4 bytes) or AF_INET6 (16 bytes); an
 *		IPv4-mapped IPv6 address matches IPv4 rules
 * @addr:	address in network byte order
 * @port:	destination port
 */
bool policy_rule_matches_addr(const struct net_rule *r, int family,
			      const uint8_t *addr, uint16_t port);

/**
 * policy_check_name() - Decide a connection to @name:@port
 * @allow:	allow rules, @n_allow of them
 * @n_allow:	number of @allow rules
 * @deny:	deny rules, @n_deny of them; a deny rule without ports denies
 *		every port
 * @n_deny:	number of @deny rules
 * @name:	host name; untrusted, see policy_rule_matches_name()
 * @port:	destination port
 *
 * Deny wins over any allow.
 *
 * Return: POLICY_ALLOW, POLICY_DENY_DENIED, POLICY_DENY_PORT (an allow
 * rule names the host for other ports only) or POLICY_DENY_NOT_ALLOWED
 */
enum policy_verdict policy_check_name(const struct net_rule *allow,
				      size_t n_allow,
				      const struct net_rule *deny,
				      size_t n_deny, const char *name,
				      uint16_t port);

/* As policy_check_name() for an address; only IP rules take part */
/*
 * policy_check_quiet() - Is @name:@port one of @n @quiet rules (a
 * profile's background host, denied under --ask without a question)?
 */
bool policy_check_quiet(const struct net_rule *quiet, size_t n,
			const char *name, uint16_t port);

enum policy_verdict policy_check_addr(const struct net_rule *allow,
				      size_t n_allow,
				      const struct net_rule *deny,
				      size_t n_deny, int family,
				      const uint8_t *addr, uint16_t port);

/* "not allowed", "denied by rule", "port not allowed" (or "allowed") */
const char *policy_verdict_reason(enum policy_verdict v);

/**
 * policy_normalize_name() - Validate and lowercase a host name
 * @in:		name bytes, not necessarily NUL-terminated; untrusted
 * @len:	length of @in
 * @out:	result, NUL-terminated; may be @in
 * @out_len:	size of @out
 *
 * Strips one trailing dot. Labels are 1..63 letters, digits, '-' or '_';
 * no empty labels; at most POLICY_NAME_MAX bytes.
 *
 * Return: length of @out, -EINVAL (not a host name) or -E2BIG (@out too
 * small)
 */
int policy_normalize_name(const char *in, size_t len, char *out,
			  size_t out_len);

/**
 * policy_is_wire_name() - May a name from the jail name a destination?
 * @name:	a normalised name (policy_normalize_name()) from a ClientHello,
 *		a Host header or a DNS query; untrusted
 * @is_addr_ok:	an IP literal in its usual form passes too
 *
 * The grammar of --allow names: no label starts or ends with '-', and
 * the last label does not start with a digit, so that no form of an
 * address ("3405803842", "0xcb007142", "0313.0.0161.0102",
 * "203.0.113.066") passes for a name to ask about or resolve.
 *
 * Return: true when @name is such a host name (or, with @is_addr_ok, an
 * IPv4 or IPv6 literal as inet_pton() reads it)
 */
bool policy_is_wire_name(const char *name, bool is_addr_ok);

/**
 * policy_addr_is_special() - Is @addr a destination refused by default?
 * @family:	AF_INET (4 bytes at @addr) or AF_INET6 (16 bytes); any other
 *		family counts as special
 * @addr:	address in network byte order
 *
 * Special: loopback, unspecified, 0/8, RFC 1918, CGNAT 100.64/10,
 * link-local (169.254/16 with the cloud metadata address, fe80::/10),
 * 192.0.0/24, benchmarking 198.18/15, multicast, reserved 240/4 and
 * broadcast, IPv6 ULA fc00::/7 (with fd00:ec2::254), site-local fec0::/10,
 * NAT64 local-use 64:ff9b:1::/48, and the IPv4-mapped, IPv4-compatible,
 * NAT64 64:ff9b::/96, 6to4 2002::/16 and Teredo forms of a special IPv4
 * address. TEST-NET-2/3 (198.51.100/24, 203.0.113/24) are not special.
 */
bool policy_addr_is_special(int family, const uint8_t *addr);

/**
 * policy_parse_line() - Split one policy-file line into key and value
 * @line:	the line, with or without its "\n" or "\r\n"; untrusted (a
 *		project file may come from the jailed command)
 * @len:	length of @line
 * @key:	result: [a-z0-9-]+, NUL-terminated ("" for blank/comment)
 * @key_len:	size of @key
 * @val:	result: the value, NUL-terminated ("" for a bare flag)
 * @val_len:	size of @val
 *
 * Accepts "key value", "key=value" and a bare "key". The value is the rest
 * of the line with surrounding blanks trimmed, up to a '#' that follows a
 * blank, or a double-quoted string with \" and \\ escapes, optionally
 * followed by blanks and a comment. NUL and control characters other than
 * tab are refused anywhere in the line.
 *
 * Return: 1 (key found), 0 (blank or comment line), -EINVAL (syntax) or
 * -E2BIG (key or value does not fit)
 */
int policy_parse_line(const char *line, size_t len, char *key,
		      size_t key_len, char *val, size_t val_len);

/**
 * policy_parse_size() - Parse "1048576", "64k", "512M", "2G", "1T"
 * @s:		text, NUL-terminated; untrusted
 * @out:	bytes; suffixes k, M, G, T (either case) are powers of 1024
 *
 * Return: 0, -EINVAL (syntax) or -ERANGE (does not fit 64 bits)
 */
int policy_parse_size(const char *s, unsigned long long *out);

/**
 * policy_parse_publish() - Parse a --publish value, "[HOSTPORT:]PORT"
 * @s:		text, NUL-terminated; untrusted (a project's .jail.conf)
 * @host_port:	HOSTPORT, or PORT when there is none
 * @port:	PORT
 *
 * Pure. Each port is a decimal number from 1 to 65535 (parse_uint():
 * no sign, no space, no junk); HOSTPORT has at most 7 characters.
 *
 * Return: 0 or -EINVAL
 */
int policy_parse_publish(const char *s, uint16_t *host_port, uint16_t *port);


/* ---------------------------------------------------------------------
 * tls.c, http.c, dns.c: wire formats from inside the jail
 * ------------------------------------------------------------------- */

/* Largest ClientHello message accepted, 4-byte handshake header included */
#define TLS_HELLO_MAX 16384

struct tls_client_hello {
	char sni[POLICY_NAME_MAX + 1];	/* normalised host_name, or "" */
	size_t sni_len;
	bool has_ech;		/* encrypted_client_hello (0xfe0d) or ESNI */
	uint16_t version;	/* legacy_version */
	size_t records_len;	/* bytes of input up to the hello's end */
};

/**
 * tls_client_hello_info() - Parse the ClientHello a client sends first
 * @buf:	the first bytes of a connection from the jail; untrusted
 * @len:	bytes available so far
 * @ch:		result, zeroed unless the hello parsed
 *
 * Reassembles a ClientHello fragmented over consecutive handshake records
 * (each 1..16384 bytes, version 3.x) of at most TLS_HELLO_MAX bytes, then
 * checks every length in it. Refused: a first byte other than 0x16 or a
 * second other than 3, other record types before the hello's end, a
 * handshake message other than ClientHello, more than one host_name, an
 * empty or invalid one (see policy_normalize_name()), any extension type
 * present twice, more than 128 extensions, trailing bytes after the
 * extensions.
 *
 * Return: length of @ch->sni (> 0), 0 for a complete ClientHello without
 * server name, -EAGAIN (need more bytes) or -EBADMSG (not a TLS
 * ClientHello, or malformed)
 */
int tls_client_hello_info(const uint8_t *buf, size_t len,
			  struct tls_client_hello *ch);

/**
 * tls_parse_sni() - The server name of a ClientHello
 * @buf:	the first bytes of a connection; untrusted
 * @len:	bytes available so far
 * @name:	result, NUL-terminated, lowercase, no trailing dot
 * @name_len:	size of @name
 *
 * As tls_client_hello_info(); use it to learn whether the hello asks for
 * encrypted_client_hello.
 *
 * Return: name length (> 0), 0 (complete hello without server name),
 * -EAGAIN, -EBADMSG or -E2BIG (@name too small)
 */
int tls_parse_sni(const uint8_t *buf, size_t len, char *name,
		  size_t name_len);

#define HTTP_HEAD_MAX 16384	/* request line and headers, CRLFCRLF included */
#define HTTP_MAX_HEADERS 100

struct http_head {
	char method[16];
	char target[2048];
	char host[256];		/* normalised; IPv6 literals without brackets */
	uint16_t host_port;	/* 0: none given */
	size_t head_len;	/* bytes up to and including the blank line */
	unsigned int version_minor;	/* HTTP/1.0 or HTTP/1.1 */
	bool has_host;
};

/**
 * http_parse_head() - Parse an HTTP/1.x request head
 * @buf:	the first bytes of a connection from the jail; untrusted
 * @len:	bytes available so far
 * @h:		result, zeroed unless the head parsed
 *
 * Request line "METHOD SP TARGET SP HTTP/1.0|1.1" (method a token of at
 * most 15 bytes, target 1..2047 visible ASCII bytes), header lines until
 * an empty line, each ending in CRLF or a bare LF. At most HTTP_HEAD_MAX
 * bytes and HTTP_MAX_HEADERS headers. Refused: obs-fold, a bare CR, NUL
 * or other control bytes, whitespace before a colon, a second or empty
 * Host header, a Host that is not host[:port] (host a name, an IPv4
 * literal or a bracketed IPv6 literal), and an absolute-form target
 * ("http://host/") naming another host or port than Host (without Host,
 * the target's authority fills @h->host).
 *
 * Return: 0; -EAGAIN (the blank line has not arrived), -EBADMSG (not
 * HTTP/1, or malformed; a non-token first word fails at once) or -E2BIG
 * (head, target or header count over the limits)
 */
int http_parse_head(const uint8_t *buf, size_t len, struct http_head *h);

/**
 * http_find_header() - Find the next header named @name
 * @head:	a head accepted by http_parse_head(); untrusted bytes all
 *		the same, every read stays within @head_len
 * @head_len:	its length (&struct http_head.head_len)
 * @name:	header name, matched case-insensitively
 * @val_off:	result: offset of the value in @head, OWS trimmed
 * @val_len:	result: length of the value
 * @start:	0 for the first match, else the previous @val_off + @val_len
 *
 * Return: 0, -ENOENT (no further match), -EBADMSG (malformed header line)
 * or -EINVAL (@start beyond @head_len)
 */
int http_find_header(const uint8_t *head, size_t head_len, const char *name,
		     size_t *val_off, size_t *val_len, size_t start);

/* What the members of a header's comma-separated list are, for one token */
struct http_tokens {
	bool is_any;	/* a member equals the token */
	bool is_last;	/* the last non-empty member equals it */
	bool is_other;	/* a non-empty member differs from it */
};

/**
 * http_header_tokens() - Compare every member of the lists in the @name
 * headers of @head (OWS trimmed, empty members skipped) with @tok,
 * case-insensitively. Pure; reads stay within @head_len.
 * @out:	filled; all false when there is no such header
 */
void http_header_tokens(const uint8_t *head, size_t head_len,
			const char *name, const char *tok,
			struct http_tokens *out);

/* How a request's body ends (http_request_framing()) */
struct http_framing {
	bool is_chunked;	/* Transfer-Encoding: chunked */
	uint64_t length;	/* else Content-Length, 0 when none */
};

/**
 * http_request_framing() - Where the body of a request ends
 * @head:	a head that http_parse_head() accepted; untrusted
 * @head_len:	its length
 * @h:		its parse
 * @fr:		result
 *
 * RFC 9112 6: Transfer-Encoding "chunked" (alone, once, HTTP/1.1 only),
 * else one Content-Length of at most 18 digits, else no body. Refused:
 * Content-Length twice (even with equal values) or as a list, both
 * headers at once (request smuggling), any other transfer coding.
 *
 * Return: 0, -EBADMSG or -ENOTSUP (a transfer coding other than chunked)
 */
int http_request_framing(const uint8_t *head, size_t head_len,
			 const struct http_head *h, struct http_framing *fr);

#define HTTP_CHUNK_DIGITS 15	/* hex digits of a chunk size: < 2^60 */
#define HTTP_CHUNK_LINE_MAX 4096	/* a size line with its extensions */

/* State of a chunked body being followed; zero it to start */
struct http_chunked {
	unsigned int state;
	uint64_t left;		/* bytes of the current chunk (or its size) */
	size_t line_len;
	size_t n_trailers;
};

/**
 * http_chunked_feed() - Follow the chunked framing of a request body
 * @st:		state, zeroed at the start of the body
 * @buf:	the next bytes of the body; untrusted
 * @len:	how many
 * @data_len:	set to the return value when the bytes taken are chunk
 *		data, else to 0 (they were framing)
 *
 * Takes a prefix of @buf that is either all framing or all data, so that
 * a caller can look at the data alone; call again with the rest. Strict:
 * CRLF only (no bare LF), 1..15 hex digits, extensions of printable bytes
 * within 4096 bytes a line, trailer fields as header fields (at most
 * HTTP_MAX_HEADERS lines of at most HTTP_HEAD_MAX bytes), CRLF after
 * every chunk's data. Bytes after the body's end are not taken.
 *
 * Return: bytes taken (0 only when @len is 0 or the body has ended), or
 * -EBADMSG
 */
int http_chunked_feed(struct http_chunked *st, const uint8_t *buf,
		      size_t len, size_t *data_len);

/* Has @st seen the body's last byte? */
bool http_chunked_done(const struct http_chunked *st);

/* Is @st within a chunk's data (the next bytes fed are data)? */
bool http_chunked_in_data(const struct http_chunked *st);

/* Is @st past the last chunk, in the trailer fields or the final CRLF? */
bool http_chunked_in_trailer(const struct http_chunked *st);


/* ---------------------------------------------------------------------
 * push.c: git smart-HTTP pushes (--hold-push): the receive-pack command
 * list, the ask's detail, the refusal git shows
 * ------------------------------------------------------------------- */

#define PUSH_LIST_MAX 65536	/* bytes of a command list held at most */
#define PUSH_CMDS_MAX 1024	/* commands in it (each is >= 87 bytes) */
#define PUSH_REPORT_MAX (1 << 17)	/* a refusal's report */

/* One "OLD NEW REFNAME" command */
struct push_cmd {
	size_t ref_off;		/* REFNAME in the parsed bytes */
	size_t ref_len;
	bool is_create;		/* OLD is all zeros */
	bool is_delete;		/* NEW is all zeros */
};

struct push_cmds {
	struct push_cmd cmds[PUSH_CMDS_MAX];
	size_t n_cmds;
	size_t end;		/* bytes up to and including the flush */
	bool has_report_status;	/* report-status or report-status-v2 */
	size_t sideband_max;	/* side-band(-64k) packet size, or 0 */
	bool is_signed;		/* the commands came in a push-cert block */
};

/**
 * push_parse_commands() - The command list of a receive-pack request
 * @buf:	the request body's first bytes (chunked framing and any
 *		content coding already removed); untrusted
 * @len:	bytes available so far
 * @out:	result; REFNAMEs stay in @buf (@out->cmds[i].ref_off)
 *
 * Pure. pkt-lines of 5..65520 bytes (4 hex digits of length each) up to
 * the first flush (0000): "shallow SHA" lines (skipped), commands "OLD
 * NEW REFNAME" (object names of 40 or 64 hex digits, REFNAME without
 * control bytes or spaces), capabilities after a NUL, and a push-cert
 * block whose commands (between the empty line that ends its header and
 * the signature) count too. Anything else is refused, as receive-pack
 * refuses it. At most PUSH_CMDS_MAX commands in PUSH_LIST_MAX bytes.
 *
 * Return: 0 (the list is complete; it may be empty), -EAGAIN (more bytes
 * needed), -EBADMSG or -E2BIG
 */
int push_parse_commands(const uint8_t *buf, size_t len,
			struct push_cmds *out);

/**
 * push_is_receive_pack() - Is @h a push, "POST REPO/git-receive-pack"?
 * @h:		a parsed request head; untrusted
 * @repo:	set to REPO, the repository's path ("/" when empty)
 * @repo_len:	its size
 *
 * Return: true for a push (the query string, if any, is ignored)
 */
bool push_is_receive_pack(const struct http_head *h, char *repo,
			  size_t repo_len);

/* "REPO: REF, REF (new), REF (delete) and N more" in @out (at least 64
 * bytes), cut to fit: a REPO longer than half of it is cut ("..."), refs
 * that do not fit are counted */
void push_detail(const char *repo, const uint8_t *buf,
		 const struct push_cmds *c, char *out, size_t out_len);

/**
 * push_refusal() - A receive-pack result refusing every ref of a push
 * @buf:	the bytes @c was parsed from
 * @c:		the parsed command list
 * @why:	the reason git shows ("ng REF WHY" and, with side-band,
 *		"remote: jail: WHY"); printable, no LF
 * @out:	result: the response body
 * @out_len:	its size
 *
 * Return: the body's length, -ENOTSUP (the client asked for no
 * report-status: it would show nothing) or -E2BIG
 */
int push_refusal(const uint8_t *buf, const struct push_cmds *c,
		 const char *why, uint8_t *out, size_t out_len);

#define DNS_TYPE_A 1
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_SVCB 64
#define DNS_TYPE_HTTPS 65
#define DNS_TYPE_ANY 255
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5
/* A question on the wire: a name of at most 255 bytes, type, class */
#define DNS_QUESTION_MAX (255 + 4)

struct dns_query {
	uint16_t id;
	uint16_t flags;		/* RD and CD are echoed in the reply */
	uint16_t qtype;
	uint16_t qclass;
	char name[256];		/* lowercase, no trailing dot; root is "" */
	size_t question_end;	/* offset of the byte after the question */
	uint8_t qwire[DNS_QUESTION_MAX];	/* question, uncompressed, case
						 * kept; echoed in the reply */
	size_t qwire_len;	/* 0: no question to echo */
	bool has_edns;		/* an OPT record came along (ignored) */
	uint16_t edns_udp_size;
};

/**
 * dns_parse_query() - Parse a query from a stub resolver in the jail
 * @buf:	one UDP payload (or TCP message without its length prefix);
 *		untrusted
 * @len:	its length
 * @q:		result
 *
 * Accepted: QR 0, opcode 0, exactly one question, no answer or authority
 * records, at most one additional record which must be an EDNS OPT, no
 * bytes after it. Names may use compression pointers: at most 16 jumps,
 * each inside @buf, at most 127 labels and 255 bytes decoded; label types
 * 01 and 10 are refused.
 *
 * Return: 0; -EINVAL when the message is well-formed but the name is not
 * a host name (labels of letters, digits, '-', '_'): @q is complete but
 * @q->name is "", answer NXDOMAIN or REFUSED; -EOPNOTSUPP for another
 * opcode (answer NOTIMP); -EBADMSG when malformed (answer FORMERR). After
 * -EOPNOTSUPP or -EBADMSG, @q->id and @q->flags are set if @len >= 12 and
 * @q->qwire_len is 0.
 */
int dns_parse_query(const uint8_t *buf, size_t len, struct dns_query *q);

/**
 * dns_build_reply() - Build the response to @q
 * @q:		a query from dns_parse_query(); only @q->id, @q->flags and
 *		@q->qwire/@q->qwire_len are used
 * @rcode:	DNS_RCODE_*, at most 15
 * @family:	AF_INET (A records, 4 bytes of each address) or AF_INET6
 *		(AAAA, 16 bytes); ignored when @n_addrs is 0
 * @addrs:	@n_addrs addresses, network byte order
 * @n_addrs:	number of answers; 0 with DNS_RCODE_NOERROR is NODATA
 * @ttl:	TTL of the answers
 * @out:	buffer for the message
 * @out_len:	its size (512 for plain UDP)
 *
 * The reply echoes the id, RD, CD and the question (none if
 * @q->qwire_len is 0), sets QR and RA, and names each answer with a
 * compression pointer to the question. No authority or additional
 * records.
 *
 * Return: message length, -EINVAL (answers with a nonzero @rcode, without
 * a question or of an unknown family) or -E2BIG (does not fit @out_len)
 */
int dns_build_reply(const struct dns_query *q, unsigned int rcode,
		    int family, const uint8_t (*addrs)[16], size_t n_addrs,
		    uint32_t ttl, uint8_t *out, size_t out_len);


/* ---------------------------------------------------------------------
 * reqcheck.c: the judgement of every HTTP/1 request the forwarder sees
 * ------------------------------------------------------------------- */

/* What the forwarder decided for the connection a request came on */
struct reqcheck_conn {
	const char *host;	/* the connection's name: every Host names it */
	uint16_t port;		/* the port the jail connected to */
	uint16_t default_port;	/* a Host without a port means this one */
	bool is_held;		/* --hold-push host: a push is marked */
};

/* The verdict on one request head */
struct reqcheck_verdict {
	int status;		/* 0: carry it; else refuse with this status */
	const char *why;	/* the reason (static text), when refused */
	struct http_framing framing;	/* where its body ends */
	bool is_push;		/* a git push to a held host */
	bool is_upgrade;	/* it asks to switch protocols (Upgrade) */
	char repo[256];		/* @is_push: the repository */
};

/**
 * reqcheck_judge() - Decide one request head from the jail
 * @rc:		the connection it came on
 * @head:	the head's bytes, accepted by http_parse_head(); untrusted
 * @h:		its parse
 * @v:		result
 *
 * Refused (@v->status): a framing two servers could read differently
 * (400: Content-Length twice, as a list or with Transfer-Encoding; 501:
 * a transfer coding other than chunked), a body on GET, HEAD, OPTIONS or
 * TRACE (400: a server that does not read it would take it for the next
 * request), CONNECT (405), no Host (400), a Host or absolute-form target
 * naming another host or port than the connection's (421), a push with a
 * compressed body to a held host (415).
 *
 * Return: 0 (carry it), or -EPERM with @v->status and @v->why set
 */
int reqcheck_judge(const struct reqcheck_conn *rc, const uint8_t *head,
		   const struct http_head *h, struct reqcheck_verdict *v);

/* Following the requests of one connection; zero it to start */
struct reqcheck_stream {
	unsigned int state;
	uint64_t left;			/* Content-Length bytes still to come */
	struct http_chunked chunked;
	unsigned long long n_requests;	/* heads judged and carried */
};

/**
 * reqcheck_feed() - Follow a connection's requests, head after body
 * @st:		its state
 * @rc:		the connection
 * @buf:	its next bytes, not yet sent on; untrusted
 * @len:	how many
 * @v:		set for each head judged
 *
 * Each head is parsed and judged (reqcheck_judge()), each body followed
 * by its framing to find the next head. After a request asking for an
 * upgrade (the first of its connection only), nothing more may go until
 * reqcheck_upgrade_reply() has seen the server's answer; once the server
 * switched protocols (101) everything goes unread.
 *
 * Return: bytes at @buf that may go on now (> 0), -EAGAIN (a head is not
 * complete yet), -EBUSY (waiting for the server's answer to an upgrade),
 * -EPERM (refused: @v->status and @v->why say why)
 */
int reqcheck_feed(struct reqcheck_stream *st, const struct reqcheck_conn *rc,
		  const uint8_t *buf, size_t len, struct reqcheck_verdict *v);

/* Body bytes that may go on without being looked at (Content-Length) */
uint64_t reqcheck_body_left(const struct reqcheck_stream *st);

/* As reqcheck_body_left(), and the body counts as passed: the caller
 * sends exactly that many bytes on before it feeds @st again */
uint64_t reqcheck_take_body(struct reqcheck_stream *st);

/* Is @st waiting for the server's answer to an upgrade? */
bool reqcheck_wants_reply(const struct reqcheck_stream *st);

/**
 * reqcheck_upgrade_reply() - The server's first response bytes after an
 * upgrade request
 * @st:		a stream for which reqcheck_wants_reply() holds
 * @buf:	the response's first bytes; from the server
 * @len:	how many
 *
 * Return: 0 once decided ("HTTP/1.x 101": the connection carries another
 * protocol from now on; anything else: requests go on), -EAGAIN (too few
 * bytes yet)
 */
int reqcheck_upgrade_reply(struct reqcheck_stream *st, const uint8_t *buf,
			   size_t len);

/* Does the connection carry another protocol now (after a 101)? */
bool reqcheck_is_opaque(const struct reqcheck_stream *st);

/* ---------------------------------------------------------------------
 * scope.c: a secret's methods and path prefixes; a request's path
 * ------------------------------------------------------------------- */

/**
 * scope_parse() - Parse the scope after a secret's hosts
 * @spec:	"" or ";methods=GET,HEAD;paths=/a/,/b/" (either field, each
 *		once, in any order); from an option or a policy file
 * @sc:		result, zeroed first
 * @why:	set to what is wrong, a static string, on failure
 *
 * Methods are 1..15 capital letters; a path prefix starts with '/', is
 * visible ASCII without '%', ';', '?', '#' or '', has no empty, '.' or
 * '..' segment and fits SECRETS_SCOPE_PATH_MAX; at most
 * SECRETS_SCOPE_MAX of each.
 *
 * Return: 0, -EBADMSG or -E2BIG
 */
int scope_parse(const char *spec, struct secret_scope *sc, const char **why);

/**
 * scope_normalize_path() - The path a request's target names, normalised
 * @target:	the request target (origin or absolute form); untrusted
 * @out:	result: '/', segments joined by '/', no empty, '.' or '..'
 *		segment, a trailing '/' kept
 * @out_len:	its size
 *
 * Percent escapes are decoded and '' read as '/' before the segments
 * are resolved ('..' above the root stays at the root); the query and
 * fragment are left out.
 *
 * Return: length of @out; -EBADMSG (no path, a bad escape, or a byte
 * that no scope admits: control, space, non-ASCII, '%' or ';' after
 * decoding) or -E2BIG
 */
int scope_normalize_path(const char *target, char *out, size_t out_len);

/**
 * scope_allows() - Is a request within a secret's scope?
 * @sc:		the scope
 * @method:	the request's method
 * @path:	its normalised path (scope_normalize_path()), or NULL when
 *		it has none: then no scope with paths admits it
 *
 * Return: true when the method is listed (or none are) and the path lies
 * under a listed prefix, whole segments (or none are listed)
 */
bool scope_allows(const struct secret_scope *sc, const char *method,
		  const char *path);

/* "methods GET,HEAD; paths /a/,/b/" (empty: no scope). Return: length
 * or -E2BIG */
int scope_format(const struct secret_scope *sc, char *out, size_t out_len);

/**
 * reflog_check() - Is @buf a reflog as git writes it?
 * @buf:	a file of logs/ (the jail could write it)
 * @len:	its length
 *
 * Each line: OLD NEW NAME <EMAIL> TIME TZ, then TAB and a message or
 * nothing, then LF; OLD and NEW of 40 or 64 lowercase hex digits; no NUL.
 * An empty file is one.
 *
 * Return: the number of lines, or -EINVAL
 */
int reflog_check(const uint8_t *buf, size_t len);

/**
 * reflog_next_new() - The NEW id of the next line of a reflog
 * @c:		cursor over the reflog (the jail could write it); advanced
 *		past the line
 * @id:		set to NEW (20 bytes)
 *
 * Each line as reflog_check() takes it, with ids of 40 hex digits.
 *
 * Return: 1, 0 at the end, or -EINVAL
 */
int reflog_next_new(struct cursor *c, uint8_t id[20]);

#include "parse/text.h"

#endif /* PARSE_H */
