# SPDX-License-Identifier: GPL-2.0
#
# xdiscon: the project's entry point.  Kbuild (the file named Kbuild)
# builds the module; this Makefile drives everything around it:
#
#   make check     set up, build, run KUnit and the selftests in VMs
#                  (debug 7.x, Debian's stock 6.12 and 6.1), print the
#                  verdict
#   make demo      set up, build, run the transaction-total demo in a VM
#   make           the module against KDIR (the running kernel's headers),
#                  libxdiscon, xdcat, examples: no set-up
#   make selftests the selftests (uring_test needs liburing-dev)
#   make module-debug7 / module-stock / module-stock612 / module-debug
#                  the module for a test kernel (build/debug7, build/stock,
#                  build/stock612, build/debug), W=1 and sparse
#   make vm-debug7 / vm-stock / vm-stock612 / vm-debug
#                  one VM run, results under build/results/
#   make lint      checkpatch --strict on the kernel sources
#   make bench     benchmarks in a VM on the stock kernel (build/results/bench)
#   make bench-ab BASE=<rev>   the module at <rev> against this tree's, in
#                  one boot (build/results/bench-ab)
#   make install / uninstall   (DESTDIR, PREFIX, KVER or KDIR)
#   make dkms-src  the DKMS source tree under $(DESTDIR)/usr/src
#
# Variables: XDISCON_KVM=1 uses KVM where it works; T="a b" runs only the
# selftests named (e.g. T=core_test) in vm-* runs; LINUX7 is the Debian
# linux-source version of the 7.x test kernel (fetch-source.sh says which
# ones Debian offers when the pinned one is gone).

SHELL      := /bin/bash
TOP        := $(CURDIR)
BUILD      := $(TOP)/build
RESULTS    := $(BUILD)/results
VM         := $(TOP)/tools/testing/vm
ST_SRC     := $(TOP)/tools/testing/selftests/xdiscon
ST_OUT     := $(BUILD)/selftests

VERSION    := 1.0.0
SOVERSION  := 1
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
# The interpreter make install installs the Python package (tools/python) for.
PYTHON     ?= python3
KVER       ?= $(shell uname -r)
KDIR       ?= /lib/modules/$(KVER)/build

KSRCS      := Kbuild $(shell find net kunit include -name '*.[ch]')
CHECK_SRCS := $(filter %.c %.h,$(KSRCS))

# Debian 12's stock kernels, 6.1 and 6.12: the newest installed headers
# of each and their images.
stock_kdir   = $(lastword $(shell printf '%s\n' $(filter-out %-cloud-amd64 %-rt-amd64,\
	$(wildcard /usr/src/linux-headers-$(1).*-amd64)) | sort -V))
