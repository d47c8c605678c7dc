// SPDX-License-Identifier: MIT
/*
 * toolchains.c - tools installed under the home (pyenv, rustup and cargo,
 * nvm, volta, asdf, mise, uv, pipx, conda, go, bun, deno, sdkman, a user
 * npm prefix): recognised from the PATH entries that lead into them, and
 * bound read-only into the jail's throwaway home
 *
 * jail passes PATH through; without this, a PATH entry into the home
 * names a directory that is not there (the home is a tmpfs), or a shim
 * whose toolchain is not. Only what runs the tools is bound, never the
 * home as a whole, and credentials that live beside a toolchain are never
 * bound (cargo's credentials stay outside: only ~/.cargo/bin is bound) or
 * are hidden where they sit inside a bound tree (an npm prefix's
 * etc/npmrc, conda's .condarc).
 */
#include <sys/stat.h>

#include "jail.h"
#include "config/config.h"

struct toolchain {
	const char *name;
	const char *marker;	/* a PATH entry at or below ~/MARKER */
	const char *binds[5];	/* bound read-only, relative to the home */
	const char *hide[3];	/* credentials inside those, hidden */
};

static const struct toolchain table[] = {
	{ "pyenv", ".pyenv", { ".pyenv" }, { 0 } },
	{ "rustup+cargo", ".cargo/bin", { ".cargo/bin", ".rustup" }, { 0 } },
	{ "nvm", ".nvm", { ".nvm" }, { ".nvm/.npmrc" } },
	{ "volta", ".volta", { ".volta" }, { 0 } },
	{ "asdf", ".asdf", { ".asdf", ".tool-versions" }, { 0 } },
	{ "mise", ".local/share/mise", { ".local/share/mise", ".config/mise" },
	  { 0 } },
	{ "bun", ".bun/bin", { ".bun/bin" }, { 0 } },
	{ "deno", ".deno/bin", { ".deno/bin" }, { 0 } },
	{ "sdkman", ".sdkman/candidates", { ".sdkman/candidates" }, { 0 } },
	{ "conda", "miniconda3", { "miniconda3" }, { "miniconda3/.condarc" } },
	{ "conda", "anaconda3", { "anaconda3" }, { "anaconda3/.condarc" } },
	{ "conda", "miniforge3", { "miniforge3" }, { "miniforge3/.condarc" } },
	{ "go", "go/bin", { "go/bin" }, { 0 } },
	{ "go", "sdk", { "sdk" }, { 0 } },
	{ "uv, pipx", ".local/bin", { ".local/bin", ".local/share/uv",
				      ".local/share/pipx", ".local/pipx" },
	  { 0 } },
};

/* Is @rel (a PATH entry relative to the home) @marker or below it? */
static bool is_at_or_below(const char *rel, const char *marker)
{
	size_t n = strlen(marker);

	return !strncmp(rel, marker, n) && (rel[n] == '\0' || rel[n] == '/');
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void bind_one(struct jail_config *cfg, const char *home,
		     const struct toolchain *t, const char *entry)
{
	autofree char *why = xasprintf("toolchain %s, PATH %s", t->name,
				       entry);

	for (size_t i = 0; i < ARRAY_SIZE(t->binds) && t->binds[i]; i++) {
		autofree char *p = xasprintf("%s/%s", home, t->binds[i]);

		if (exists(p))
			config_add_toolchain_mount(cfg, MOUNT_RO, p,
						   xstrdup(why));
	}
	for (size_t i = 0; i < ARRAY_SIZE(t->hide) && t->hide[i]; i++) {
		autofree char *p = xasprintf("%s/%s", home, t->hide[i]);

		if (exists(p))
			config_add_toolchain_mount(cfg, MOUNT_HIDE, p,
						   xstrdup(why));
	}
}

/*
 * A user npm prefix: a PATH entry DIR/bin under the home whose DIR holds
 * lib/node_modules; DIR is bound, its etc/npmrc (tokens) hidden
 */
static void bind_npm_prefix(struct jail_config *cfg, const char *entry)
{
	autofree char *dir = xstrdup(entry);
	char *slash = strrchr(dir, '/');
	autofree char *mods = NULL;
	autofree char *rc = NULL;

	if (!slash || strcmp(slash, "/bin"))
		return;
	*slash = '\0';
	mods = xasprintf("%s/lib/node_modules", dir);
	if (!exists(mods))
		return;
	config_add_toolchain_mount(cfg, MOUNT_RO, dir,
				   xasprintf("toolchain npm prefix, PATH %s",
					     entry));
	rc = xasprintf("%s/etc/npmrc", dir);
	if (exists(rc))
		config_add_toolchain_mount(cfg, MOUNT_HIDE, rc,
					   xstrdup("toolchain npm prefix: "
						   "its npmrc may hold tokens"));
}

void toolchains_add(struct jail_config *cfg, const char *home,
		    const char *path)
{
	autofree char *copy = xstrdup(path ? path : "");
	size_t hlen = strlen(home);
	bool used[ARRAY_SIZE(table)] = { false };
	char *save = NULL;

	for (char *e = strtok_r(copy, ":", &save); e;
	     e = strtok_r(NULL, ":", &save)) {
		const char *rel;
		bool hit = false;

		if (strncmp(e, home, hlen) || e[hlen] != '/')
			continue;
		rel = e + hlen + 1;
		for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
			if (!is_at_or_below(rel, table[i].marker))
				continue;
			hit = true;
			if (!used[i])
				bind_one(cfg, home, &table[i], e);
			used[i] = true;
		}
		if (!hit)
			bind_npm_prefix(cfg, e);
	}
}
