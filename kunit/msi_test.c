// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: MSI address/data decoding (virq_msi_decode()) against the SDM's
 * register formats.
 */
#include <kunit/test.h>

#include "virq.h"

static void msi_fixed_physical(struct kunit *test)
{
	struct virq_irq_msg m;

	KUNIT_ASSERT_EQ(test, 0, virq_msi_decode(0xfee01000, 0, 0x0031, false, &m));
	KUNIT_EXPECT_EQ(test, 1, m.dest);
	KUNIT_EXPECT_EQ(test, 0x31, m.vector);
	KUNIT_EXPECT_EQ(test, VIRQ_DM_FIXED, m.delivery_mode);
	KUNIT_EXPECT_FALSE(test, m.dest_logical);
	KUNIT_EXPECT_FALSE(test, m.redir_hint);
	KUNIT_EXPECT_FALSE(test, m.trigger_level);
	KUNIT_EXPECT_FALSE(test, m.level_assert);
}

static void msi_destination_fields(struct kunit *test)
{
	struct virq_irq_msg m;

	KUNIT_ASSERT_EQ(test, 0, virq_msi_decode(0xfeeff00c, 0, 0x00fe, false, &m));
	KUNIT_EXPECT_EQ(test, 0xff, m.dest);
	KUNIT_EXPECT_TRUE(test, m.dest_logical);
	KUNIT_EXPECT_TRUE(test, m.redir_hint);
	KUNIT_EXPECT_EQ(test, 0xfe, m.vector);
	/* Address bits 1:0 are ignored. */
	KUNIT_EXPECT_EQ(test, 0, virq_msi_decode(0xfee00003, 0, 0x30, false, &m));
}

static void msi_delivery_modes(struct kunit *test)
{
	static const int valid[8] = { 1, 1, 1, 0, 1, 1, 0, 1 };
	struct virq_irq_msg m;
	u32 dm;

	for (dm = 0; dm < 8; dm++) {
		int r = virq_msi_decode(0xfee00000, 0, (dm << 8) | 0x40,
					false, &m);

		KUNIT_EXPECT_EQ_MSG(test, valid[dm] ? 0 : -EINVAL, r,
				    "delivery mode %u", dm);
		if (!r)
			KUNIT_EXPECT_EQ(test, dm, m.delivery_mode);
	}
}

static void msi_trigger_and_level(struct kunit *test)
{
	struct virq_irq_msg m;

	KUNIT_ASSERT_EQ(test, 0, virq_msi_decode(0xfee00000, 0, 0xc040, false, &m));
	KUNIT_EXPECT_TRUE(test, m.trigger_level);
	KUNIT_EXPECT_TRUE(test, m.level_assert);
	KUNIT_ASSERT_EQ(test, 0, virq_msi_decode(0xfee00000, 0, 0x8040, false, &m));
	KUNIT_EXPECT_TRUE(test, m.trigger_level);
	KUNIT_EXPECT_FALSE(test, m.level_assert);
}

static void msi_bad_address(struct kunit *test)
{
	struct virq_irq_msg m;

	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0xfed00000, 0, 0x30, false, &m));
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0, 0, 0x30, false, &m));
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0xfef00000, 0, 0x30, false, &m));
	/* Bits 11:4 are reserved (no extended destination ID here). */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0xfee00010, 0, 0x30, false, &m));
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0xfee00800, 0, 0x30, false, &m));
}

static void msi_reserved_data_bits(struct kunit *test)
{
	struct virq_irq_msg m;

	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0xfee00000, 0, 0x0830, false, &m));
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0xfee00000, 0, 0x2030, false, &m));
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0xfee00000, 0, 0x10030, false, &m));
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0xfee00000, 0, 0x80000030, false, &m));
}

static void msi_address_hi(struct kunit *test)
{
	struct virq_irq_msg m;

	/* 8-bit IDs: address_hi must be zero. */
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0xfee00000, 0x100, 0x30, false, &m));
	/* 32-bit IDs: address_hi bits 31:8 are destination bits 31:8. */
	KUNIT_ASSERT_EQ(test, 0, virq_msi_decode(0xfee45000, 0x00012300, 0x30, true, &m));
	KUNIT_EXPECT_EQ(test, 0x12345, m.dest);
	KUNIT_ASSERT_EQ(test, 0, virq_msi_decode(0xfeeff000, 0xffffff00, 0x30, true, &m));
	KUNIT_EXPECT_EQ(test, U32_MAX, m.dest);
	KUNIT_EXPECT_EQ(test, -EINVAL, virq_msi_decode(0xfee00000, 0x1, 0x30, true, &m));
}

static struct kunit_case msi_cases[] = {
	KUNIT_CASE(msi_fixed_physical),
	KUNIT_CASE(msi_destination_fields),
	KUNIT_CASE(msi_delivery_modes),
	KUNIT_CASE(msi_trigger_and_level),
	KUNIT_CASE(msi_bad_address),
	KUNIT_CASE(msi_reserved_data_bits),
	KUNIT_CASE(msi_address_hi),
	{}
};

static struct kunit_suite msi_suite = {
	.name = "virq_msi",
	.test_cases = msi_cases,
};

kunit_test_suites(&msi_suite);
