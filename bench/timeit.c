// SPDX-License-Identifier: MIT
/*
 * timeit.c - run several commands round-robin and report their wall times
 *
 * Usage: timeit RUNS WARMUP VARIANT [:: VARIANT]...
 *   VARIANT := LABEL [--runs=M] [--fd=N:PATH]... COMMAND [ARG]...
 *
 * Each round runs every variant once, in an order shuffled afresh each
 * round (a fixed seed, so two runs of the bench use the same orders), so
 * that drift (frequency scaling, page cache, other load) affects all
 * variants alike, and so does what one run leaves to the next: with a
 * fixed order each variant always followed the same one, and the one
 * after the bare command came out 0.2-0.8 ms slower than the same binary
 * elsewhere in the round. One run is timed with CLOCK_MONOTONIC from
 * just before posix_spawnp() to just after waitpid() returns. Every run
 * gets /dev/null as stdin and stdout (so nothing allocates a terminal),
 * keeps stderr, and opens each --fd PATH afresh on descriptor N. A run
 * that does not exit 0 stops the benchmark with exit status 1.
 *
 * A variant given --runs=M (M < RUNS) runs in M of the RUNS rounds only,
 * spread evenly over them, and in the first warm-up round: a slow variant
 * keeps its place in the same interleaved loop at a fraction of the cost.
 *
 * Output, one line per variant: LABEL MEDIAN_NS P90_NS MIN_NS MEAN_NS RUNS
 * With TIMEIT_RAW=FILE in the environment, every timed run is also written
 * to FILE, one line each: ROUND LABEL NS (so that runs of the same round
 * can be compared pairwise).
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "clock.h"

#define MAX_VARIANTS 16
#define MAX_FDS 4

extern char **environ;

struct variant {
	const char *label;
	char **argv;
	int fd[MAX_FDS];
	const char *fd_path[MAX_FDS];
	int n_fds;
	long runs;	/* rounds it runs in; 0: every round */
	uint64_t *ns;	/* one per round it ran in, in round order */
	long *round;	/* the round of each ns[] */
	long n_ns;
};

static uint64_t run_once(const struct variant *v)
{
	posix_spawn_file_actions_t fa;
	uint64_t t0, t1;
	pid_t pid;
	int st, err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (int i = 0; i < v->n_fds; i++)
		posix_spawn_file_actions_addopen(&fa, v->fd[i], v->fd_path[i],
						 O_RDONLY, 0);
	t0 = now_ns();
	err = posix_spawnp(&pid, v->argv[0], &fa, NULL, v->argv, environ);
	if (err) {
		fprintf(stderr, "timeit: %s: cannot run %s: %s\n", v->label,
			v->argv[0], strerror(err));
		exit(1);
	}
	while (waitpid(pid, &st, 0) < 0)
		;
	t1 = now_ns();
	posix_spawn_file_actions_destroy(&fa);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "timeit: %s: exit status %d\n", v->label,
			WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		exit(1);
	}
	return t1 - t0;
}

/* Split argv at "::" into variants; Return: number of variants */
static int parse_variants(int argc, char **argv, struct variant *v)
{
	int n = 0;

	for (int i = 0; i < argc;) {
		struct variant *cur = &v[n];

		if (n == MAX_VARIANTS) {
			fprintf(stderr, "timeit: too many variants\n");
			exit(2);
		}
		cur->label = argv[i++];
		if (i < argc && !strncmp(argv[i], "--runs=", 7)) {
			cur->runs = strtol(argv[i] + 7, NULL, 10);
			if (cur->runs < 1) {
				fprintf(stderr, "timeit: bad %s\n", argv[i]);
				exit(2);
			}
			i++;
		}
		while (i < argc && !strncmp(argv[i], "--fd=", 5) &&
		       cur->n_fds < MAX_FDS) {
			char *colon = strchr(argv[i] + 5, ':');

			if (!colon) {
				fprintf(stderr, "timeit: bad %s\n", argv[i]);
				exit(2);
			}
			cur->fd[cur->n_fds] = atoi(argv[i] + 5);
			cur->fd_path[cur->n_fds++] = colon + 1;
			i++;
		}
		cur->argv = &argv[i];
		while (i < argc && strcmp(argv[i], "::"))
			i++;
		if (cur->argv == &argv[i]) {
			fprintf(stderr, "timeit: %s: no command\n", cur->label);
			exit(2);
		}
		if (i < argc)
			argv[i++] = NULL;
		n++;
	}
	return n;
}

