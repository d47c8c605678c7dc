/* SPDX-License-Identifier: MIT */
/*
 * filtergen.h - the syscall filters compiled at build time: the rules
 * (seccomp_rules.c, libseccomp, build machine only) and the programs
 * carried in the binary (filterblob.c)
 */
#ifndef FILTERGEN_H
#define FILTERGEN_H

#include "jail.h"
#include "setup.h"

/* ---- the filter carried in the binary (filterblob.c) ---- */

#define FILTER_NAMES_MAX 512	/* syscall numbers named in the table */

/**
 * struct filter_blob - One variant of the filter, compiled at build time
 * @insns:	its BPF program (struct sock_filter, 8 bytes each)
 * @len:	instructions
 * @n_rules:	libseccomp rules it was compiled from
 */
struct filter_blob {
	const struct sock_filter *insns;
	unsigned short len;
	unsigned int n_rules;
};

/* Variants: FILTER_LOG_DENIALS (--seccomp-log), FILTER_LOG_EXEC (exec log) */
#define FILTER_LOG_DENIALS 1U
#define FILTER_LOG_EXEC 2U
#define FILTER_N_VARIANTS 4

/* The variant for each combination of FILTER_LOG_* flags */
extern const struct filter_blob *const filter_blobs[FILTER_N_VARIANTS];
/* EPERM answers; user notifications instead (--seccomp-log) */
extern const struct filter_blob filter_blob_deny, filter_blob_log;
/* The same with execve/execveat notified for the exec record */
extern const struct filter_blob filter_blob_exec, filter_blob_log_exec;
/* Audit arch of the native ABI the programs were compiled for */
extern const uint32_t filter_blob_arch;
/* Name of each native syscall number below FILTER_NAMES_MAX, or NULL */
extern const char *const filter_blob_names[FILTER_NAMES_MAX];

/* ---- seccomp_rules.c: the rules, with libseccomp (build time) ---- */

/**
 * filter_compile() - Compile the default filter's rules into BPF
 * @flags:	FILTER_LOG_DENIALS: denied calls notify the supervisor
 *		instead of failing; FILTER_LOG_EXEC: execve/execveat notify
 *		it too (it records them and lets them continue)
 * @prog:	filled in; caller frees @prog->insns
 * @n_rules:	set to the number of libseccomp rules
 *
 * Context: tools/filtergen.c at build time, and the unit tests; never
 * linked into jail itself
 * Return: 0 or negative errno
 */
int filter_compile(unsigned int flags, struct filter_prog *prog,
		   unsigned int *n_rules);

/* A libseccomp context (scmp_filter_ctx) released when it goes out of scope */
void filter_ctx_releasep(void **ctx);
#define autoscmp __attribute__((cleanup(filter_ctx_releasep)))

/* Export libseccomp context @ctx as BPF into @prog (caller frees insns) */
int filter_export(void *ctx, struct filter_prog *prog);

/**
 * fwd_filter_compile() - Compile the forwarder's allowlist (fwd_rules.c)
 * @prog:	filled in; caller frees @prog->insns
 * @n_rules:	set to the number of libseccomp rules
 *
 * Context: tools/filtergen.c at build time, and the unit tests
 * Return: 0 or negative errno
 */
int fwd_filter_compile(struct filter_prog *prog, unsigned int *n_rules);

/* The forwarder's allowlist, carried in the binary (filterblob.c) */
extern const struct filter_blob filter_blob_fwd;

/* libseccomp's name of native syscall @nr (static buffer), or NULL */
const char *filter_syscall_name_of(int nr);

/* The native ABI's audit arch, as libseccomp sees it */
uint32_t filter_native_arch(void);

#endif /* FILTERGEN_H */
