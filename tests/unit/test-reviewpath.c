// SPDX-License-Identifier: MIT
/*
 * test-reviewpath.c - unit tests for reviewpath.c: protected paths of a
 * review resolved through the symlinks of the result, in a scratch tree
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "host/host.h"
#include "tests/unit/tap.h"

static char base[] = "/var/tmp/test-reviewpath.XXXXXX";
static char buf[PATH_MAX * 2], text[PATH_MAX * 2];

#define P(...) (snprintf(buf, sizeof(buf), __VA_ARGS__), buf)
#define T(...) (snprintf(text, sizeof(text), __VA_ARGS__), text)

static int resolve(struct review *r, const char *rel, bool whole, char *out)
{
	return review_resolve(r, rel, whole, out, PATH_MAX, NULL, NULL);
}

int main(void)
{
	struct review r = { .upper_fd = -1, .project_fd = -1 };
	const char *prot[] = { ".git/hooks", ".claude/commands", ".envrc" };
	char out[PATH_MAX];

	if (!mkdtemp(base))
		return 1;
	mkdir(P("%s/proj", base), 0700);
	mkdir(P("%s/upper", base), 0700);
	r.project = P("%s/proj", base);
	r.project = strdup(r.project);
	r.project_fd = open(r.project, O_RDONLY | O_DIRECTORY);
	r.upper_fd = open(P("%s/upper", base), O_RDONLY | O_DIRECTORY);
	/* The project has .git -> g; the change adds .claude -> x */
	ok(symlink("g", P("%s/proj/.git", base)) == 0, "scratch symlink");
	mkdir(P("%s/proj/g", base), 0700);
	ok(symlink("x", P("%s/upper/.claude", base)) == 0, "scratch symlink");
	ok(symlink(T("%s/proj/abs", base), P("%s/upper/abslink", base)) == 0,
	   "scratch symlink");
	ok(symlink("../../outside", P("%s/upper/up", base)) == 0,
	   "scratch symlink");
	ok(symlink("loop", P("%s/upper/loop", base)) == 0, "scratch symlink");

	is_int(resolve(&r, ".git/hooks/pre-commit", false, out), 0,
	       "a path through a project symlink");
	is_str(out, "g/hooks/pre-commit", "resolves to its target");
	is_int(resolve(&r, ".claude/commands", true, out), 0,
	       "a path through a symlink of the change");
	is_str(out, "x/commands", "resolves to its target");
	is_int(resolve(&r, "abslink/f", false, out), 0,
	       "an absolute target inside the project");
	is_str(out, "abs/f", "is made relative to the project");
	is_int(resolve(&r, "up/f", false, out), -EXDEV,
	       "a target above the project: -EXDEV");
	is_int(resolve(&r, "loop/f", false, out), -ELOOP,
	       "a symlink loop: -ELOOP");
	is_int(resolve(&r, "a/../b/./c", false, out), 0, ". and ..");
	is_str(out, "b/c", ". and .. are folded");
	is_int(resolve(&r, "../x", false, out), -EXDEV, ".. above the top");

	review_alias_protected(&r, prot, 3);
	ok(review_is_aliased(&r, "g/hooks/pre-commit", 'A'),
	   "g/hooks is protected through .git -> g");
	ok(review_is_aliased(&r, ".git", 'A'),
	   "the symlink .git itself is protected");
	ok(review_is_aliased(&r, "x/commands/c.md", 'A'),
	   "x/commands is protected through .claude -> x");
	ok(review_is_aliased(&r, ".claude", 'M'),
	   "the symlink .claude itself is protected");
	ok(review_is_aliased(&r, "x", 'D'),
	   "deleting the parent of an alias is protected");
	ok(!review_is_aliased(&r, "x", 'A'), "adding x itself is not");
	ok(!review_is_aliased(&r, "src/main.c", 'A'), "other paths are not");

	for (size_t i = 0; i < r.n_alias; i++)
		free(r.alias[i]);
	free(r.alias);
	free(r.project);
	close(r.upper_fd);
	close(r.project_fd);
	snprintf(buf, sizeof(buf), "rm -rf '%s'", base);
	ok(system(buf) == 0, "scratch removed");
	return done_testing();
}
