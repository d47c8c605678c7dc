// SPDX-License-Identifier: MIT
/*
 * record.c - the run's record on the host: the audit log's start and exit
 * lines, the registry entry `jail ps` reads, the summary line at exit
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "jail.h"
#include "config/config.h"
#include "host/host.h"
#include "parse/text.h"

/* $XDG_STATE_HOME/jail/log/ID.jsonl, else ~/.local/state/jail/log/ID.jsonl */
char *record_default_log_path(const struct jail_config *cfg)
{
	const char *state = getenv("XDG_STATE_HOME");

	if (state && state[0] == '/')
		return xasprintf("%s/jail/log/%s.jsonl", state, cfg->id);
	return xasprintf("%s/.local/state/jail/log/%s.jsonl", config_host_home(),
			 cfg->id);
}

/* Return: 0 or negative errno */
int record_open_log(struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;

	run->log_fd = audit_open(run->log_path);
	audit_set_max(run->log_fd,
		      cfg->log_max ? cfg->log_max : JAIL_LOG_MAX_DEFAULT);
	return run->log_fd < 0 ? run->log_fd : 0;
}

static const char *net_name(enum net_mode m)
{
	return m == NET_HOST ? "host" : m == NET_FILTERED ? "filtered" : "none";
}

/*
 * The start line is the log's first write: a log that opens but cannot
 * take a line (a full filesystem) fails the jail like one that cannot open,
 * so nothing runs unrecorded. Return: 0 or negative errno
 */
