// SPDX-License-Identifier: MIT
/*
 * filterblob.c - the sandbox filter, compiled at build time, carried here
 *
 * tools/filtergen.c compiles seccomp_rules.c's rules with libseccomp and
 * writes the programs and the syscall names as C initialisers; the
 * Makefile passes that file's path as JAIL_FILTER_BLOB. Building the filter
 * at every start cost more than half a millisecond of libseccomp work.
 */
#include <linux/filter.h>

#include "jail.h"
#include "tools/filtergen.h"

#ifndef JAIL_FILTER_BLOB
#error "JAIL_FILTER_BLOB must name the file tools/filtergen.c wrote"
#endif

#include JAIL_FILTER_BLOB
