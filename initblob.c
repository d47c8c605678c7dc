// SPDX-License-Identifier: MIT
/*
 * initblob.c - the standalone jail-init program, carried inside the binary
 *
 * The Makefile builds init.c as a freestanding static program first and
 * passes its path as JAIL_INIT_BIN; the assembler includes its bytes here.
 */
#include "jail.h"

#ifndef JAIL_INIT_BIN
#error "JAIL_INIT_BIN must name the standalone jail-init program"
#endif

__asm__(".section .rodata.jail_init,\"a\"\n"
	".balign 16\n"
	".globl jail_init_elf\n.hidden jail_init_elf\n"
	"jail_init_elf:\n"
	".incbin \"" JAIL_INIT_BIN "\"\n"
	".globl jail_init_elf_end\n.hidden jail_init_elf_end\n"
	"jail_init_elf_end:\n"
	".previous\n");