int record_start(const struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;
	char cmd[1024] = "";
	size_t used = 0;
	int err;

	for (char *const *a = cfg->argv; *a && used < sizeof(cmd) - 1; a++) {
		int n = snprintf(cmd + used, sizeof(cmd) - used, "%s%s",
				 used ? " " : "", *a);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	{
		const struct audit_field f[] = {
			AF_STR("command", cmd),
			AF_STR("project", cfg->project),
			AF_STR("net", net_name(cfg->net)),
			AF_INT("allow", (long long)cfg->n_allow),
			AF_INT("deny", (long long)cfg->n_deny),
			AF_INT("uid", (long long)cfg->uid),
			AF_STR("review", cfg->review == REVIEW_ASK ? "ask" :
					 cfg->review == REVIEW_KEEP ? "keep" :
					 cfg->review == REVIEW_PATCH ? "patch" :
								       NULL),
		};

		err = audit_write(run->log_fd, cfg->id, "start", f,
				  ARRAY_SIZE(f));
	}
	return err < 0 ? err : 0;
}

void record_exit(const struct jail_run *run, int status,
		       bool timed_out)
{
	const struct jail_config *cfg = run->cfg;
	const struct audit_field f[] = {
		AF_INT("status", status),
		AF_STR("reason", timed_out ? "timeout" : NULL),
	};

	audit_write(run->log_fd, cfg->id, "exit", f, ARRAY_SIZE(f));
}

void record_path_event(const struct jail_run *run, const char *ev,
			     const char *path)
{
	const struct jail_config *cfg = run->cfg;
	const struct audit_field f[] = { AF_STR("path", path) };

	audit_write(run->log_fd, cfg->id, ev, f, ARRAY_SIZE(f));
}

/*
 * Count this jail's refusals in its log (the forwarder writes its own
 * events there) and print the one summary line the contract asks for.
 */
#define RECORD_DNS_NAMES 64

/* Is @line a dns.deny for a "name" seen before? Records it otherwise */
static bool is_dns_repeat(const char *line)
{
	static char seen[RECORD_DNS_NAMES][256];
	static size_t n_seen;
	const char *p = strstr(line, "\"name\":\"");
	size_t len;

	if (!p)
		return false;
	p += 8;
	len = strcspn(p, "\"");
	if (len >= sizeof(seen[0]))
		return false;
	for (size_t i = 0; i < n_seen; i++)
		if (strlen(seen[i]) == len && !strncasecmp(seen[i], p, len))
			return true;
	if (n_seen < RECORD_DNS_NAMES) {
		memcpy(seen[n_seen], p, len);
		seen[n_seen++][len] = '\0';
	}
	return false;
}

/* What the exit line says of the allowed connections that failed */
struct net_errors {
	size_t n;
	char first[POLICY_NAME_MAX * 4 + 200];	/* "HOST:PORT: CAUSE" */
};

/* Count a net.error line; the first one is kept, printable */
static void note_net_error(struct net_errors *ne, const char *line)
{
	static struct audit_event ev;
	const char *host = NULL, *why = NULL;
	long long port = 0;
	char h[POLICY_NAME_MAX * 2], w[160];

	if (audit_parse_line(line, strlen(line), &ev) < 0 ||
	    strcmp(ev.event, "net.error"))
		return;
	if (ne->n++)
		return;
	for (size_t i = 0; i < ev.n_fields; i++) {
		const struct audit_field *f = &ev.f[i];

		if (!strcmp(f->key, "host") && f->type == AUDIT_STR)
			host = f->s;
		else if (!strcmp(f->key, "port") && f->type == AUDIT_INT)
			port = f->i;
		else if ((!strcmp(f->key, "error") ||
			  !strcmp(f->key, "reason")) && f->type == AUDIT_STR)
			why = f->s;
	}
	str_printable(h, sizeof(h), host ? host : "?", POLICY_NAME_MAX, 0);
	str_printable(w, sizeof(w), why ? why : "?", 120, 0);
	snprintf(ne->first, sizeof(ne->first), "%s:%lld: %s", h, port, w);
}

/* The exit line for allowed hosts that could not be reached: the cause */
static void net_error_summary(const struct jail_run *run,
			      const struct net_errors *ne)
{
	if (ne->n == 1)
		warn("an allowed connection failed upstream (%s); see %s "
		     "(jail log %s)", ne->first, run->log_path, run->cfg->id);
	else if (ne->n)
		warn("%zu allowed connections failed upstream, the first "
		     "(%s); see %s (jail log %s)", ne->n, ne->first,
		     run->log_path, run->cfg->id);
}

void record_denial_summary(const struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;
	struct net_errors ne = { 0 };
	bool is_publish_refused = false;
	/* A --log the jail could write may be a FIFO by now: never wait */
	int fd = open(run->log_path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
					     O_NOCTTY | O_CLOEXEC);
	struct stat st;
	autofclose FILE *f = NULL;
	autofree char *line = NULL;
	autofree char *tag = xasprintf("\"jail\":\"%s\"", cfg->id);
	size_t cap = 0, n = 0;

	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(f = fdopen(fd, "r"))) {
		close(fd);
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		const char *ev;

		if (!strstr(line, tag) || !(ev = strstr(line, "\"event\":\"")))
			continue;
		ev += 9;
		if (!strncmp(ev, "net.error\"", 10))
			note_net_error(&ne, line);
		/* fwd/publish.c's error for a server that is not reachable */
		if (!strncmp(ev, "net.publish\"", 12) &&
		    strstr(line, "\"error\":\"refused inside"))
			is_publish_refused = true;
		/* A refused name counts once, whatever query types asked */
		if (!strncmp(ev, "dns.deny\"", 9) && is_dns_repeat(line))
			continue;
		if (!strncmp(ev, "net.deny\"", 9) ||
		    !strncmp(ev, "dns.deny\"", 9) ||
		    !strncmp(ev, "syscall.deny\"", 13) ||
		    !strncmp(ev, "secret.leak\"", 12))
			n++;
	}
	if (n)
		warn("%zu request%s denied; see %s (jail log %s)", n,
		     n == 1 ? " was" : "s were", run->log_path, cfg->id);
	net_error_summary(run, &ne);
	if (is_publish_refused)
		warn("--publish: a connection was refused inside; a server "
		     "bound to 127.0.0.1 there cannot be reached, bind it to "
		     "0.0.0.0");
}

static char *run_file;

/* One line in the audit format: ts, jail, "run", pid, command, log */
void record_register(const struct jail_run *run)
{
	const struct jail_config *cfg = run->cfg;
	autofree char *dir = jail_runtime_dir();
	char line[AUDIT_LINE_MAX];
	struct timespec ts;
	autoclose int fd = -1;
	const struct audit_field f[] = {
		AF_INT("pid", getpid()),
		AF_STR("command", cfg->argv[0]),
		AF_STR("project", cfg->project),
		AF_STR("log", run->log_path),
	};
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = audit_format(line, sizeof(line), &ts, cfg->id, "run", f,
			 ARRAY_SIZE(f));
	if (n < 0 || mkdir_parents(dir, 0700) < 0)
		return;
	run_file = xasprintf("%s/%s.run", dir, cfg->id);
	fd = open(run_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, line, (size_t)n) < 0) {
		free(run_file);
		run_file = NULL;
	}
}

void record_unregister(void)
{
	if (run_file)
		unlink(run_file);
}

void record_unregister_id(const struct jail_config *cfg)
{
	autofree char *dir = jail_runtime_dir();
	autofree char *file = xasprintf("%s/%s.run", dir, cfg->id);

	unlink(file);
}
