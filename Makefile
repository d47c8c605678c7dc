# SPDX-License-Identifier: MIT
# Makefile - build, test and install jail
#
#   make            build ./jail
#   make deps       install build and test dependencies (Debian 12), create
#                   the unprivileged test user
#   make run        a shell in a jail with the default policy
#   make check      build and run every test (SANITIZE=1: against ASan+UBSan)
#   make asan       build the ASan+UBSan binary as build-asan/jail
#   make fuzz       run each libFuzzer harness for FUZZ_SECONDS (default 60)
#   make lint       cppcheck, clang-tidy, shellcheck
#   make install    PREFIX=/usr/local DESTDIR=
#   make bench      bench/startup; make bench-deps installs srt for bench/*

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
APPARMOR_DIR ?= /etc/apparmor.d
CC ?= cc
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
PKG_CONFIG ?= pkg-config

PKGS := libseccomp libcap libnl-3.0 libcrypto libssl \
	libnghttp2 \
	zlib

CFLAGS ?= -O2 -g
WERROR ?= -Werror
WARN := -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wimplicit-fallthrough -Wundef \
	-Wvla -Wno-format-nonliteral
HARDEN := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	-fstack-clash-protection -fPIE
LDHARD := -pie -Wl,-z,relro,-z,now,-z,noexecstack -Wl,--as-needed
ASANFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -U_FORTIFY_SOURCE

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
# The product links libcap and libnl statically: resolving their symbols
# at every start (-z now) cost more than the rest of the jail's setup.
# libcrypto and libssl (fwd/crypto.c) are loaded with dlopen() by the
# jails that need them, so nothing references them at link time and
# --as-needed leaves them out. libnftables runs at build time only
# (tools/nftgen.c). zlib (--review reading git's objects) is linked
# statically for the same reason as libcap, and so is libnghttp2 (HTTP/2
# through interception, fwd/h2.c): as a shared object it was loaded and
# resolved at every start (LD_DEBUG=statistics, `jail --net none -- true`:
# about 15% more time in the dynamic loader); linked statically it adds
# only ~250 relative relocations.
STATIC_LIBS := -Wl,-Bstatic -lcap -lnl-3 -lz -lnghttp2 \
	-Wl,-Bdynamic \
	-lpthread -ldl -lm
AUTOINIT := $(shell echo 'int main(void){return 0;}' | \
	$(CC) -x c -ftrivial-auto-var-init=zero -Werror -o /dev/null - \
	2>/dev/null && echo -ftrivial-auto-var-init=zero)

ifeq ($(SANITIZE),1)
BUILD := build-asan
MODE_CFLAGS := $(ASANFLAGS) -DJAIL_SANITIZE=1
MODE_LDFLAGS := -fsanitize=address,undefined -pie -Wl,-z,relro,-z,now
else
BUILD := build
MODE_CFLAGS := $(CFLAGS) $(HARDEN) $(AUTOINIT)
MODE_LDFLAGS := $(LDHARD)
endif

ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -I. $(WARN) $(MODE_CFLAGS) $(PKG_CFLAGS) \
	-DJAIL_INIT_BIN=\"$(BUILD)/jail-init\" \
	-DJAIL_FILTER_BLOB=\"$(BUILD)/filter-blob.inc\" \
	-DJAIL_NFT_BATCH=\"$(BUILD)/nft-batch.inc\"

