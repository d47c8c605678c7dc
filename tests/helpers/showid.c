// SPDX-License-Identifier: MIT
/*
 * showid.c - print the real, effective and saved ids, the capability sets
 * and no_new_privs of the running process, nothing else
 *
 * The escape suite installs a copy of this program setuid root (owned by
 * root, mode 4755) and runs it inside a jail to show that the bit gains
 * nothing there. It takes no arguments, reads no input and touches no
 * file but /proc/self/status, so the copy is harmless wherever it runs.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	static const char *const keys[] = { "CapPrm:", "CapEff:", "CapBnd:",
					    "CapAmb:", "NoNewPrivs:" };
	char line[256];
	uid_t r, e, s;
	FILE *f;

	if (getresuid(&r, &e, &s) < 0)
		return 1;
	printf("ruid=%u euid=%u suid=%u\n", r, e, s);
	f = fopen("/proc/self/status", "re");
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strncmp(line, keys[i], strlen(keys[i])))
				fputs(line, stdout);
	fclose(f);
	return 0;
}
