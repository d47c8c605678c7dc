// SPDX-License-Identifier: MIT
/*
 * init.c - jail-init, pid 1 of every jail
 *
 * pid 1 reaps every child, forwards signals to COMMAND and exits with
 * COMMAND's status; its exit makes the kernel kill whatever is left in
 * the jail. It must hold nothing worth stealing, so it is exec'd clean
 * (empty environment, argv of two numbers) and makes itself non-dumpable
 * before it releases COMMAND.
 *
 * This file is freestanding: no libc, only raw system calls. Built with
 * -DJAIL_INIT_STANDALONE it is a static program of a few kilobytes that
 * the jail binary carries inside itself and executes from a sealed memfd,
 * which costs a fraction of loading the jail binary and its libraries a
 * second time. Built without it, init_main() is the same code inside the
 * jail binary, used where the kernel refuses to execute a memfd.
 *
 * Signals are blocked and read from a signalfd: a namespace's init drops
 * an unblocked signal it has no handler for, but a blocked one is queued.
 */
#include <asm/unistd.h>
#include <linux/prctl.h>
#include <linux/signal.h>

#define INIT_SIGCHLD 17
#define INIT_WNOHANG 1
#define INIT_SFD_CLOEXEC 02000000
#define INIT_FAILED 125

int init_main(int argc, char **argv);

#if defined(__x86_64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
#else
#error "jail-init: add the system call convention of this architecture"
#endif

static __attribute__((noreturn)) void init_exit(int status)
{
	for (;;)
		sys6(__NR_exit_group, status, 0, 0, 0, 0, 0);
}

/* Decimal argument, at most 9 digits: a pid or a descriptor */
static long parse_arg(const char *s)
{
	long v = 0;
	int n = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++, n++) {
		if (*s < '0' || *s > '9' || n >= 9)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int exit_code(int st)
{
	int sig = st & 0x7f;

	if (sig == 0)
		return (st >> 8) & 0xff;	/* exited */
	if (sig != 0x7f)
		return 128 + sig;		/* killed by a signal */
	return INIT_FAILED;
}

int init_main(int argc, char **argv)
{
	static const int forwarded[] = { 2, 15, 1, 3, 10, 12, 28 };
	unsigned long mask = 1UL << (INIT_SIGCHLD - 1);
	unsigned char info[128];	/* struct signalfd_siginfo */
	long child, release, sfd;

	/* First: nothing in the jail may ptrace us or read our /proc files */
	if (sys6(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0, 0) < 0)
		init_exit(INIT_FAILED);
	if (argc != 3 || sys6(__NR_getpid, 0, 0, 0, 0, 0, 0) != 1)
		init_exit(INIT_FAILED);
	child = parse_arg(argv[1]);
	release = parse_arg(argv[2]);
	if (child < 2 || release < 0)
		init_exit(INIT_FAILED);
	for (unsigned int i = 0; i < sizeof(forwarded) / sizeof(*forwarded);
	     i++)
		mask |= 1UL << (forwarded[i] - 1);
	if (sys6(__NR_rt_sigprocmask, SIG_BLOCK, (long)&mask, 0, 8, 0, 0) < 0)
		init_exit(INIT_FAILED);
	sfd = sys6(__NR_signalfd4, -1, (long)&mask, 8, INIT_SFD_CLOEXEC, 0, 0);
	if (sfd < 0)
		init_exit(INIT_FAILED);
	/* COMMAND waits for this message before it starts */
	if (sys6(__NR_write, release, (long)"r", 1, 0, 0, 0) != 1)
		init_exit(INIT_FAILED);
	sys6(__NR_close, release, 0, 0, 0, 0, 0);
	for (;;) {
		unsigned int signo;

		if (sys6(__NR_read, sfd, (long)info, sizeof(info), 0, 0, 0) !=
		    sizeof(info))
			continue;
		signo = (unsigned int)info[0] | (unsigned int)info[1] << 8 |
			(unsigned int)info[2] << 16 |
			(unsigned int)info[3] << 24;
		if (signo != INIT_SIGCHLD) {
			sys6(__NR_kill, child, signo, 0, 0, 0, 0);
			continue;
		}
		for (;;) {
			int st = 0;
			long p = sys6(__NR_wait4, -1, (long)&st, INIT_WNOHANG,
				      0, 0, 0);

			if (p <= 0)
				break;
			if (p == child)
				init_exit(exit_code(st));
		}
	}
}

#ifdef JAIL_INIT_STANDALONE
/* The kernel starts us with argc, argv and envp on the stack */
__attribute__((used)) static void init_start_c(long *sp)
{
	init_main((int)sp[0], (char **)(sp + 1));
	init_exit(INIT_FAILED);
}

#if defined(__x86_64__)
__asm__(".text\n.global _start\n_start:\n"
	"  xor %rbp, %rbp\n  mov %rsp, %rdi\n  and $-16, %rsp\n"
	"  call init_start_c\n  hlt\n");
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n_start:\n"
	"  mov x0, sp\n  and sp, x0, #-16\n  bl init_start_c\n  brk #0\n");
#endif
#endif
