// SPDX-License-Identifier: MIT
/*
 * trustview.c - what `jail trust` shows before it trusts a project's
 * .jail.conf: each line's grant in plain words, the dangerous ones
 * marked, and the question
 *
 * A project file lives where an agent may have written it; the person
 * who trusts it must see what it opens, not only a hash. What is marked
 * dangerous is what reaches past the project: home paths and secret
 * directories, host variables that hold credentials, private networks,
 * every address or a wide range of ports, the host's network.
 */
#include <fnmatch.h>

#include "jail.h"
#include "config/config.h"
#include "parse/parse.h"

/* Below the home: directories and files that hold credentials */
static const char *const secret_paths[] = {
	".ssh", ".aws", ".gnupg", ".config/gh", ".kube", ".docker",
	".netrc", ".git-credentials", ".config/gcloud", ".azure",
	".npmrc", ".pypirc", ".cargo/credentials", ".cargo/credentials.toml",
	".config/hub", ".password-store", ".local/share/keyrings",
	".mozilla", ".config/google-chrome", ".config/chromium",
};

/* Host variables whose values are credentials or reach an agent */
static const char *const secret_env[] = {
	"SSH_AUTH_SOCK", "*_TOKEN", "*_TOKEN_*", "*_KEY", "*_KEY_*",
	"*SECRET*", "*PASSWORD*", "*PASSWD*", "*CREDENTIAL*", "AWS_*",
	"GPG_AGENT_INFO", "*_PAT", "*_AUTH*",
};

static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) &&
	       (path[n] == '/' || path[n] == '\0' || !strcmp(dir, "/"));
}

/* Why @path (absolute, normalised) is dangerous to bind, or NULL */
static const char *path_danger(const char *path, bool rw, const char *home,
			       const char *project)
{
	for (size_t i = 0; i < ARRAY_SIZE(secret_paths); i++) {
		autofree char *p = xasprintf("%s/%s", home, secret_paths[i]);

		if (is_under(path, p) || is_under(p, path))
			return "credentials live there";
	}
	if (is_under(home, path))
		return rw ? "all of your home, writable" : "all of your home";
	if (rw && !is_under(path, project))
		return is_under(path, home) ? "writable, in your home, outside "
					      "the project" :
					      "writable, outside the project";
	return NULL;
}

static const char *env_danger(const char *arg)
{
	autofree char *name = strndup(arg, strcspn(arg, "="));

	if (!name || strchr(arg, '='))
		return NULL;	/* NAME=VALUE sets a value of the file's */
	for (size_t i = 0; i < ARRAY_SIZE(secret_env); i++)
		if (!fnmatch(secret_env[i], name, 0))
			return "passes a host credential into the jail";
	return NULL;
}

/* A wide allow: many addresses or many ports */
static const char *allow_danger(const char *arg)
{
	struct net_rule r;
	unsigned long ports = 0;

	if (policy_parse_rule(arg, &r) < 0)
		return NULL;
	for (unsigned int i = 0; i < r.n_ports; i++)
		ports += (unsigned long)r.port_hi[i] - r.port_lo[i] + 1;
	if (r.is_ip && r.prefix < (r.family == AF_INET ? 16u : 48u))
		return "a wide range of addresses";
	if (r.is_ip && policy_addr_is_special(r.family, r.addr))
		return "a private or local address";
	if (ports > 16)
		return "a wide range of ports";
	return NULL;
}

static void describe_path(const char *opt, const char *path,
			  struct trust_grant *g)
{
	const char *what = !strcmp(opt, "ro") ? "read-only access to" :
			   !strcmp(opt, "rw") ? "read-write access to" :
			   !strcmp(opt, "ro-try") ? "read-only access (if it "
						    "exists) to" :
			   !strcmp(opt, "rw-try") ? "read-write access (if it "
						    "exists) to" :
			   !strcmp(opt, "hide") ? "hide" :
			   !strcmp(opt, "tmpfs") ? "an empty scratch directory "
						   "at" :
			   !strcmp(opt, "protect") ? "keep read-only" :
			   "as its home directory, persistent and writable:";

	snprintf(g->text, sizeof(g->text), "%s %s", what, path);
}

void trust_describe(const char *opt, const char *arg, const char *path,
		    const char *home, const char *project,
		    struct trust_grant *g)
{
	bool rw = !strcmp(opt, "rw") || !strcmp(opt, "rw-try");

	g->danger = NULL;
	if (path) {
		describe_path(opt, path, g);
		if (rw || !strcmp(opt, "ro") || !strcmp(opt, "ro-try"))
			g->danger = path_danger(path, rw, home, project);
		if (!strcmp(opt, "home"))
			g->danger = "a persistent, writable home for the jail";
		return;
	}
	if (!strcmp(opt, "env")) {
		snprintf(g->text, sizeof(g->text), strchr(arg, '=') ?
			 "set the variable %s" : "pass the host's variable %s",
			 arg);
		g->danger = env_danger(arg);
	} else if (!strcmp(opt, "allow")) {
		snprintf(g->text, sizeof(g->text), "allow connections to %s",
			 arg);
		g->danger = allow_danger(arg);
	} else if (!strcmp(opt, "allow-private")) {
		snprintf(g->text, sizeof(g->text), "allow private, loopback "
			 "and link-local destinations");
		g->danger = "reaches your local network and host services";
	} else if (!strcmp(opt, "net")) {
		snprintf(g->text, sizeof(g->text), "network mode %s", arg);
		if (!strcmp(arg, "host"))
			g->danger = "the host's network, unfiltered";
	} else if (!strcmp(opt, "publish")) {
		snprintf(g->text, sizeof(g->text), "open the host's "
			 "127.0.0.1 port %.*s to a server inside the jail",
			 (int)strcspn(arg, ":"), arg);
	} else if (!strcmp(opt, "profile")) {
		snprintf(g->text, sizeof(g->text), "the %s agent profile (its "
			 "config directories and API hosts)", arg);
	} else {
		snprintf(g->text, sizeof(g->text), "%s%s%s", opt,
			 arg && *arg ? " " : "", arg ? arg : "");
	}
}

/* Return: true when the person answered y or yes on the terminal */
static bool ask_yes(void)
{
	char line[16];

	fprintf(stderr, "Trust this file? [y/N] ");
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\n")] = '\0';
	return !strcasecmp(line, "y") || !strcasecmp(line, "yes");
}

bool trust_confirm(const char *path, size_t n_danger, bool is_yes)
{
	if (is_yes)
		return true;
	if (!isatty(STDIN_FILENO))
		die("trust \"%s\": no terminal to ask on; read what it grants "
		    "above, then run: jail trust --yes \"%s\"",
		    path, path);
	if (n_danger)
		fprintf(stderr, "%zu of these reach%s past the project "
			"(marked !).\n", n_danger, n_danger == 1 ? "es" : "");
	return ask_yes();
}