STOCK_KDIR     = $(call stock_kdir,6.1)
STOCK_KVER     = $(patsubst /usr/src/linux-headers-%,%,$(STOCK_KDIR))
STOCK_IMAGE    = /boot/vmlinuz-$(STOCK_KVER)
STOCK612_KDIR  = $(call stock_kdir,6.12)
STOCK612_KVER  = $(patsubst /usr/src/linux-headers-%,%,$(STOCK612_KDIR))
STOCK612_IMAGE = /boot/vmlinuz-$(STOCK612_KVER)
# The debug test kernels' build trees (built once, cached by kernel.sh):
# the newest 7.x from Debian testing/backports, which make check runs;
# 6.12 from Debian 12 and the KCSAN 6.12 (KCSAN cannot share a kernel
# with KASAN), which make vm-debug and make soak run.
LINUX7      ?= 7.3.4-1~bpo13+1
DEBUG_KDIR  = $$($(VM)/kernel.sh 6.12)
DEBUG7_KDIR = $$($(VM)/kernel.sh $(LINUX7) linux7.config)
KCSAN_KDIR  = $$($(VM)/kernel.sh 6.12 kcsan.config)
LINUX7_LABEL = debug-$(shell echo '$(LINUX7)' | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')

VNG_ACCEL  := $(if $(XDISCON_KVM),,--disable-kvm)
# The guest sees the host's root, udev rules included; with all of them,
# virtme-init's udev coldplug takes minutes on a debug kernel under
# emulation.  The VMs get only the rules they need (tools/testing/vm/udev).
VNG        := vng $(VNG_ACCEL) --user root --cpus 2 --memory 2G \
	      --rodir=/usr/lib/udev/rules.d=$(VM)/udev

# The selftests each kernel's VM runs, in order: their own Makefile
# derives the lists from the sources.
DEBUG_T    := $(shell $(MAKE) --no-print-directory -s -C $(ST_SRC) run-order-debug)
STOCK_T    := $(shell $(MAKE) --no-print-directory -s -C $(ST_SRC) run-order-stock)
T          ?=
# Every suite kunit/ declares.
KUNIT_SUITES := $(shell sed -n 's/^\t\.name = "\(xdiscon_[a-z_]*\)",$$/\1/p' kunit/*.c)

LIB_SRC    := tools/lib/xdiscon
LIB_OUT    := $(BUILD)/lib
LIB_SO     := $(LIB_OUT)/libxdiscon.so.$(VERSION)
LIB_A      := $(LIB_OUT)/libxdiscon.a
LIB_HDRS   := $(wildcard $(LIB_SRC)/include/xdiscon/*.h) \
	      include/uapi/linux/xdiscon.h
EXAMPLES   := txn_client txn_server
MAN_PAGES  := $(wildcard $(LIB_SRC)/man/*.[137])

# Library, tool and examples: C11, warnings are errors.
CFLAGS_LIB := -std=c11 -O2 -g -Wall -Wextra -Werror -fPIC \
	      -I$(TOP)/$(LIB_SRC)/include -I$(TOP)/include/uapi
# The kselftest harness macros pass parameters that some tests ignore and
# compare literals with unsigned values; its setjmp trips -Wclobbered.
CFLAGS_USER := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	       -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered \
	       -I$(TOP)/include/uapi -I$(TOP)/tools/testing/selftests \
	       -I$(TOP)/$(LIB_SRC)/include

.PHONY: bench bench-ab soak all setup module module-debug module-debug7 module-stock \
	module-stock612 module-kcsan selftests lint check demo vm-debug vm-debug7 vm-stock \
	vm-stock612 clean lib xdcat examples lib-test install \
	uninstall module-install install-test dkms-src dkms-test dkms-clean

all: module lib xdcat examples

setup:
	@$(VM)/setup.sh

# -- the module -------------------------------------------------------------

# The module against KDIR, as any out-of-tree module builds: no set-up.
module:
	@rm -rf $(BUILD)/module && mkdir -p $(BUILD)/module
	@cp -a --parents $(KSRCS) $(BUILD)/module/
	$(MAKE) -C $(KDIR) M=$(BUILD)/module modules

# Build the module in build/<name>/ against a test kernel, warnings as
# failures: W=1 and sparse on every file (C=2), with a sparse that tree
# accepts (fetch-sparse.sh).  Writes host-build-<name>.tap.
# $(1): name, $(2): kernel build directory (shell expression).
define build_module
	@rm -rf $(BUILD)/$(1) && mkdir -p $(BUILD)/$(1) $(RESULTS)/host
	@cp -a --parents $(KSRCS) $(BUILD)/$(1)/
	@kdir=$(2); [ -n "$$kdir" ] || exit 1; set -o pipefail; \
	check=$$($(VM)/fetch-sparse.sh "$$kdir") || exit 1; \
	if $(MAKE) -s -C "$$kdir" M=$(BUILD)/$(1) W=1 C=2 CHECK="$$check" modules \
		>$(BUILD)/$(1)/build.log 2>&1 && \
	   ! grep -E 'warning|error' $(BUILD)/$(1)/build.log; then \
		r="ok"; else r="not ok"; cat $(BUILD)/$(1)/build.log; fi; \
	printf 'TAP version 13\n1..1\n%s 1 module builds against %s at W=1 with sparse, no warnings\n' \
		"$$r" "$$kdir" >$(RESULTS)/host/host-build-$(1).tap; \
	echo "build $(1): $$r"; [ "$$r" = ok ]
endef

module-debug: setup
	$(call build_module,debug,$(DEBUG_KDIR))

module-debug7: setup
	$(call build_module,debug7,$(DEBUG7_KDIR))

module-stock: setup
	$(call build_module,stock,$(STOCK_KDIR))

module-stock612: setup
	$(call build_module,stock612,$(STOCK612_KDIR))

module-kcsan: setup
	$(call build_module,kcsan,$(KCSAN_KDIR))

# checkpatch --strict --no-tree, 6.12's (tools/testing/vm/checkpatch.sh).
lint: setup
	@mkdir -p $(RESULTS)/host; \
	if $(VM)/checkpatch.sh --strict --no-tree --terse -q -f $(CHECK_SRCS) \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG | grep -v '^total:'; \
		[ $${PIPESTATUS[0]} = 0 ]; then r=ok; else r="not ok"; fi; \
	printf 'TAP version 13\n1..1\n%s 1 checkpatch --strict clean\n' "$$r" \
		>$(RESULTS)/host/host-lint.tap; echo "lint: $$r"

# -- libxdiscon, xdcat, examples ------------------------------------------

lib: $(LIB_SO) $(LIB_A)

$(LIB_OUT)/%.o: $(LIB_SRC)/%.c $(LIB_HDRS)
	@mkdir -p $(LIB_OUT)
	$(CC) $(CFLAGS_LIB) -c -o $@ $<

$(LIB_SO): $(LIB_OUT)/xdiscon.o $(LIB_OUT)/winsock.o $(LIB_SRC)/libxdiscon.map
	$(CC) -shared -Wl,-soname,libxdiscon.so.$(SOVERSION) \
		-Wl,--version-script=$(LIB_SRC)/libxdiscon.map -o $@ \
		$(LIB_OUT)/xdiscon.o $(LIB_OUT)/winsock.o
	ln -sf $(notdir $@) $(LIB_OUT)/libxdiscon.so.$(SOVERSION)
	ln -sf $(notdir $@) $(LIB_OUT)/libxdiscon.so

$(LIB_A): $(LIB_OUT)/xdiscon.o $(LIB_OUT)/winsock.o
	$(AR) rcs $@ $^

$(LIB_OUT)/lib_test: $(LIB_SRC)/tests/lib_test.c $(wildcard $(LIB_SRC)/*.c) $(LIB_HDRS)
	$(CC) $(CFLAGS_USER) -o $@ $<

# Host-side unit tests of the library, counted in make check.
lib-test: $(LIB_OUT)/lib_test
	@mkdir -p $(RESULTS)/host
	-@$(LIB_OUT)/lib_test >$(RESULTS)/host/host-lib.tap 2>&1; \
		echo "lib-test: exit $$?"

xdcat: $(BUILD)/bin/xdcat

$(BUILD)/bin/xdcat: tools/xdcat/xdcat.c $(LIB_HDRS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -o $@ $< $(LIB_A)

examples: $(addprefix $(BUILD)/examples/,$(EXAMPLES)) $(BUILD)/bench/xdbench

$(BUILD)/bench/xdbench: tools/bench/xdbench.c $(LIB_HDRS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -o $@ $< $(LIB_A) -lpthread

# Each example is its main plus the shared transaction exchange (txn.c).
$(BUILD)/examples/%: tools/examples/%.c tools/examples/txn.c tools/examples/txn.h \
		$(LIB_HDRS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -o $@ $< tools/examples/txn.c $(LIB_A)

# -- selftests and the demo -------------------------------------------------

# The selftests' own Makefile builds them into build/selftests.
selftests: $(LIB_A)
	@$(MAKE) --no-print-directory -C $(ST_SRC) OUTPUT=$(ST_OUT) LIBXDISCON=$(LIB_A)

$(BUILD)/demo/txn_demo: tools/demo/txn_demo.c tools/examples/txn.c tools/examples/txn.h \
		$(LIB_HDRS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -Itools/examples -o $@ $< tools/examples/txn.c $(LIB_A)

# -- install --------------------------------------------------------------

install: lib xdcat
	install -d $(DESTDIR)$(PREFIX)/include/linux $(DESTDIR)$(PREFIX)/include/xdiscon \
		$(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3 \
		$(DESTDIR)$(PREFIX)/share/man/man7
	install -m 644 include/uapi/linux/xdiscon.h $(DESTDIR)$(PREFIX)/include/linux/
	install -m 644 $(LIB_SRC)/include/xdiscon/*.h $(DESTDIR)$(PREFIX)/include/xdiscon/
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libxdiscon.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libxdiscon.so.$(SOVERSION)
	ln -sf libxdiscon.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libxdiscon.so
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(PREFIX)/include|; s|@VERSION@|$(VERSION)|' \
	    $(LIB_SRC)/xdiscon.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/xdiscon.pc
	install -m 755 $(BUILD)/bin/xdcat $(DESTDIR)$(PREFIX)/bin/
	for m in $(MAN_PAGES); do \
		install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/; done
	@if $(PYTHON) -m pip --version >/dev/null 2>&1; then \
		$(PYTHON) -m pip install -q --no-deps --no-index --no-cache-dir \
			--root-user-action=ignore --root="$(or $(DESTDIR),/)" tools/python; \
	else echo "install: no pip for $(PYTHON): the Python package not installed"; fi
	@if [ -d "$(KDIR)" ]; then \
		$(MAKE) -s module-install KDIR=$(KDIR); \
	else echo "install: no kernel build tree at $(KDIR) (set KDIR or KVER): module not installed"; fi

# The module, into $(DESTDIR)/lib/modules/<kernel>/updates.  Unsigned: a
# headers package carries no signing key (CONFIG_MODULE_SIG_ALL= stops
# modules_install trying).
module-install:
	@rm -rf $(BUILD)/install-mod && mkdir -p $(BUILD)/install-mod
	@cp -a --parents $(KSRCS) $(BUILD)/install-mod/
	$(MAKE) -s -C $(KDIR) M=$(BUILD)/install-mod modules
	$(MAKE) -s -C $(KDIR) M=$(BUILD)/install-mod INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates CONFIG_MODULE_SIG_ALL= modules_install

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/linux/xdiscon.h
	rm -rf $(DESTDIR)$(PREFIX)/include/xdiscon
	rm -f $(DESTDIR)$(LIBDIR)/libxdiscon.so* $(DESTDIR)$(LIBDIR)/libxdiscon.a
	rm -f $(DESTDIR)$(LIBDIR)/pkgconfig/xdiscon.pc $(DESTDIR)$(PREFIX)/bin/xdcat
	for m in $(MAN_PAGES); do \
		rm -f $(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/$${m##*/}; done
	rm -f $(DESTDIR)/lib/modules/*/updates/xdiscon.ko
	@if [ -n "$(DESTDIR)" ] && [ "$$(cd "$(DESTDIR)" 2>/dev/null && pwd)" != / ]; then \
		find "$(DESTDIR)" -xdev -depth -path '*/[sd][ia][ts][et]-packages/*' \
			\( -name xdiscon -o -name 'xdiscon-*.dist-info' \) \
			-exec rm -rf {} +; \
	elif $(PYTHON) -m pip --version >/dev/null 2>&1; then \
		$(PYTHON) -m pip uninstall -q -y --root-user-action=ignore \
			--break-system-packages xdiscon; fi

# make install into a scratch DESTDIR, build the examples through
# pkg-config alone, then make uninstall: host-install.tap.  The examples
# built there run in the VM (examples_test.sh).
install-test: lib xdcat
	@mkdir -p $(RESULTS)/host
	-@tools/testing/install_test.sh $(BUILD)/destdir $(STOCK_KDIR) \
		>$(RESULTS)/host/host-install.tap 2>$(BUILD)/install-test.log; \
		echo "install-test: exit $$?"

# -- DKMS -----------------------------------------------------------------

# The source tree DKMS builds from, as /usr/src/xdiscon-$(VERSION).
dkms-src:
	@rm -rf $(DESTDIR)/usr/src/xdiscon-$(VERSION)
	@mkdir -p $(DESTDIR)/usr/src/xdiscon-$(VERSION)
	@cp -a --parents $(KSRCS) $(DESTDIR)/usr/src/xdiscon-$(VERSION)/
	@sed 's/@VERSION@/$(VERSION)/' dkms.conf >$(DESTDIR)/usr/src/xdiscon-$(VERSION)/dkms.conf

# dkms add/build/install for Debian's stock kernels: host-dkms.tap.  The
# stock VMs then load those builds on demand (dkms_vm_test.sh).
dkms-test: setup
	@mkdir -p $(RESULTS)/host
	-@tools/testing/dkms_test.sh $(VERSION) "$(STOCK_KVER)" "$(STOCK612_KVER)" \
		>$(RESULTS)/host/host-dkms.tap 2>$(BUILD)/dkms-test.log; \
		echo "dkms-test: exit $$?"

dkms-clean:
	@dkms remove xdiscon/$(VERSION) --all >/dev/null 2>&1; \
		rm -rf /usr/src/xdiscon-$(VERSION); true

# -- VM runs ----------------------------------------------------------------

# One VM run: $(1) label, $(2) kernel image, $(3) module build dir,
# $(4) the selftests to run, in order, $(5) extra environment, $(6) the
# seconds it may take (VM_TIMEOUT unless given).  A run that takes longer
# is killed and its unfinished tests count as failed: the limits stop a
# hung guest, well above what each run takes.  A guest that never reached
# guest.sh (no guest.log) and was not killed by the limit (qemu ended
# before the guest's userspace ran, which emulation rarely does on its
# own) is booted once more; whatever happens the second time counts, and
# vng.log keeps both attempts.
VM_TIMEOUT       := 2400
VM_TIMEOUT_STOCK := 900
define vm_run
	@rm -rf $(RESULTS)/$(1) && mkdir -p $(RESULTS)/$(1)
	@printf 'selftest-%s.tap\n' $(basename $(4)) >$(RESULTS)/$(1)/expect
	@printf '%s\n' $(4) >$(RESULTS)/$(1)/order
	@if [ -f $(3)/xdiscon_kunit.ko ]; then printf 'kunit-%s.ktap\n' $(KUNIT_SUITES) \
		>>$(RESULTS)/$(1)/expect; fi
	@echo "vm $(1): booting $(2) (software emulation: a debug kernel takes about 5 minutes)"
	-@for try in 1 2; do \
		timeout $(or $(6),$(VM_TIMEOUT)) $(VNG) --run $(2) --rwdir=$(RESULTS)/$(1)=$(RESULTS)/$(1) \
			-e "$(5) XD_BUILD=$(3) XD_TESTS=$(ST_OUT) XD_ROOT=$(BUILD) XD_OUT=$(RESULTS)/$(1) $(VM)/guest.sh" \
			>>$(RESULTS)/$(1)/vng.log 2>&1; rc=$$?; echo "vm $(1): exit $$rc"; \
		[ $$try = 1 ] && [ $$rc != 124 ] && [ ! -e $(RESULTS)/$(1)/guest.log ] || break; \
		echo "vm $(1): the guest never started its tests; booting it again"; \
		echo "== vng exit $$rc, guest never started; second boot" >>$(RESULTS)/$(1)/vng.log; \
	done
endef

vm-debug: module-debug selftests xdcat examples install-test
	$(call vm_run,debug-6.12,$(DEBUG_KDIR)/arch/x86/boot/bzImage,$(BUILD)/debug,$(or $(T),$(DEBUG_T)))
	@$(VM)/summarize.py debug-6.12=$(RESULTS)/debug-6.12

vm-debug7: module-debug7 selftests xdcat examples install-test
	$(call vm_run,$(LINUX7_LABEL),$(DEBUG7_KDIR)/arch/x86/boot/bzImage,$(BUILD)/debug7,$(or $(T),$(DEBUG_T)))
	@$(VM)/summarize.py $(LINUX7_LABEL)=$(RESULTS)/$(LINUX7_LABEL)

vm-stock: module-stock selftests xdcat examples install-test
	$(call vm_run,stock-6.1,$(STOCK_IMAGE),$(BUILD)/stock,$(or $(T),$(STOCK_T)),,$(VM_TIMEOUT_STOCK))
	@$(VM)/summarize.py stock-6.1=$(RESULTS)/stock-6.1

vm-stock612: module-stock612 selftests xdcat examples install-test
	$(call vm_run,stock-6.12,$(STOCK612_IMAGE),$(BUILD)/stock612,$(or $(T),$(STOCK_T)),,$(VM_TIMEOUT_STOCK))
	@$(VM)/summarize.py stock-6.12=$(RESULTS)/stock-6.12

check: setup
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)/host
	@printf '%s\n' host-build-debug7.tap host-build-stock612.tap host-build-stock.tap \
		host-lint.tap host-lib.tap host-install.tap host-dkms.tap \
		>$(RESULTS)/host/expect
	-@$(MAKE) -s module-debug7
	-@$(MAKE) -s module-stock612
	-@$(MAKE) -s module-stock
	-@$(MAKE) -s lint
	@$(MAKE) -s lib xdcat examples selftests $(BUILD)/demo/txn_demo
	-@$(MAKE) -s lib-test
	-@$(MAKE) -s install-test
	-@$(MAKE) -s dkms-test
	$(call vm_run,$(LINUX7_LABEL),$(DEBUG7_KDIR)/arch/x86/boot/bzImage,$(BUILD)/debug7,$(DEBUG_T))
	$(call vm_run,stock-6.12,$(STOCK612_IMAGE),$(BUILD)/stock612,$(STOCK_T),,$(VM_TIMEOUT_STOCK))
	$(call vm_run,stock-6.1,$(STOCK_IMAGE),$(BUILD)/stock,$(STOCK_T),,$(VM_TIMEOUT_STOCK))
	-@$(MAKE) -s dkms-clean
	@echo "== results"
	@$(VM)/summarize.py host=$(RESULTS)/host $(LINUX7_LABEL)=$(RESULTS)/$(LINUX7_LABEL) \
		stock-6.12=$(RESULTS)/stock-6.12 stock-6.1=$(RESULTS)/stock-6.1

# Benchmarks on Debian's stock kernel (no debug options), 2 vCPUs: the
# table on the terminal, the JSON and table in build/results/bench/.
bench: module-stock $(BUILD)/bench/xdbench
	@rm -rf $(RESULTS)/bench && mkdir -p $(RESULTS)/bench
	@timeout 5400 $(VNG) --run $(STOCK_IMAGE) --rwdir=$(RESULTS)/bench=$(RESULTS)/bench \
		-e "XD_BUILD=$(BUILD)/stock XD_BENCH=$(BUILD)/bench/xdbench XD_OUT=$(RESULTS)/bench $(TOP)/tools/bench/bench.sh"

# make bench-ab BASE=<git revision>: the module at BASE and this tree's in
# one boot, XD_ROUNDS (default 6) rounds of one xdbench round each,
# alternating which goes first; build/results/bench-ab/ gets every round
# and the comparison (tools/bench/compare.py).
bench-ab: module-stock $(BUILD)/bench/xdbench
	@[ -n "$(BASE)" ] || { echo "bench-ab: name the base with BASE=<git revision>"; exit 2; }
	@rm -rf $(BUILD)/bench-base $(RESULTS)/bench-ab && \
		mkdir -p $(BUILD)/bench-base $(RESULTS)/bench-ab
	@git archive $(BASE) Kbuild net kunit include | tar -x -C $(BUILD)/bench-base
	$(MAKE) -s -C $(STOCK_KDIR) M=$(BUILD)/bench-base modules
	@timeout 5400 $(VNG) --run $(STOCK_IMAGE) --rwdir=$(RESULTS)/bench-ab=$(RESULTS)/bench-ab \
		-e "XD_BUILD=$(BUILD)/stock XD_BASE=$(BUILD)/bench-base XD_ROUNDS=$${XD_ROUNDS:-6} XD_BENCH=$(BUILD)/bench/xdbench XD_OUT=$(RESULTS)/bench-ab $(TOP)/tools/bench/bench.sh"

# The long run: forty times the stress amounts and a million fuzz calls, in
# the debug VM (XD_STRESS_SCALE, XD_FUZZ_CALLS reach the guest), then the
# race, stress and fuzz suites on the KCSAN kernel (built once, like the
# others), whose data-race reports fail the run like any other.
soak: module-debug module-kcsan selftests xdcat
	$(call vm_run,soak-6.12,$(DEBUG_KDIR)/arch/x86/boot/bzImage,$(BUILD)/debug,stress_test fuzz_test,XD_STRESS_SCALE=40 XD_FUZZ_CALLS=1000000,21600)
	$(call vm_run,soak-kcsan,$(KCSAN_KDIR)/arch/x86/boot/bzImage,$(BUILD)/kcsan,race_test stress_test fuzz_test,XD_STRESS_SCALE=40 XD_FUZZ_CALLS=1000000,21600)
	@$(VM)/summarize.py soak-6.12=$(RESULTS)/soak-6.12 soak-kcsan=$(RESULTS)/soak-kcsan

# On make check's debug kernel: after make check, nothing more to build.
demo: module-debug7 $(BUILD)/demo/txn_demo
	@$(VNG) --run $(DEBUG7_KDIR)/arch/x86/boot/bzImage \
		-e "XD_BUILD=$(BUILD)/debug7 XD_DEMO=$(BUILD)/demo $(TOP)/tools/demo/demo.sh"

clean:
	rm -rf $(BUILD)
