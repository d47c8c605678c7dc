// SPDX-License-Identifier: MIT
/*
 * files.c - policy files and jail trust
 */
/*
 * config.c - command line, policy files, trust, profiles, --explain
 *
 * Every option is first recorded, from the command line and then from the
 * policy files, because the project (which decides which .jail.conf is
 * read) may itself come from the command line. They are then applied in
 * the contract's order: the agent profile first, then /etc/jail/jail.conf,
 * ~/.config/jail/jail.conf, the project's .jail.conf (only once `jail
 * trust` recorded its hash) and the command line last. Accumulating
 * options add up; for single-valued ones the last one wins.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "jail.h"
#include "config/config.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "host/host.h"
#include "config/internal.h"

/* ---- policy files and trust --------------------------------------- */

#define POLICY_FILE_MAX (1 << 20)

/* The bytes of the open policy file @fd (named @path), bounded */
static char *read_policy_fd(int fd, const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die("policy file \"%s\": not a regular file", path);
	if (st.st_size > POLICY_FILE_MAX)
		die("policy file \"%s\": larger than 1 MiB", path);
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/*
 * Return: the file's bytes, NUL-terminated (caller frees), or NULL when it
 * does not exist. A file that exists but cannot be read is an error: a
 * policy the user wrote must never be skipped silently.
 */
static char *read_policy_file(const char *path, size_t *len)
{
	/* O_NONBLOCK: a FIFO planted there must not hang the start */
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
					      O_NONBLOCK);

	if (fd < 0) {
		if (errno == ENOENT)
			return NULL;
		die_errno("policy file \"%s\"", path);
	}
	return read_policy_fd(fd, path, len);
}

static void sha256_hex(const char *buf, size_t len, char out[65])
{
	uint8_t md[32];
	int err = crypto_sha256(buf, len, md);

	if (err < 0) {
		errno = -err;
		die_errno("sha256 of a policy file (libcrypto.so.3)");
	}
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

char *config_dir(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");

	if (x && x[0] == '/')
		return xasprintf("%s/jail", x);
	return xasprintf("%s/.config/jail", config_host_home());
}

/* Record every line of a policy file, checking keys and their shape */
static void record_file(struct opt_reqs *q, const char *path,
			const char *buf, size_t len, enum origin o)
{
	size_t lineno = 0;

	for (const char *l = buf; l < buf + len; lineno++) {
		const char *nl = memchr(l, '\n', (size_t)(buf + len - l));
		size_t ll = nl ? (size_t)(nl - l) : (size_t)(buf + len - l);
		char key[64], val[4096];
		const struct opt_def *d;
		int r = policy_parse_line(l, ll, key, sizeof(key), val,
					  sizeof(val));

		l += ll + (nl ? 1 : 0);
		if (r < 0)
			die("%s:%zu: malformed line", path, lineno + 1);
		if (r == 0)
			continue;
		d = config_find_opt(key);
		if (!d && config_nearest_option(key))
			die("%s:%zu: unknown option \"%s\"; did you mean "
			    "\"%s\"?",
			    path, lineno + 1, key, config_nearest_option(key)->name);
		if (!d)
			die("%s:%zu: unknown option \"%s\"", path, lineno + 1,
			    key);
		if (!(d->flags & OPTF_FILE) ||
		    (o == ORIGIN_PROJECT_FILE && (d->flags & OPTF_NOT_PROJECT)))
			die("%s:%zu: \"%s\" is not allowed in %s", path,
			    lineno + 1, key,
			    o == ORIGIN_PROJECT_FILE ? "a project's .jail.conf"
						     : "a policy file");
		if (d->has_arg == 1 && !val[0])
			die("%s:%zu: \"%s\" needs a value", path, lineno + 1,
			    key);
		if (!d->has_arg && val[0])
			die("%s:%zu: \"%s\" takes no value", path, lineno + 1,
			    key);
		/* @val is "" for an option without a value */
		config_record(q, d->id, val, o,
		       xasprintf("%s:%zu", path, lineno + 1));
	}
}

static char *trust_store(void)
{
	autofree char *dir = config_dir();

	return xasprintf("%s/trusted", dir);
}

/* Is "@hash @path" a line of the trust store? */
static bool is_trusted(const char *path, const char *hash)
{
	autofree char *store = trust_store();
	/* Never waits on a FIFO, whoever could write there */
	int fd = open(store, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	autofclose FILE *f = NULL;
	autofree char *line = NULL;
	size_t cap = 0;

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
			!(f = fdopen(fd, "r"))))
		close(fd);
	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) > 65 && !strncmp(line, hash, 64) &&
		    line[64] == ' ' && !strcmp(line + 65, path))
			return true;
	}
	return false;
}