/*
 * Whether @v runs in round @r of @runs: a variant with fewer runs runs
 * where (r + 1) * its runs / @runs steps up, M times spread over the rounds
 */
static int runs_in(const struct variant *v, long r, long runs)
{
	if (!v->runs || v->runs >= runs)
		return 1;
	return (r + 1) * v->runs / runs > r * v->runs / runs;
}

/* Every timed run, before the sorting, to $TIMEIT_RAW if set */
static void write_raw(const struct variant *v, int n, long runs)
{
	const char *path = getenv("TIMEIT_RAW");
	FILE *f;

	if (!path || !*path)
		return;
	f = fopen(path, "w");
	if (!f) {
		perror("timeit: TIMEIT_RAW");
		exit(1);
	}
	for (long r = 0; r < runs; r++)
		for (int i = 0; i < n; i++)
			for (long j = 0; j < v[i].n_ns; j++)
				if (v[i].round[j] == r)
					fprintf(f, "%ld %s %llu\n", r,
						v[i].label,
						(unsigned long long)v[i].ns[j]);
	if (fclose(f)) {
		perror("timeit: TIMEIT_RAW");
		exit(1);
	}
}

/* One output line: @v's median, 90th percentile, minimum, mean, runs */
static void report(struct variant *v)
{
	long k = v->n_ns, p90 = (k * 9 + 9) / 10 - 1;
	uint64_t sum = 0, med;

	qsort(v->ns, (size_t)k, sizeof(uint64_t), cmp_u64);
	for (long r = 0; r < k; r++)
		sum += v->ns[r];
	med = k % 2 ? v->ns[k / 2] : (v->ns[k / 2 - 1] + v->ns[k / 2]) / 2;
	printf("%s %llu %llu %llu %llu %ld\n", v->label,
	       (unsigned long long)med, (unsigned long long)v->ns[p90],
	       (unsigned long long)v->ns[0],
	       (unsigned long long)(sum / (uint64_t)k), k);
}

/*
 * Fill @order with 0..@n-1 in a random order (Fisher-Yates over a
 * xorshift64 generator whose state is *@seed): the order of one round.
 */
static void shuffle_order(int *order, int n, uint64_t *seed)
{
	for (int i = 0; i < n; i++)
		order[i] = i;
	for (int i = n - 1; i > 0; i--) {
		uint64_t x = *seed;
		int j, t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		*seed = x;
		j = (int)(x % (uint64_t)(i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

int main(int argc, char **argv)
{
	static struct variant v[MAX_VARIANTS];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	long runs, warmup;
	int n;

	if (argc < 5) {
		fprintf(stderr, "usage: timeit RUNS WARMUP LABEL CMD... "
				"[:: LABEL CMD...]...\n");
		return 2;
	}
	runs = strtol(argv[1], NULL, 10);
	warmup = strtol(argv[2], NULL, 10);
	if (runs < 1 || warmup < 0) {
		fprintf(stderr, "timeit: bad RUNS or WARMUP\n");
		return 2;
	}
	n = parse_variants(argc - 3, argv + 3, v);
	for (int i = 0; i < n; i++) {
		v[i].ns = calloc((size_t)runs, sizeof(uint64_t));
		v[i].round = calloc((size_t)runs, sizeof(long));
		if (!v[i].ns || !v[i].round)
			return 1;
	}
	for (long r = 0; r < warmup; r++)
		for (int i = 0; i < n; i++)
			if (!r || runs_in(&v[i], r, warmup))
				run_once(&v[i]);
	for (long r = 0; r < runs; r++) {
		int order[MAX_VARIANTS];

		shuffle_order(order, n, &seed);
		for (int k = 0; k < n; k++) {
			struct variant *cur = &v[order[k]];

			if (!runs_in(cur, r, runs))
				continue;
			cur->round[cur->n_ns] = r;
			cur->ns[cur->n_ns++] = run_once(cur);
		}
	}
	write_raw(v, n, runs);
	for (int i = 0; i < n; i++)
		report(&v[i]);
	return 0;
}
