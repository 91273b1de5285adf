// SPDX-License-Identifier: GPL-2.0
/*
 * virq_kunit: the module that carries virq's KUnit suites. Each suite
 * lives in its own file and tests one unit of virq.ko through the symbols
 * it exports for KUnit (EXPORT_SYMBOL_IF_KUNIT).
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for virq");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