/*
 * A project's .jail.conf lives where the jailed command may have written
 * it: it counts only when its exact bytes were trusted by the user.
 */

/*
 * The bytes of @project's .jail.conf (named @path), or NULL when there is
 * none. The jail may have written it: a regular file beneath the project
 * only, never a symlink out of it, never a FIFO waited on.
 */
static char *read_project_policy(const char *project, const char *path,
				 size_t *len)
{
	autoclose int pfd = open(project, O_PATH | O_DIRECTORY | O_CLOEXEC);
	autoclose int fd = pfd < 0 ? -ENOENT :
				     open_untrusted(pfd, ".jail.conf");

	if (fd == -ENOENT)
		return NULL;
	if (fd < 0)
		die("project policy \"%s\": %s; remove it or make it a "
		    "regular file",
		    path,
		    fd == -EINVAL || fd == -ELOOP ? "not a regular file" :
						    strerror(-fd));
	return read_policy_fd(fd, path, len);
}

void config_load_project_file(struct jail_config *cfg, struct opt_reqs *q)
{
	autofree char *path = xasprintf("%s/.jail.conf", cfg->project);
	autofree char *buf = NULL;
	char hash[65];
	size_t len = 0;

	buf = read_project_policy(cfg->project, path, &len);
	/*
	 * Empty: no option to trust. It is also what a running jail's
	 * placeholder for an absent .jail.conf looks like (placeholder.c),
	 * which a second jail in the same project must not refuse
	 */
	if (!buf || !len)
		return;
	sha256_hex(buf, len, hash);
	if (!is_trusted(path, hash))
		die("project policy \"%s\" is not trusted (new, or changed "
		    "since it was trusted); review it, then run: jail trust "
		    "\"%s\"",
		    path, path);
	record_file(q, path, buf, len, ORIGIN_PROJECT_FILE);
	cfg->files[cfg->n_files++] = TAKE_PTR(path);
}

void config_load_file(struct jail_config *cfg, struct opt_reqs *q,
		      char *path, enum origin o)
{
	autofree char *buf = NULL;
	size_t len = 0;

	buf = read_policy_file(path, &len);
	if (!buf) {
		free(path);
		return;
	}
	record_file(q, path, buf, len, o);
	cfg->files[cfg->n_files++] = path;
}

/* ---- jail trust ---------------------------------------------------- */

static void write_trust_store(const char *path, const char *hash)
{
	autofree char *dir = config_dir();
	autofree char *store = trust_store();
	autofree char *tmp = xasprintf("%s.%d", store, (int)getpid());
	autofree char *line = NULL;
	autofclose FILE *in = NULL;
	FILE *out;
	size_t cap = 0;

	/* ~/.config may not exist yet */
	{
		autofree char *parent = xstrdup(dir);
		char *slash = strrchr(parent, '/');

		if (slash && slash != parent) {
			*slash = '\0';
			mkdir(parent, 0700);
		}
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			die_errno("create \"%s\"", dir);
	}
	out = fopen(tmp, "we");
	if (!out)
		die_errno("write \"%s\"", tmp);
	in = fopen(store, "re");
	while (in && getline(&line, &cap, in) > 0) {
		size_t n = strcspn(line, "\n");

		/* One line per file: an older hash of it is dropped */
		if (n > 65 && line[64] == ' ' && strlen(path) == n - 65 &&
		    !strncmp(line + 65, path, n - 65))
			continue;
		fputs(line, out);
	}
	fprintf(out, "%s %s\n", hash, path);
	if (fflush(out) != 0 || fsync(fileno(out)) < 0 || fclose(out) != 0)
		die_errno("write \"%s\"", tmp);
	if (rename(tmp, store) < 0)
		die_errno("rename \"%s\"", tmp);
}

