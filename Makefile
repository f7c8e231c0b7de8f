# SPDX-License-Identifier: GPL-2.0
#
# xdiscon: the project's entry point.  Kbuild (the file named Kbuild)
# builds the module; this Makefile drives everything around it:
#
#   make check     set up, build, run KUnit and the selftests in VMs
#                  (debug 6.12 and Debian's stock 6.1), print the verdict
#   make demo      set up, build, show the module working in a VM
#   make module    build the module against the debug test kernel
#   make selftests build the userspace selftests
#   make vm-debug / vm-stock   one VM run, results under build/results/
#   make lint      checkpatch --strict on the kernel sources
#
# Variables: XDISCON_KVM=1 uses KVM where it works; T=name runs only the
# selftest binaries named (e.g. T=socket_test) in vm-* runs.

SHELL      := /bin/bash
TOP        := $(CURDIR)
BUILD      := $(TOP)/build
RESULTS    := $(BUILD)/results
VM         := $(TOP)/tools/testing/vm
ST_SRC     := $(TOP)/tools/testing/selftests/xdiscon
ST_OUT     := $(BUILD)/selftests

KSRCS      := Kbuild $(shell find net kunit include -name '*.[ch]')
CHECK_SRCS := $(filter %.c %.h,$(KSRCS))

# Debian 12's stock kernel: newest installed 6.1 headers and its image.
STOCK_KDIR  = $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64)))
STOCK_KVER  = $(patsubst /usr/src/linux-headers-%,%,$(STOCK_KDIR))
STOCK_IMAGE = /boot/vmlinuz-$(STOCK_KVER)
# The debug test kernel's build tree (built once, cached by kernel.sh).
DEBUG_KDIR  = $$($(VM)/kernel.sh)

VNG_ACCEL  := $(if $(XDISCON_KVM),,--disable-kvm)
VNG        := vng $(VNG_ACCEL) --user root --cpus 2 --memory 2G

# Selftests, in the order they run; module_test unloads the module: last.
SELFTESTS  := socket_test core_test seed_test module_test
T          ?= $(SELFTESTS)
KUNIT_SUITES := xdiscon_socket xdiscon_discdata xdiscon_state

# The kselftest harness macros pass parameters that some tests ignore and
# compare literals with unsigned values; its setjmp trips -Wclobbered.
CFLAGS_USER := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered \
	       -I$(TOP)/include/uapi -I$(TOP)/tools/testing/selftests

.PHONY: all setup module module-stock selftests lint check demo \
	vm-debug vm-stock clean

all: module selftests

setup:
	@$(VM)/setup.sh

# Build the module in build/<name>/ against KDIR, warnings as failures:
# W=1 and sparse on every file (C=2).  Writes host-build-<name>.tap.
# $(1): name, $(2): kernel build directory (shell expression).
define build_module
	@rm -rf $(BUILD)/$(1) && mkdir -p $(BUILD)/$(1) $(RESULTS)/host
	@cp -a --parents $(KSRCS) $(BUILD)/$(1)/
	@kdir=$(2); set -o pipefail; \
	if $(MAKE) -s -C "$$kdir" M=$(BUILD)/$(1) W=1 C=2 modules \
		>$(BUILD)/$(1)/build.log 2>&1 && \
	   ! grep -E 'warning|error' $(BUILD)/$(1)/build.log; then \
		r="ok"; else r="not ok"; cat $(BUILD)/$(1)/build.log; fi; \
	printf 'TAP version 13\n1..1\n%s 1 module builds against %s at W=1 with sparse, no warnings\n' \
		"$$r" "$$kdir" >$(RESULTS)/host/host-build-$(1).tap; \
	echo "build $(1): $$r"; [ "$$r" = ok ]
endef

module: setup
	$(call build_module,debug,$(DEBUG_KDIR))

module-stock: setup
	$(call build_module,stock,$(STOCK_KDIR))

selftests: $(addprefix $(ST_OUT)/,$(SELFTESTS))
	@printf '%s\n' $(T) >$(ST_OUT)/order

$(BUILD)/demo/txn_demo: tools/demo/txn_demo.c $(wildcard $(ST_SRC)/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) -o $@ $<

$(ST_OUT)/%: $(ST_SRC)/%.c $(wildcard $(ST_SRC)/*.h) include/uapi/linux/xdiscon.h
	@mkdir -p $(ST_OUT)
	$(CC) $(CFLAGS_USER) -o $@ $< -lpthread

# checkpatch --strict --no-tree from the kernel source the set-up installs.
lint: setup
	@mkdir -p $(RESULTS)/host; kdir=$(DEBUG_KDIR); \
	src=$$(readlink -f $$kdir/source); \
	if $$src/scripts/checkpatch.pl --strict --no-tree --terse -q -f $(CHECK_SRCS) \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG; then r=ok; else r="not ok"; fi; \
	printf 'TAP version 13\n1..1\n%s 1 checkpatch --strict clean\n' "$$r" \
		>$(RESULTS)/host/host-lint.tap; echo "lint: $$r"

# One VM run: $(1) label, $(2) kernel image, $(3) module build dir.
define vm_run
	@rm -rf $(RESULTS)/$(1) && mkdir -p $(RESULTS)/$(1)
	@{ for t in $(T); do echo selftest-$$t.tap; done; } >$(RESULTS)/$(1)/expect
	@if [ -f $(3)/xdiscon_kunit.ko ]; then printf 'kunit-%s.ktap\n' $(KUNIT_SUITES) \
		>>$(RESULTS)/$(1)/expect; fi
	@echo "vm $(1): booting $(2) (software emulation takes a minute or two)"
	-@timeout 1500 $(VNG) --run $(2) --rwdir=$(RESULTS)/$(1)=$(RESULTS)/$(1) \
		-e "XD_BUILD=$(3) XD_TESTS=$(ST_OUT) XD_OUT=$(RESULTS)/$(1) $(VM)/guest.sh" \
		>$(RESULTS)/$(1)/vng.log 2>&1; echo "vm $(1): exit $$?"
endef

vm-debug: module selftests
	$(call vm_run,debug-6.12,$(DEBUG_KDIR)/arch/x86/boot/bzImage,$(BUILD)/debug)
	@$(VM)/summarize.py debug-6.12=$(RESULTS)/debug-6.12

vm-stock: module-stock selftests
	$(call vm_run,stock-6.1,$(STOCK_IMAGE),$(BUILD)/stock)
	@$(VM)/summarize.py stock-6.1=$(RESULTS)/stock-6.1

check: setup
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)/host
	@printf '%s\n' host-build-debug.tap host-build-stock.tap host-lint.tap \
		>$(RESULTS)/host/expect
	-@$(MAKE) -s module
	-@$(MAKE) -s module-stock
	-@$(MAKE) -s lint
	@$(MAKE) -s selftests T="$(SELFTESTS)"
	$(call vm_run,debug-6.12,$(DEBUG_KDIR)/arch/x86/boot/bzImage,$(BUILD)/debug)
	$(call vm_run,stock-6.1,$(STOCK_IMAGE),$(BUILD)/stock)
	@echo "== results"
	@$(VM)/summarize.py host=$(RESULTS)/host debug-6.12=$(RESULTS)/debug-6.12 \
		stock-6.1=$(RESULTS)/stock-6.1

demo: module $(BUILD)/demo/txn_demo
	@$(VNG) --run $(DEBUG_KDIR)/arch/x86/boot/bzImage \
		-e "XD_BUILD=$(BUILD)/debug XD_DEMO=$(BUILD)/demo $(TOP)/tools/demo/demo.sh"

clean:
	rm -rf $(BUILD)