# The setup modules at the root; each other subsystem in its folder
SUBDIRS := run view config fwd parse cmd host
SRCS := $(sort $(wildcard *.c)) $(sort $(foreach d,$(SUBDIRS),$(wildcard $(d)/*.c)))
HDRS := jail.h setup.h tools/filtergen.h $(foreach d,$(SUBDIRS),$(wildcard $(d)/*.h))
# tools/seccomp_rules.c (libseccomp) runs at build time only, through
# filtergen; the unit tests link it to compare the carried filter
RULES_SRC := tools/seccomp_rules.c tools/fwd_rules.c
LIBSRCS := $(filter-out jail.c,$(SRCS)) $(RULES_SRC)
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
LIBOBJS := $(LIBSRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_REPLAY := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/replay/%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)

ifeq ($(SANITIZE),1)
JAIL_BIN := $(BUILD)/jail
else
JAIL_BIN := jail
endif

.PHONY: all asan check deps run install uninstall fuzz fuzz-smoke lint \
	clean unit helpers replay bench bench-deps

all: $(JAIL_BIN)

$(BUILD)/%.o: %.c $(HDRS) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Each output directory is its own target: one that exists (an older
# build) must not keep its subdirectories from being made
$(BUILD) $(BUILD)/unit $(BUILD)/replay $(BUILD)/helpers:
	mkdir -p $@

# pid 1 of the jail: freestanding, static, a few KiB, carried inside the
# binary (initblob.c). No libc, so no stack protector (it would read a
# canary from thread-local storage that nothing set up).
$(BUILD)/jail-init: init.c | $(BUILD)
	$(CC) -std=gnu11 -DJAIL_INIT_STANDALONE -O2 -static -nostdlib \
		-fno-stack-protector -fno-pie -no-pie -fno-builtin \
		-fno-asynchronous-unwind-tables -Wl,--build-id=none \
		-Wl,-z,noexecstack -Wall -Wextra -Werror -o $@ $<
	strip $@

$(BUILD)/initblob.o: $(BUILD)/jail-init

# The seccomp filter, compiled from seccomp_rules.c with libseccomp on the
# build machine and carried by filterblob.c
RULES_OBJS := $(RULES_SRC:%.c=$(BUILD)/%.o)
$(BUILD)/filtergen: tools/filtergen.c $(RULES_OBJS) $(BUILD)/util.o | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(MODE_LDFLAGS) -o $@ $< $(RULES_OBJS) \
		$(BUILD)/util.o $(PKG_LIBS)

$(BUILD)/filter-blob.inc: $(BUILD)/filtergen
	$(BUILD)/filtergen >$@.tmp && mv $@.tmp $@

$(BUILD)/filterblob.o: $(BUILD)/filter-blob.inc

# The gateway's nftables rules, loaded once with libnftables in a scratch
# network namespace on the build machine; netns.c carries the netlink
# batch libnftables sent. Built without sanitizers: it stands in for
# sendmsg(), which the sanitizers' runtime intercepts too.
$(BUILD)/nftgen: tools/nftgen.c jail.h setup.h | $(BUILD)
	$(CC) -std=gnu11 -D_GNU_SOURCE -I. $(WARN) -O2 -o $@ $< \
		$(shell $(PKG_CONFIG) --cflags --libs libnftables 2>/dev/null)

$(BUILD)/nft-batch.inc: $(BUILD)/nftgen
	$(BUILD)/nftgen >$@.tmp && mv $@.tmp $@

$(BUILD)/netns.o: $(BUILD)/nft-batch.inc

ifeq ($(SANITIZE),1)
# As in the product: libssl and libcrypto are loaded on first use,
# libseccomp and libnftables only run at build time
BIN_LIBS := $(shell $(PKG_CONFIG) --libs libcap libnl-3.0 \
	zlib libnghttp2 2>/dev/null) -ldl
else
BIN_LIBS := $(STATIC_LIBS)
endif

$(JAIL_BIN): $(OBJS)
	$(CC) $(MODE_LDFLAGS) -o $@ $(OBJS) $(BIN_LIBS)

asan:
	$(MAKE) SANITIZE=1 all

# Unit tests link the module objects directly (STYLE 9)
$(BUILD)/unit/%: tests/unit/%.c $(LIBOBJS) tests/unit/tap.h | $(BUILD)/unit
	$(CC) $(ALL_CFLAGS) $(MODE_LDFLAGS) -o $@ $< $(LIBOBJS) $(PKG_LIBS)

# Fuzz harnesses also build with a replay main() run by `make check`
$(BUILD)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(LIBOBJS) | $(BUILD)/replay
	$(CC) $(ALL_CFLAGS) $(MODE_LDFLAGS) -o $@ $< tests/fuzz/replay.c \
		$(LIBOBJS) $(PKG_LIBS)

# Helpers that run inside the jail are static so they need nothing from
# the view
$(BUILD)/helpers/%: tests/helpers/%.c | $(BUILD)/helpers
	$(CC) -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -static \
		-o $@ $<

# The escape probe is several files: its subcommands by kind
PROBE_SRCS := $(wildcard tests/helpers/probe/*.c)
$(BUILD)/helpers/probe: tests/helpers/probe.c $(PROBE_SRCS) \
		tests/helpers/probe/probe.h | $(BUILD)/helpers
	$(CC) -std=gnu11 -D_GNU_SOURCE -I. -O1 -g -Wall -Wextra -Werror \
		-Wmissing-prototypes -static -o $@ tests/helpers/probe.c \
		$(PROBE_SRCS)

unit: $(UNIT_BINS)
replay: $(FUZZ_REPLAY)
helpers: $(HELPER_BINS)

# The suite also runs each libFuzzer harness for FUZZ_SMOKE_SECONDS
check: $(JAIL_BIN) $(UNIT_BINS) $(FUZZ_REPLAY) $(HELPER_BINS) $(FUZZ_BINS)
	JAIL_BIN=$(abspath $(JAIL_BIN)) BUILD=$(abspath $(BUILD)) \
		FUZZ_DIR=$(abspath build-fuzz) \
		FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) \
		SANITIZE=$(SANITIZE) ONLY='$(ONLY)' bash tests/run.sh

FUZZ_BASE := -std=gnu11 -D_GNU_SOURCE -I. -g -O1 -fno-sanitize-recover=all
FUZZ_FLAGS := $(FUZZ_BASE) -fsanitize=fuzzer,address,undefined
FUZZ_OBJ_FLAGS := $(FUZZ_BASE) -fsanitize=fuzzer-no-link,address,undefined
# The harnesses need no jail-init (initblob.c) nor the code that runs it
FUZZ_LIBSRCS := $(filter-out initblob.c run/child.c $(RULES_SRC),$(LIBSRCS))
FUZZ_LIBOBJS := $(FUZZ_LIBSRCS:%.c=build-fuzz/obj/%.o)
# The module objects are built once for every harness
.SECONDARY: $(FUZZ_LIBOBJS)
build-fuzz/obj:
	mkdir -p $@
build-fuzz/obj/%.o: %.c $(HDRS) | build-fuzz/obj
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_OBJ_FLAGS) $(PKG_CFLAGS) \
		-DJAIL_FILTER_BLOB=\"$(BUILD)/filter-blob.inc\" \
		-DJAIL_NFT_BATCH=\"$(BUILD)/nft-batch.inc\" -c -o $@ $<
# The generated rules of this build mode (build/ or build-asan/)
build-fuzz/obj/filterblob.o: $(BUILD)/filter-blob.inc
build-fuzz/obj/netns.o: $(BUILD)/nft-batch.inc
build-fuzz/%: tests/fuzz/%.c $(FUZZ_LIBOBJS)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIBOBJS) $(PKG_LIBS)

fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do \
		n=$${f#build-fuzz/fuzz-}; \
		mkdir -p build-fuzz/corpus-$$n; \
		echo "fuzz $$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
			-artifact_prefix=build-fuzz/crash-$$n- \
			build-fuzz/corpus-$$n tests/fuzz/corpus/$$n; \
	done

# A few seconds of each harness (FUZZ_SMOKE_SECONDS), from the checked-in
# seeds into a scratch corpus; a finding fails, its input is left in
# build-fuzz/crash-NAME-*
fuzz-smoke: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do \
		n=$${f#build-fuzz/fuzz-}; \
		rm -rf build-fuzz/smoke-$$n; mkdir -p build-fuzz/smoke-$$n; \
		if $$f -max_total_time=$(FUZZ_SMOKE_SECONDS) -max_len=4096 \
			-artifact_prefix=build-fuzz/crash-$$n- \
			build-fuzz/smoke-$$n tests/fuzz/corpus/$$n \
			>build-fuzz/smoke-$$n.log 2>&1; then \
			echo "fuzz-smoke $$n: $$(grep -o 'Done [0-9]* runs' \
				build-fuzz/smoke-$$n.log)"; \
		else \
			tail -30 build-fuzz/smoke-$$n.log; \
			echo "fuzz-smoke $$n: FAILED"; exit 1; \
		fi; \
	done

# Not part of check: SOAK_SECONDS (default 600) of steady traffic through
# one forwarder, whose memory must stay flat (bench/soak; needs root)
SOAK_SECONDS ?= 600
.PHONY: soak
soak: $(JAIL_BIN)
	SOAK_SECONDS=$(SOAK_SECONDS) JAIL=$(abspath $(JAIL_BIN)) bash bench/soak

run: $(JAIL_BIN)
	./$(JAIL_BIN) -- $${SHELL:-/bin/sh}

DEPS := build-essential pkg-config clang libclang-rt-14-dev \
	libseccomp-dev libcap-dev libnl-3-dev \
	libnftables-dev libssl-dev zlib1g-dev libnghttp2-dev bubblewrap mandoc iproute2 curl \
	util-linux procps git python3 strace gdb file cppcheck clang-tidy \
	shellcheck ca-certificates openssl hyperfine dnsutils socat zsh vim less \
	python3-websockets

deps:
	@if [ "$$(id -u)" != 0 ]; then \
		echo "make deps: run as root (installs packages, creates the" \
			"test user jailtest)"; exit 1; fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEPS)
	@# Node.js may come from elsewhere (its own npm conflicts with Debian's)
	command -v node >/dev/null || DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends nodejs
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends npm
	id jailtest >/dev/null 2>&1 || useradd -m -s /bin/bash jailtest

install: $(JAIL_BIN)
	install -D -m 0755 $(JAIL_BIN) $(DESTDIR)$(BINDIR)/jail
	install -D -m 0644 man/jail.1 $(DESTDIR)$(MANDIR)/man1/jail.1
	install -D -m 0644 completions/jail.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/jail
	install -D -m 0644 completions/_jail \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_jail
	@if [ -d /sys/kernel/security/apparmor ]; then \
		echo "install -D -m 0644 apparmor/jail $(DESTDIR)$(APPARMOR_DIR)/jail"; \
		install -D -m 0644 apparmor/jail $(DESTDIR)$(APPARMOR_DIR)/jail; \
		if [ -z "$(DESTDIR)" ] && command -v apparmor_parser >/dev/null; then \
			apparmor_parser -r $(APPARMOR_DIR)/jail || { \
				echo "make install: apparmor_parser refused the profile" \
					"(AppArmor before 4.0 has no userns rule, and no" \
					"restriction to lift); removed it"; \
				rm -f $(APPARMOR_DIR)/jail; }; \
		fi; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/jail $(DESTDIR)$(MANDIR)/man1/jail.1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/jail \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_jail
	@if [ -f $(DESTDIR)$(APPARMOR_DIR)/jail ]; then \
		if [ -z "$(DESTDIR)" ] && command -v apparmor_parser >/dev/null; then \
			apparmor_parser -R $(APPARMOR_DIR)/jail || true; \
		fi; \
		rm -f $(DESTDIR)$(APPARMOR_DIR)/jail; \
	fi

# Static analysis; any finding fails (STYLE 8). cppcheck checks the one
# configuration that is built (this architecture, jail-init embedded);
# clang-tidy reads .clang-tidy and runs one file per core, printing only
# the files with findings.
LINT_DEFS := -D_GNU_SOURCE -D__linux__ -D__$(shell uname -m)__ \
	-DJAIL_INIT_BIN=\"build/jail-init\" \
	-DJAIL_FILTER_BLOB=\"build/filter-blob.inc\" \
	-DJAIL_NFT_BATCH=\"build/nft-batch.inc\"
TIDY_FLAGS := -std=gnu11 -I. $(LINT_DEFS) $(PKG_CFLAGS)
SCRIPTS := tests/*.sh tests/escape/*.sh bench/startup bench/soak bench/slowloris \
	bench/tls bench/tty bench/exec bench/net .ci/run

LINT_SRCS := $(SRCS) tools/filtergen.c tools/nftgen.c $(RULES_SRC)
lint: build/filter-blob.inc build/nft-batch.inc
	cppcheck --quiet --error-exitcode=1 --inline-suppr \
		--enable=warning,portability,performance --std=c11 -I. \
		$(LINT_DEFS) $(LINT_SRCS)
	@echo "clang-tidy $(LINT_SRCS)"
	@printf '%s\n' $(LINT_SRCS) | xargs -P "$$(nproc)" -I{} sh -c \
		'out=$$(clang-tidy --quiet {} -- $(TIDY_FLAGS) 2>&1) || \
			{ printf "%s\n" "$$out"; exit 1; }'
	shellcheck -x -P SCRIPTDIR $(SCRIPTS)

bench: jail
	bash bench/startup

# What the benchmarks compare against, beyond make deps: srt
# (@anthropic-ai/sandbox-runtime, from npm) and what it runs on Linux:
# bubblewrap, socat (its proxy bridges) and ripgrep (its deny-path search).
# Installed packages are left as they are, so a second run changes nothing.
SRT_DEPS := bubblewrap socat ripgrep

bench-deps: deps
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SRT_DEPS)
	command -v srt >/dev/null || npm install -g @anthropic-ai/sandbox-runtime
	srt --version

clean:
	rm -rf build build-asan build-fuzz jail
