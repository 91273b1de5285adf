# SPDX-License-Identifier: GPL-2.0
# virq: build the module against KDIR, or run the test VM targets.
#
#   make              build virq.ko (and virq_kunit.ko where KUnit is on)
#   make check        build test kernels, boot them under QEMU, run every
#                     test; ends with "N passed, N failed"
#   make bench        run the benchmark in the test VM
#   make demo         boot Linux on 4 CPUs on virq-vmm in the test VM, then
#                     a test guest with its interrupt timeline
#   make coverage     the whole suite on a gcov kernel: line and branch
#                     coverage of irqchip/ (fails below 90% of lines)
#   make fuzz [SEED=n] [OPS=n] [THREADS=n] [FLAVOUR=debug]
#                     run the fuzzer alone in the debug kernel's VM, longer
#                     (OPS operations per thread, default 20000)
#   make clean
#
# Installing (README.md, "Install with DKMS"), as root:
#   make install      the module under DKMS (rebuilt for each new kernel),
#                     the udev rule for /dev/virq and the boot-time load
#   make uninstall    all of that removed
#   make dkms-source [DESTDIR=dir]
#                     the module's sources as DKMS wants them, in
#                     $(DESTDIR)/usr/src/virq-VERSION (for packagers)

KDIR ?= /lib/modules/$(shell uname -r)/build
VERSION := $(shell sed -n 's/^\#define VIRQ_VERSION "\(.*\)"$$/\1/p' \
		irqchip/main.c)
ifeq ($(VERSION),)
$(error no VIRQ_VERSION in irqchip/main.c)
endif
DKMS_SRC = $(DESTDIR)/usr/src/virq-$(VERSION)
UDEV_RULES = $(DESTDIR)/etc/udev/rules.d/60-virq.rules
MODULES_LOAD = $(DESTDIR)/etc/modules-load.d/virq.conf

all: modules

# Without a kernel build directory kbuild's own error is "No such file or
# directory" from make -C: say what is missing and how to get it.
kdir-check:
	@[ -f "$(KDIR)/Makefile" ] || { \
		echo "virq: no kernel build directory at $(KDIR)"; \
		echo "  install the headers of the running kernel" \
		     "(Debian/Ubuntu: apt-get install linux-headers-$$(uname -r))"; \
		echo "  or point KDIR= at a configured and built kernel tree" \
		     "(make KDIR=/path/to/linux)"; \
		echo "  make check needs neither: it builds its own kernels"; \
		exit 2; }

modules: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

check:
	testing/check.sh check

bench:
	testing/check.sh bench

demo:
	testing/check.sh demo

coverage:
	testing/check.sh coverage

fuzz:
	VIRQ_FUZZ_SEED=$(SEED) VIRQ_FUZZ_OPS=$(OPS) VIRQ_FUZZ_THREADS=$(THREADS) \
	VIRQ_FUZZ_FLAVOUR=$(FLAVOUR) \
	testing/check.sh fuzz

# The module's version (VIRQ_VERSION), for scripts: testing/check.sh.
version:
	@echo $(VERSION)

dkms-source:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)/irqchip $(DKMS_SRC)/uapi/linux
	install -m 644 Kbuild dkms.conf $(DKMS_SRC)/
	install -m 644 irqchip/*.[ch] $(DKMS_SRC)/irqchip/
	install -m 644 uapi/linux/virq.h $(DKMS_SRC)/uapi/linux/

# dkms status prints "virq/VERSION, KERNEL, ARCH: state" or "virq/VERSION:
# added": every version DKMS knows, for replacing or removing them all.
DKMS_VERSIONS = dkms status -m virq 2>/dev/null | \
	sed -n 's|^virq/\([^,:]*\)[,:].*|\1|p' | sort -u

# First a build in trees of its own (as make check's): if it fails,
# nothing installed is touched. Then the same version replaces itself.
PREFLIGHT = $(CURDIR)/build/dkms-preflight

install:
	@[ "$$(id -u)" = 0 ] || { echo "make install: run as root"; exit 1; }
	@command -v dkms >/dev/null || { echo "make install: dkms missing" \
		"(apt-get install dkms linux-headers-$$(uname -r))"; exit 1; }
	rm -rf $(PREFLIGHT) && mkdir -p $(PREFLIGHT)/tree
	$(MAKE) -s dkms-source DESTDIR=$(PREFLIGHT)/root
	@env mok_signing_key=$(PREFLIGHT)/mok.key \
	     mok_certificate=$(PREFLIGHT)/mok.pub \
	     sh -c 'dkms add --dkmstree $(PREFLIGHT)/tree \
			--sourcetree $(PREFLIGHT)/root/usr/src \
			-m virq -v $(VERSION) >/dev/null && \
		dkms build --dkmstree $(PREFLIGHT)/tree \
			--sourcetree $(PREFLIGHT)/root/usr/src \
			-m virq -v $(VERSION)' || { \
		echo "make install: the DKMS build failed (kernel headers" \
		     "for $$(uname -r) installed?); nothing was changed"; \
		exit 1; }
	$(MAKE) -s dkms-source
	dkms remove -m virq -v $(VERSION) --all >/dev/null 2>&1 || true
	dkms add -m virq -v $(VERSION)
	dkms build -m virq -v $(VERSION)
	@for v in $$($(DKMS_VERSIONS)); do \
		[ "$$v" = $(VERSION) ] || dkms remove -m virq -v "$$v" --all; \
	done
	-modprobe -r virq
	dkms install -m virq -v $(VERSION)
	install -D -m 644 packaging/60-virq.rules $(UDEV_RULES)
	install -D -m 644 packaging/virq-modules-load.conf $(MODULES_LOAD)
	-udevadm control --reload-rules
	@modprobe virq || { echo "make install: modprobe virq failed; with" \
		"Secure Boot, enroll DKMS's key (mokutil --import" \
		"/var/lib/dkms/mok.pub) and reboot"; exit 1; }
	@[ "$$(cat /sys/module/virq/srcversion)" = \
	   "$$(modinfo -F srcversion virq)" ] || echo "make install: an" \
		"older virq is still loaded (in use?): the new one loads" \
		"after its last user closes it and 'modprobe -r virq'"
	-udevadm trigger --action=add --subsystem-match=misc \
		--sysname-match=virq
	@ls -l /dev/virq

uninstall:
	@[ "$$(id -u)" = 0 ] || { echo "make uninstall: run as root"; exit 1; }
	-modprobe -r virq
	@for v in $$($(DKMS_VERSIONS)); do \
		dkms remove -m virq -v "$$v" --all; \
		rm -rf "$(DESTDIR)/usr/src/virq-$$v"; \
	done
	rm -rf $(DKMS_SRC) $(UDEV_RULES) $(MODULES_LOAD)

clean:
	rm -rf build
	rm -f *.o *.ko *.mod *.mod.c *.mod.o .*.cmd modules.order Module.symvers
	rm -f irqchip/*.o irqchip/.*.cmd kunit/*.o kunit/.*.cmd .module-common.o
	$(MAKE) -C selftests clean
	$(MAKE) -C tools clean
	$(MAKE) -C guest clean

.PHONY: all kdir-check modules modules_install check bench demo coverage fuzz clean \
	version dkms-source install uninstall