static int trust_usage(void)
{
	printf("Usage: jail trust [--yes] [FILE]\n"
	       "Show a project's policy file (default: .jail.conf at the "
	       "project's top)\nin plain words, mark what is dangerous, and "
	       "record its SHA-256 as trusted.\nIt asks first on a terminal; "
	       "--yes (or -y) trusts without asking.\nA project file counts "
	       "only while its bytes are the ones trusted.\n");
	return fflush(stdout) == 0 ? 0 : EXIT_JAIL_FAILED;
}

/* Print each line of the file in plain words; Return: how many are marked */
static size_t show_grants(const struct jail_config *cfg, const char *path,
			  const struct opt_reqs *q)
{
	size_t n_danger = 0;

	printf("%s grants:\n", path);
	for (size_t i = 0; i < q->n; i++) {
		const struct opt_req *r = &q->r[i];
		const struct opt_def *d = config_opt_by_id(r->id);
		autofree char *abs = NULL;
		const char *line = strrchr(r->where, ':');
		struct trust_grant g;

		if (d->metavar && (!strcmp(d->metavar, "PATH") ||
				   !strcmp(d->metavar, "DIR")))
			abs = config_normalize_path(r->arg, cfg->project);
		trust_describe(d->name, r->arg, abs, config_host_home(), cfg->project,
			       &g);
		n_danger += g.danger != NULL;
		printf("  %s line %-3s %s%s%s\n", g.danger ? "!" : " ",
		       line ? line + 1 : "?", g.text, g.danger ? ": " : "",
		       g.danger ? g.danger : "");
	}
	if (!q->n)
		printf("  nothing (no option)\n");
	return n_danger;
}

int config_trust_main(int argc, char **argv)
{
	struct jail_config *scratch = xcalloc(1, sizeof(*scratch));
	struct opt_reqs q = { 0 };
	autofree char *path = NULL;
	autofree char *buf = NULL;
	bool is_yes = false;
	char hash[65];
	size_t len = 0, n_danger;

	config_init(scratch);
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return trust_usage();
	if (argc > 1 && (!strcmp(argv[1], "--yes") || !strcmp(argv[1], "-y"))) {
		is_yes = true;
		argc--;
		argv++;
	}
	if (argc > 2)
		die("usage: jail trust [--yes] [FILE]");
	if (argc == 2) {
		path = realpath(argv[1], NULL);
		if (!path)
			die_errno("trust \"%s\"", argv[1]);
		buf = read_policy_file(path, &len);
	} else {
		autofree char *proj = config_detect_project(scratch->cwd);

		path = xasprintf("%s/.jail.conf", proj);
		buf = read_project_policy(proj, path, &len);
	}
	if (!buf)
		die("trust \"%s\": no such file", path);
	/* Never trust a file that would be refused when it is read */
	scratch->project = xstrdup(path);
	*strrchr(scratch->project, '/') = '\0';
	record_file(&q, path, buf, len, ORIGIN_PROJECT_FILE);
	config_apply_all(scratch, &q, ORIGIN_PROJECT_FILE, ORIGIN_PROJECT_FILE);
	n_danger = show_grants(scratch, path, &q);
	fflush(stdout);
	if (!trust_confirm(path, n_danger, is_yes)) {
		printf("not trusted: %s\n", path);
		return fflush(stdout) == 0 ? 1 : EXIT_JAIL_FAILED;
	}
	sha256_hex(buf, len, hash);
	write_trust_store(path, hash);
	printf("trusted %s (sha256 %.16s...)\n", path, hash);
	return 0;
}
