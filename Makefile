# lwkboot: the one entry point.
#   make            build everything: trampoline, loader, co-kernel, EFI host,
#                   lwkboot.ko for 6.1 and 6.12, the lwkboot command, unit tests
#   make test       every test: unit, fuzz smoke, module build, OVMF, Linux 6.1
#                   and 6.12 VMs, gdb; ends "N passed, N failed"
#   make run        boot the demo co-kernel next to Linux in QEMU and show its log
#   make run-linux  boot Debian's 6.12 kernel, unmodified, as a co-kernel next to
#                   Linux in QEMU and show both logs
#   make run-efi    boot the demo co-kernel standalone under QEMU/OVMF (8 CPUs)
#   make unit       host unit tests only
#   make fuzz       run the libFuzzer targets (FUZZ_SECONDS each, default 60)
#   make gdb        boot paused under gdb with the lwkboot commands (docs/debugging.md)
#   make bench      print the standalone-path and Linux-path figures
#   make stress     random concurrent use of the module's interface in a VM
#                   (STRESS_SECONDS, default 600; KSERIES; STRESS_SEED replays;
#                   STRESS_ONLY/STRESS_EXCLUDE: comma-separated operations)
#   make install    install the command, demo, module, monitor unit, man pages and
#                   bash completion (DESTDIR, PREFIX)
#   make man        the man pages lwkboot(8) and lwkboot.ko(4) in build/man/
#   make deb        Debian packages lwkboot and lwkboot-dkms in build/deb/
#   make debug-kernel  build the debug kernel once (KASAN, lockdep, UBSAN, kmemleak;
#                   then cached); make kmod KSERIES=debug, qemu/linux-vm --kernel debug
#   make clean
# Every target that needs a package calls scripts/install-deps first.

BUILD ?= build
CC ?= gcc
NASM ?= nasm
FUZZ_SECONDS ?= 60
STRESS_SECONDS ?= 600
STRESS_PROCS ?= 4
STRESS_SEED ?=
STRESS_ONLY ?=
STRESS_EXCLUDE ?=

