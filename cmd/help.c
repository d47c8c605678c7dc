// SPDX-License-Identifier: MIT
/*
 * help.c - jail help [SUB]: the options, the subcommands, each one's usage
 *
 * The subcommands are jail.c's table; each prints its own usage for
 * --help, so `jail help SUB` is `jail SUB --help`.
 */
#include "jail.h"
#include "cmd/cmd.h"
#include "config/config.h"

void help_list_subcommands(FILE *f, const struct subcommand *tab, size_t n)
{
	fprintf(f, "\nSubcommands (jail help SUB, or jail SUB --help, for "
		   "more):\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-9s %s\n", tab[i].name, tab[i].summary);
}

/* The entry of @tab nearest to @word, or NULL when none is near */
static const struct subcommand *nearest(const char *word,
					const struct subcommand *tab,
					size_t n)
{
	const struct subcommand *best = NULL;
	size_t best_d = 3;	/* two edits at most */

	for (size_t i = 0; i < n; i++) {
		size_t d = str_distance(word, tab[i].name);

		if (d < best_d) {
			best_d = d;
			best = &tab[i];
		}
	}
	return best;
}

int help_main(int argc, char **argv, const struct subcommand *tab, size_t n)
{
	const struct subcommand *near;
	char help_opt[] = "--help";
	char *sub_argv[3] = { NULL, help_opt, NULL };

	if (argc == 1 || (argc == 2 && (!strcmp(argv[1], "--help") ||
					 !strcmp(argv[1], "-h")))) {
		config_usage(stdout);
		help_list_subcommands(stdout, tab, n);
		return fflush(stdout) == 0 ? 0 : EXIT_JAIL_FAILED;
	}
	if (argc > 2)
		die("help: one subcommand at most; usage: jail help [SUB]");
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], tab[i].name)) {
			sub_argv[0] = argv[1];
			return tab[i].main(2, sub_argv);
		}
	near = nearest(argv[1], tab, n);
	if (near)
		die("help \"%s\": no such subcommand; did you mean \"%s\"? "
		    "See jail help",
		    argv[1], near->name);
	die("help \"%s\": no such subcommand; see jail help", argv[1]);
}
