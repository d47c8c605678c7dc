/* SPDX-License-Identifier: MIT */
/*
 * phreg.h - the placeholders' registries, shared by placeholder.c and
 * phreg.c alone
 */
#ifndef JAIL_HOST_PHREG_H
#define JAIL_HOST_PHREG_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>

#include "jail.h"

#define MAX_MADE (JAIL_MAX_MOUNTS + 64)

/* Registry slots: "slot-N", N below REG_SLOTS; past them, one per run */
#define REG_SLOT_PREFIX "slot-"
#define REG_SLOTS 256

/* One line of a registry: "DEV INO PATH" */
struct entry {
	dev_t dev;
	ino_t ino;
	char *path;
};

bool phreg_read_entries(FILE *f, struct entry *out, size_t *n, size_t max);
bool phreg_is_slot(const char *name);
size_t phreg_read_all(const char *dir, const char *own, struct entry *live,
		      size_t max_live, struct entry *dead, size_t *n_dead);
bool phreg_is_live(const struct entry *live, size_t n, const char *path,
		   dev_t dev, ino_t ino);
nlink_t phreg_live_links(const struct entry *live, size_t n, dev_t dev,
			 ino_t ino);
void phreg_free_entries(struct entry *e, size_t n);
int phreg_lock(const char *dir);

#endif