WARN := -Wall -Wextra -Werror
# The version `lwkboot --version` and the man pages print: the VERSION file,
# the one place it is written (a packager may pass LWKB_VERSION=...).
LWKB_VERSION ?= $(shell cat VERSION)
LOADER_SRCS := $(wildcard loader/*.c)
# loader/'s headers: lwkb_loader.h for ring 0 and firmware, the narrow
# lwkb_parse.h and lwkb_elf.h (which it includes) for user space too.
LOADER_HDRS := loader/lwkb_loader.h loader/lwkb_parse.h loader/lwkb_elf.h loader/lwkb_linux.h
INCLUDES := $(wildcard include/lwkboot/*.h) $(LOADER_HDRS)
# Set before the rules that name them (make expands prerequisites as it reads).
MAN_PAGES := $(BUILD)/man/lwkboot.8 $(BUILD)/man/lwkboot.ko.4

# Freestanding code: no libc, no red zone (interrupts and exceptions run on
# the same stack), no SSE (nothing saves vector state), no stack protector.
FREESTANDING := -std=c11 -ffreestanding -fno-builtin -nostdlib -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-pic -fno-pie -O2 -g $(WARN)

.PHONY: all deps deps-build test unit qemu-tests fuzz stress bench run run-linux run-efi gdb clean help
all: deps-build $(BUILD)/cokernel/cokernel.elf $(BUILD)/efi/BOOTX64.EFI \
	$(BUILD)/host/unit-tests $(BUILD)/tools/lwkboot $(BUILD)/tools/lwkb-timeit \
	$(BUILD)/tools/libihk.so $(BUILD)/tools/ihkconfig $(BUILD)/tools/ihkosctl \
	$(BUILD)/tests/lwkb-openrace $(BUILD)/tests/lwkb-rawctl $(BUILD)/tests/lwkb-stress $(BUILD)/tests/lwkb-jsoncheck \
	$(BUILD)/tests/lwkb-ihkfreeze \
	$(BUILD)/host/json-tests $(MAN_PAGES) kmod-all cok-initrd

help:
	@sed -n '2,23p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@scripts/install-deps all
deps-build:
	@scripts/install-deps efi

# ---- constants for NASM from the C headers (include/lwkboot/asm-offsets.h) ----
# $(call asm_offsets,CFLAGS): compile an asm-offsets.c to assembly only and
# turn its markers into "NAME equ VALUE" lines.
define asm_offsets
	@mkdir -p $(dir $@)
	$(CC) $(1) -S $< -o $(@:.inc=.s)
	scripts/asm-offsets $(@:.inc=.s) $< > $@.tmp && mv $@.tmp $@
endef

# ---- trampoline ----
$(BUILD)/gen/trampoline/asm-offsets.inc: trampoline/asm-offsets.c $(wildcard include/lwkboot/*.h) \
		scripts/asm-offsets
	$(call asm_offsets,$(FREESTANDING) -Iinclude)
$(BUILD)/trampoline/trampoline.elf: trampoline/trampoline.asm $(BUILD)/gen/trampoline/asm-offsets.inc
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -I$(BUILD)/gen/trampoline/ $< -o $(BUILD)/trampoline/trampoline.o
	ld -m elf_x86_64 -Ttext=0 -e tramp_start -o $@ $(BUILD)/trampoline/trampoline.o
$(BUILD)/trampoline/trampoline.bin: $(BUILD)/trampoline/trampoline.elf
	objcopy -O binary -j .text $< $@
$(BUILD)/gen/tramp_blob.c: $(BUILD)/trampoline/trampoline.bin loader/gen-blob.sh
	@mkdir -p $(dir $@)
	loader/gen-blob.sh $< > $@
# Symbol offsets for tests and gdb: #define TRAMP_SYM_<name> 0x<offset>
$(BUILD)/gen/tramp_syms.h: $(BUILD)/trampoline/trampoline.elf
	@mkdir -p $(dir $@)
	nm $< | awk '$$2 ~ /^[TtAa]$$/ && $$3 !~ /\./ { printf "#define TRAMP_SYM_%s 0x%sULL\n", $$3, $$1 }' > $@

# ---- co-kernel (freestanding, linked at 0xffffffff80000000) ----
# Unwind tables only as debug info (.debug_frame), not loaded: gdb unwinds
# a dump's stacks with them (lwkboot dump, docs/debugging.md).
COK_CFLAGS := $(FREESTANDING) -mcmodel=kernel -fno-asynchronous-unwind-tables \
	-Icokernel -Iloader -Iinclude
COK_SRCS := $(filter-out cokernel/lib/asm-offsets.c,$(wildcard cokernel/lib/*.c)) \
	$(wildcard cokernel/demo/*.c)
COK_OBJS := $(patsubst %.c,$(BUILD)/cok/%.o,$(COK_SRCS) $(LOADER_SRCS)) \
	$(BUILD)/cok/gen/tramp_blob.o $(BUILD)/cok/cokernel/lib/entry.o
$(BUILD)/cok/%.o: %.c $(INCLUDES) $(wildcard cokernel/*.h cokernel/lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(COK_CFLAGS) -c $< -o $@
$(BUILD)/cok/gen/tramp_blob.o: $(BUILD)/gen/tramp_blob.c
	@mkdir -p $(dir $@)
	$(CC) $(COK_CFLAGS) -c $< -o $@
$(BUILD)/gen/cokernel/asm-offsets.inc: cokernel/lib/asm-offsets.c $(INCLUDES) \
		$(wildcard cokernel/*.h cokernel/lib/*.h) scripts/asm-offsets
	$(call asm_offsets,$(COK_CFLAGS))
$(BUILD)/cok/cokernel/lib/entry.o: cokernel/lib/entry.asm $(BUILD)/gen/cokernel/asm-offsets.inc
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -I$(BUILD)/gen/cokernel/ $< -o $@
$(BUILD)/cokernel/cokernel.elf: $(COK_OBJS) cokernel/cokernel.ld
	@mkdir -p $(dir $@)
	ld -m elf_x86_64 -nostdlib -z max-page-size=4096 -z noexecstack \
		-T cokernel/cokernel.ld -o $@ $(COK_OBJS)

# ---- EFI host (GNU-EFI) ----
EFI_INC := -I/usr/include/efi -I/usr/include/efi/x86_64
EFI_CFLAGS := -std=c11 -ffreestanding -fno-builtin -fpic -fshort-wchar -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-stack-check \
	-maccumulate-outgoing-args -DEFI_FUNCTION_WRAPPER -O2 -g $(WARN) -Iloader -Iinclude
EFI_SRCS := $(wildcard efi/*.c)
EFI_OBJS := $(patsubst %.c,$(BUILD)/efiobj/%.o,$(EFI_SRCS) $(LOADER_SRCS)) \
	$(BUILD)/efiobj/gen/tramp_blob.o
$(BUILD)/efiobj/efi/%.o: efi/%.c $(INCLUDES) $(wildcard efi/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) $(EFI_INC) -c $< -o $@
$(BUILD)/efiobj/loader/%.o: loader/%.c $(INCLUDES)
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@
$(BUILD)/efiobj/gen/tramp_blob.o: $(BUILD)/gen/tramp_blob.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@
$(BUILD)/efi/lwkboot.so: $(EFI_OBJS)
	@mkdir -p $(dir $@)
	ld -nostdlib -znocombreloc -T /usr/lib/elf_x86_64_efi.lds -shared -Bsymbolic \
		-L/usr/lib /usr/lib/crt0-efi-x86_64.o $(EFI_OBJS) -o $@ -lefi -lgnuefi
$(BUILD)/efi/BOOTX64.EFI: $(BUILD)/efi/lwkboot.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .reloc --target=efi-app-x86_64 $< $@

# ---- kernel module (Kbuild), one build directory per kernel release ----
# make kmod [KSERIES=6.1|6.12|debug] [KDIR=/path/to/headers] [C=1 for sparse]
# KSERIES=debug: the debug kernel (KASAN, lockdep, ...) of scripts/debug-kernel,
# built first if its cache does not have it yet.
KSERIES ?= 6.1
KREL = $(shell scripts/kernel-version $(KSERIES))
ifeq ($(KSERIES),debug)
KDIR ?= $(shell scripts/debug-kernel --print-dir)/build
KMOD_REL = $(shell cat $(KDIR)/include/config/kernel.release)
else
KDIR ?= /usr/src/linux-headers-$(KREL)
# Build directory name: the release (Debian headers are linux-headers-<release>).
KMOD_REL = $(patsubst linux-headers-%,%,$(notdir $(patsubst %/build,%,$(KDIR))))
endif
# Kbuild builds in KMOD_OUT (M=) from the sources where they are (kmod/Kbuild);
# KMOD_OUT's own Kbuild is one line that includes kmod/Kbuild.  A directory
# of the old layout (symlinks to the sources) or built against another KDIR
# is started afresh.
KMOD_OUT = $(abspath $(BUILD))/kmod/$(KMOD_REL)
.PHONY: kmod kmod-all debug-kernel
kmod: $(BUILD)/gen/tramp_blob.c $(if $(filter debug,$(KSERIES)),debug-kernel)
	@scripts/install-deps linux
	@d=$(KMOD_OUT); \
	if [ -L $$d/Kbuild ]; then rm -rf $$d; \
	elif [ -f $$d/.kdir ] && [ "$$(cat $$d/.kdir)" != "$(KDIR)" ]; then \
		echo "kmod: $(KMOD_REL) is now built against $(KDIR): starting afresh"; rm -rf $$d; fi; \
	mkdir -p $$d; echo "$(KDIR)" > $$d/.kdir; \
	echo 'include $$(LWKB_SRC)/kmod/Kbuild' > $$d/Kbuild; \
	$(MAKE) -C $(KDIR) M=$$d LWKB_SRC=$(CURDIR) LWKB_GEN=$(abspath $(BUILD)/gen) \
		W=1 $(if $(C),C=$(C)) modules
kmod-all:
	@$(MAKE) --no-print-directory kmod KSERIES=6.1
	@$(MAKE) --no-print-directory kmod KSERIES=6.12
	@$(MAKE) --no-print-directory lwkcon KSERIES=6.1
	@$(MAKE) --no-print-directory lwkcon KSERIES=6.12

# lwkcon.ko for a Linux co-kernel of that series (cokernel/linux/Kbuild),
# in build/lwkcon/<release>/ as lwkboot.ko is in build/kmod/<release>/.
LWKCON_OUT = $(abspath $(BUILD))/lwkcon/$(KMOD_REL)
.PHONY: lwkcon
lwkcon:
	@scripts/install-deps linux
	@d=$(LWKCON_OUT); mkdir -p $$d; \
	echo 'include $$(LWKB_SRC)/cokernel/linux/Kbuild' > $$d/Kbuild; \
	$(MAKE) -C $(KDIR) M=$$d LWKB_SRC=$(CURDIR) W=1 $(if $(C),C=$(C)) modules

# The Linux co-kernel's initramfs (busybox, lwkcon.ko of each series, /init):
# scripts/linux-cok-initrd; qemu/linux-vm puts it at /usr/share/lwkboot/linux/.
.PHONY: cok-initrd
cok-initrd: kmod-all
	scripts/linux-cok-initrd $(BUILD)/linux-cok/initrd.img $(BUILD)
# The debug kernel: a no-op once it is in the cache (scripts/debug-kernel --help).
debug-kernel:
	@scripts/install-deps debug
	@scripts/debug-kernel >/dev/null

# ---- tools: the lwkboot command (static: it also runs in the VM's initramfs) ----
# tools/*.c but timeit.c (lwkb-timeit), and loader/'s pure parts: the parsers
# (with lwkb_err and what they use of lib.c) and the ELF check.
TOOL_SRCS := $(filter-out tools/timeit.c,$(wildcard tools/*.c)) \
	loader/parse.c loader/format.c loader/lib.c loader/elf.c loader/linux.c
# Static by default: it also runs alone in the Linux VM's initramfs (the
# Debian package links it dynamically, with Debian's flags: TOOL_LDFLAGS,
# TOOL_CFLAGS).
TOOL_LDFLAGS ?= -static
TOOL_CFLAGS ?=
$(BUILD)/tools/lwkboot: $(TOOL_SRCS) $(wildcard tools/*.h) $(INCLUDES) VERSION
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g $(WARN) $(TOOL_CFLAGS) $(TOOL_LDFLAGS) -Iinclude -Iloader -Itools \
		-DLWKB_VERSION='"$(LWKB_VERSION)"' -o $@ $(TOOL_SRCS)
# ihkconfig and ihkosctl: the command under IHK's names (tools/ihkcmd.c).
$(BUILD)/tools/ihkconfig $(BUILD)/tools/ihkosctl: $(BUILD)/tools/lwkboot
	ln -sf lwkboot $@
# libihk.so: IHK's library API over the module (tools/ihk/, docs/ihk.md).
# Only the ihk_* functions (and IHK's loglevel, ihklib_*_open) are exported.
IHKLIB_SRCS := tools/ihk/ihklib.c tools/liblwkboot.c loader/parse.c loader/format.c \
	loader/lib.c loader/elf.c
$(BUILD)/tools/libihk.so: $(IHKLIB_SRCS) tools/ihk/ihklib.h tools/liblwkboot.h $(INCLUDES)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g $(WARN) $(TOOL_CFLAGS) -fPIC -fvisibility=hidden -shared \
		-Wl,-soname,libihk.so -Wl,-z,defs $(filter-out -static,$(TOOL_LDFLAGS)) \
		-Iinclude -Iloader -Itools -Itools/ihk -o $@ $(IHKLIB_SRCS)
$(BUILD)/tools/lwkb-timeit: tools/timeit.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(WARN) -static -o $@ $<
# Test programs that run in the VM's initramfs (static, like the tool).
$(BUILD)/tests/lwkb-openrace: tests/linux/openrace.c $(INCLUDES)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(WARN) -static -Iinclude -o $@ $<
$(BUILD)/tests/lwkb-rawctl: tests/linux/rawctl.c $(INCLUDES)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(WARN) -static -Iinclude -o $@ $<
# libihk's freeze and thaw over two instances, linked with libihk's sources.
$(BUILD)/tests/lwkb-ihkfreeze: tests/linux/ihkfreeze.c $(IHKLIB_SRCS) tools/ihk/ihklib.h $(INCLUDES)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(WARN) $(TOOL_CFLAGS) -static -Iinclude -Iloader -Itools -Itools/ihk \
		-o $@ $< $(IHKLIB_SRCS)
# The JSON checker of the --json tests (tests/tools/jsoncheck.c), in the VM too.
$(BUILD)/tests/lwkb-jsoncheck: tests/tools/jsoncheck.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(WARN) -static -o $@ $<
# The stress and fuzz harness of the module's interface.
$(BUILD)/tests/lwkb-stress: tests/stress/lwkb-stress.c $(INCLUDES)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g $(WARN) -static -Iinclude -o $@ $<

# ---- man pages: docs/man/*.txt to roff (scripts/gen-man) ----
# lwkboot(8) takes its options and commands from `lwkboot --help` (the table
# in tools/main.c), lwkboot.ko(4) its parameters from kmod/'s sources.
KMOD_PARAM_SRCS := $(wildcard kmod/*.c)
.PHONY: man
man: $(MAN_PAGES)
$(BUILD)/man/lwkboot.8: docs/man/lwkboot.8.txt scripts/gen-man $(BUILD)/tools/lwkboot VERSION
	@mkdir -p $(dir $@)
	$(BUILD)/tools/lwkboot --help > $@.help
	scripts/gen-man --version $(LWKB_VERSION) --help-text $@.help $< > $@.tmp && mv $@.tmp $@
$(BUILD)/man/lwkboot.ko.4: docs/man/lwkboot.ko.4.txt scripts/gen-man $(KMOD_PARAM_SRCS) VERSION
	@mkdir -p $(dir $@)
	scripts/gen-man --version $(LWKB_VERSION) --params "$(KMOD_PARAM_SRCS)" $< > $@.tmp && mv $@.tmp $@

# ---- host unit tests (loader/ compiled for the host, with sanitizers) ----
HOST_CFLAGS := -std=c11 -O1 -g $(WARN) -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Iloader -Iinclude -I$(BUILD)/gen
# test_tramp.c reads the generated NASM constants to see that it checks each.
UNIT_DEFS := -DTRAMP_ASM_OFFSETS_INC='"$(abspath $(BUILD))/gen/trampoline/asm-offsets.inc"'
UNIT_SRCS := $(wildcard tests/unit/*.c)
$(BUILD)/host/unit-tests: $(UNIT_SRCS) $(LOADER_SRCS) $(BUILD)/gen/tramp_blob.c \
		$(BUILD)/gen/tramp_syms.h $(INCLUDES) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(UNIT_DEFS) -o $@ $(UNIT_SRCS) $(LOADER_SRCS) $(BUILD)/gen/tramp_blob.c -lpthread

# tools/json.c's strings against that checker (tests/tools/run runs it).
$(BUILD)/host/json-tests: tests/tools/json-test.c tests/tools/jsoncheck.c tools/json.c \
		tools/json.h $(INCLUDES)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itools -Itests/tools -o $@ tests/tools/json-test.c tools/json.c

unit: deps-build $(BUILD)/host/unit-tests
	$(BUILD)/host/unit-tests

# ---- fuzzing (libFuzzer, clang) ----
FUZZ_CFLAGS := -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -Iloader -Iinclude
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/unit/elf_image.h $(LOADER_SRCS) $(BUILD)/gen/tramp_blob.c $(INCLUDES)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LOADER_SRCS) $(BUILD)/gen/tramp_blob.c
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
fuzz:
	@scripts/install-deps fuzz
	@$(MAKE) --no-print-directory $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
	@tests/fuzz/run $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ---- stress: tests/stress/stress.sh in a 6-CPU VM for STRESS_SECONDS ----
# SLUB poisoning and red zones make a use-after-free show in the log, and
# without Debian's init_on_alloc a copy of uninitialised memory to user space
# shows as poison; the larger log buffer keeps every report of a long run.
STRESS_APPEND = lwkb.stress_seconds=$(STRESS_SECONDS) lwkb.stress_procs=$(STRESS_PROCS) \
	$(if $(STRESS_SEED),lwkb.stress_seed=$(STRESS_SEED)) \
	$(if $(STRESS_ONLY),lwkb.stress_only=$(STRESS_ONLY)) \
	$(if $(STRESS_EXCLUDE),lwkb.stress_exclude=$(STRESS_EXCLUDE)) \
	slub_debug=FZPU init_on_alloc=0 log_buf_len=8M
stress:
	@scripts/install-deps all
	@$(MAKE) --no-print-directory all
	@$(if $(filter debug,$(KSERIES)),$(MAKE) --no-print-directory kmod KSERIES=debug)
	qemu/linux-vm --kernel $(KSERIES) --smp 6 --timeout $$(( $(STRESS_SECONDS) + 900 )) \
		--append "$(STRESS_APPEND)" tests/stress/stress.sh

# ---- QEMU ----
run:
	@scripts/install-deps all
	@$(MAKE) --no-print-directory all
	qemu/linux-vm --smp 4 qemu/demo.sh

gdb:
	@scripts/install-deps all
	@$(MAKE) --no-print-directory all
	qemu/gdb --efi

# An unmodified Debian 6.12 kernel as the co-kernel next to a 6.1 host; both
# logs (the co-kernel's early console on the second UART also goes to
# build/linux-cok-com2.log).
run-linux:
	@scripts/install-deps all
	@$(MAKE) --no-print-directory all
	qemu/linux-vm --smp 4 --out $(BUILD)/linux-cok-com2.log qemu/run-linux.sh

run-efi:
	@scripts/install-deps all
	@$(MAKE) --no-print-directory all
	qemu/efi-boot --smp 8

qemu-tests:
	@scripts/install-deps all
	@$(MAKE) --no-print-directory all
	tests/qemu/run-efi-tests

test:
	@scripts/install-deps all
	@$(MAKE) --no-print-directory all
	@tests/run-all

bench:
	@scripts/install-deps all
	@$(MAKE) --no-print-directory all
	bench/efi-bench
	@echo
	bench/linux-bench
	@echo
	bench/linux-mem-bench

# ---- install: the command, the demo co-kernel, the module for the running
# kernel (if built for it), the monitor's systemd unit, the man pages, the
# bash completion, the docs ----
DESTDIR ?=
PREFIX ?= /usr
KRUN := $(shell uname -r)
.PHONY: install
# What the lwkboot package installs (install-user, below), and the module.
install: install-user
	@if [ -f $(BUILD)/kmod/$(KRUN)/lwkboot.ko ]; then \
		install -D -m 0644 $(BUILD)/kmod/$(KRUN)/lwkboot.ko $(DESTDIR)/lib/modules/$(KRUN)/extra/lwkboot.ko; \
	else echo "install: no lwkboot.ko built for the running kernel $(KRUN): make kmod KDIR=/lib/modules/$(KRUN)/build"; fi

# ---- what the Debian packages install (debian/rules; make deb) ----
.PHONY: user install-user dkms-src deb
# The command and the demo co-kernel: no module, no EFI host.
user: $(BUILD)/tools/lwkboot $(BUILD)/tools/libihk.so $(BUILD)/cokernel/cokernel.elf \
	$(BUILD)/gen/tramp_blob.c
install-user: user $(MAN_PAGES)
	install -D -m 0755 $(BUILD)/tools/lwkboot $(DESTDIR)$(PREFIX)/sbin/lwkboot
	ln -sf lwkboot $(DESTDIR)$(PREFIX)/sbin/ihkconfig
	ln -sf lwkboot $(DESTDIR)$(PREFIX)/sbin/ihkosctl
	install -D -m 0644 $(BUILD)/tools/libihk.so $(DESTDIR)$(PREFIX)/lib/lwkboot/libihk.so
	install -D -m 0644 tools/ihk/ihklib.h $(DESTDIR)$(PREFIX)/include/lwkboot/ihklib.h
	install -D -m 0644 $(BUILD)/man/lwkboot.8 $(DESTDIR)$(PREFIX)/share/man/man8/lwkboot.8
	install -D -m 0644 $(BUILD)/man/lwkboot.ko.4 $(DESTDIR)$(PREFIX)/share/man/man4/lwkboot.ko.4
	ln -sf lwkboot.8 $(DESTDIR)$(PREFIX)/share/man/man8/ihkconfig.8
	ln -sf lwkboot.8 $(DESTDIR)$(PREFIX)/share/man/man8/ihkosctl.8
	install -D -m 0644 tools/lwkboot.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/lwkboot
	install -D -m 0644 $(BUILD)/cokernel/cokernel.elf $(DESTDIR)$(PREFIX)/lib/lwkboot/cokernel.elf
	install -D -m 0644 tools/lwkboot-monitor.service $(DESTDIR)/lib/systemd/system/lwkboot-monitor.service
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/lwkboot/README.md
	install -m 0644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/lwkboot/
# The module's source for DKMS, and its modprobe.d file.
dkms-src: $(BUILD)/gen/tramp_blob.c
	d=$(DESTDIR)/usr/src/lwkboot-$(LWKB_VERSION); \
	install -d $$d/kmod $$d/loader $$d/include/lwkboot $$d/gen; \
	install -m 0644 kmod/*.c kmod/*.h kmod/Kbuild $$d/kmod/; \
	install -m 0644 loader/*.c loader/*.h $$d/loader/; \
	install -m 0644 include/lwkboot/*.h $$d/include/lwkboot/; \
	install -m 0644 $(BUILD)/gen/tramp_blob.c $$d/gen/; \
	install -m 0644 kmod/dkms/Makefile $$d/Makefile
	install -D -m 0644 kmod/dkms/lwkboot.conf $(DESTDIR)/etc/modprobe.d/lwkboot.conf
# build/deb/lwkboot_*.deb and lwkboot-dkms_*.deb, built in a copy of the tree.
deb:
	@scripts/install-deps deb
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	tar --exclude=./$(BUILD) --exclude=./.git -cf - . | tar -xf - -C $(BUILD)/deb/src
	cd $(BUILD)/deb/src && dpkg-buildpackage -us -uc
	@ls $(BUILD)/deb/*.deb

clean:
	rm -rf $(BUILD)
