// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: validation of the VIRQ_CREATE_CHIP argument
 * (virq_chip_config_check()).
 */
#include <kunit/test.h>

#include "virq.h"

static struct virq_chip_config cfg_pic(void)
{
	struct virq_chip_config c = {
		.flags = VIRQ_CHIP_PIC,
		.max_vcpus = 1,
	};

	return c;
}

static struct virq_chip_config cfg_full(u32 nr_ioapics)
{
	struct virq_chip_config c = cfg_pic();
	u32 i;

	c.flags |= VIRQ_CHIP_IOAPIC | VIRQ_CHIP_LAPIC;
	c.nr_ioapics = nr_ioapics;
	for (i = 0; i < nr_ioapics; i++)
		c.ioapic_gsi_base[i] = i * VIRQ_IOAPIC_NUM_PINS;
	return c;
}

static void config_valid_sets(struct kunit *test)
{
	struct virq_chip_config c = cfg_pic();

	KUNIT_EXPECT_EQ(test, 0, virq_chip_config_check(&c));
	c.flags |= VIRQ_CHIP_IOAPIC;
	c.nr_ioapics = 1;
	KUNIT_EXPECT_EQ(test, 0, virq_chip_config_check(&c));
	c = cfg_full(1);
	KUNIT_EXPECT_EQ(test, 0, virq_chip_config_check(&c));
	c = cfg_full(VIRQ_MAX_IOAPICS);
	KUNIT_EXPECT_EQ(test, 0, virq_chip_config_check(&c));
	c.flags |= VIRQ_CHIP_32BIT_IDS;
	c.max_vcpus = VIRQ_MAX_VCPUS;
	KUNIT_EXPECT_EQ(test, 0, virq_chip_config_check(&c));
}

static void config_impossible_sets(struct kunit *test)
{
	struct virq_chip_config c = cfg_pic();

	c.flags = 0;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c.flags = VIRQ_CHIP_IOAPIC;
	c.nr_ioapics = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c.flags = VIRQ_CHIP_PIC | VIRQ_CHIP_LAPIC;
	c.nr_ioapics = 0;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c.flags = VIRQ_CHIP_PIC | BIT(31);
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
}

static void config_padding_and_reserved(struct kunit *test)
{
	struct virq_chip_config c = cfg_pic();
	int i;

	c.pad = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	for (i = 0; i < ARRAY_SIZE(c.reserved); i++) {
		c = cfg_pic();
		c.reserved[i] = 0x80000000;
		KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	}
}

static void config_max_vcpus(struct kunit *test)
{
	struct virq_chip_config c = cfg_pic();

	c.max_vcpus = 0;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c.max_vcpus = VIRQ_MAX_VCPUS;
	KUNIT_EXPECT_EQ(test, 0, virq_chip_config_check(&c));
	c.max_vcpus = VIRQ_MAX_VCPUS + 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c.max_vcpus = U32_MAX;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
}

static void config_ioapic_count(struct kunit *test)
{
	struct virq_chip_config c = cfg_full(1);

	c.nr_ioapics = 0;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c = cfg_full(VIRQ_MAX_IOAPICS);
	c.nr_ioapics = VIRQ_MAX_IOAPICS + 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c = cfg_pic();
	c.nr_ioapics = 1;	/* count without the IOAPIC flag */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
}

static void config_gsi_bases(struct kunit *test)
{
	struct virq_chip_config c = cfg_full(2);

	c.ioapic_gsi_base[1] = 100;		/* a gap is fine */
	KUNIT_EXPECT_EQ(test, 0, virq_chip_config_check(&c));
	c.ioapic_gsi_base[1] = 23;		/* overlaps IOAPIC 0 */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c.ioapic_gsi_base[1] = 0;		/* same base */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c = cfg_full(2);
	c.ioapic_gsi_base[0] = 24;		/* ISA IRQs not on IOAPIC 0 */
	c.ioapic_gsi_base[1] = 48;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c = cfg_full(2);
	c.ioapic_gsi_base[1] = VIRQ_NR_GSIS - VIRQ_IOAPIC_NUM_PINS;
	KUNIT_EXPECT_EQ(test, 0, virq_chip_config_check(&c));
	c.ioapic_gsi_base[1]++;			/* past the GSI space */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
	c = cfg_full(2);
	c.ioapic_gsi_base[2] = 48;		/* base of an absent IOAPIC */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
}

/* The IOAPIC version: 0 (default 0x20), 0x11, 0x20; only with IOAPICs. */
static void config_ioapic_version(struct kunit *test)
{
	static const u32 bad[] = { 0x10, 0x12, 0x1f, 0x21, 0xff, 0x11 << 8 };
	struct virq_chip_config c = cfg_full(1);
	unsigned int i;

	c.ioapic_version = VIRQ_IOAPIC_VERSION_11;
	KUNIT_EXPECT_EQ(test, 0, virq_chip_config_check(&c));
	c.ioapic_version = VIRQ_IOAPIC_VERSION_20;
	KUNIT_EXPECT_EQ(test, 0, virq_chip_config_check(&c));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		c.ioapic_version = bad[i];
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL, virq_chip_config_check(&c),
				    "version %#x", bad[i]);
	}
	c = cfg_pic();
	c.ioapic_version = VIRQ_IOAPIC_VERSION_20;
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_chip_config_check(&c));
}

static struct kunit_case config_cases[] = {
	KUNIT_CASE(config_valid_sets),
	KUNIT_CASE(config_impossible_sets),
	KUNIT_CASE(config_padding_and_reserved),
	KUNIT_CASE(config_max_vcpus),
	KUNIT_CASE(config_ioapic_count),
	KUNIT_CASE(config_gsi_bases),
	KUNIT_CASE(config_ioapic_version),
	{}
};

static struct kunit_suite config_suite = {
	.name = "virq_config",
	.test_cases = config_cases,
};

kunit_test_suites(&config_suite);
