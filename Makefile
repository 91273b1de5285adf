# SPDX-License-Identifier: GPL-2.0
# virq: build the module against KDIR, or run the test VM targets.
#
#   make              build virq.ko (and virq_kunit.ko where KUnit is on)
#   make check        build test kernels, boot them under QEMU, run every
#                     test; ends with "N passed, N failed"
#   make bench        run the benchmark in the test VM
#   make demo         run a guest on virq-vmm in the test VM, with its
#                     interrupt timeline
#   make coverage     the whole suite on a gcov kernel: line and branch
#                     coverage of irqchip/ (fails below 90% of lines)
#   make fuzz [SEED=n] [OPS=n] [THREADS=n] [FLAVOUR=debug]
#                     run the fuzzer alone in the debug kernel's VM, longer
#                     (OPS operations per thread, default 20000)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install:
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

clean:
	rm -rf build
	rm -f *.o *.ko *.mod *.mod.c *.mod.o .*.cmd modules.order Module.symvers
	rm -f irqchip/*.o irqchip/.*.cmd kunit/*.o kunit/.*.cmd .module-common.o
	$(MAKE) -C selftests clean
	$(MAKE) -C tools clean
	$(MAKE) -C guest clean

.PHONY: all modules modules_install check bench demo coverage fuzz clean
