// SPDX-License-Identifier: GPL-2.0
/*
 * MSI message decoding (Intel SDM vol. 3, "Message Signalled Interrupts":
 * the address and data register formats) into the interrupt message a
 * local APIC bus carries.
 *
 * Address: bits 31:20 are 0xFEE, 19:12 the destination ID, 11:4 reserved,
 * 3 the redirection hint, 2 the destination mode, 1:0 ignored. With
 * 32-bit APIC IDs (KVM's X2APIC API convention) address_hi bits 31:8
 * carry destination bits 31:8; otherwise address_hi must be 0.
 * Data: bits 7:0 vector, 10:8 delivery mode, 13:11 reserved, 14 level,
 * 15 trigger mode, 31:16 reserved.
 *
 * Locks: none (pure function). May call: nothing.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <kunit/visibility.h>

#include "virq.h"

#define MSI_ADDR_BASE_MASK	GENMASK(31, 20)
#define MSI_ADDR_BASE		0xfee00000U
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_RSVD		GENMASK(11, 4)
#define MSI_ADDR_RH		BIT(3)
#define MSI_ADDR_DM_LOGICAL	BIT(2)
#define MSI_ADDR_HI_DEST	GENMASK(31, 8)

#define MSI_DATA_VECTOR		GENMASK(7, 0)
#define MSI_DATA_DM_SHIFT	8
#define MSI_DATA_DM_MASK	0x7
#define MSI_DATA_RSVD		(GENMASK(13, 11) | GENMASK(31, 16))
#define MSI_DATA_LEVEL		BIT(14)
#define MSI_DATA_TRIGGER	BIT(15)

/**
 * virq_msi_decode() - decode an MSI address/data pair
 * @address_lo: address bits 31:0
 * @address_hi: address bits 63:32
 * @data: the data word
 * @ids32: the chip takes destination bits 31:8 from @address_hi
 * @msg: the decoded message
 *
 * Return: 0, or -EINVAL for an address outside 0xFEExxxxx, a reserved bit
 * set, or a reserved delivery mode.
 */
int virq_msi_decode(u32 address_lo, u32 address_hi, u32 data,
		    bool ids32, struct virq_irq_msg *msg)
{
	u32 dm = (data >> MSI_DATA_DM_SHIFT) & MSI_DATA_DM_MASK;

	if ((address_lo & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
		return -EINVAL;
	if (address_lo & MSI_ADDR_RSVD)
		return -EINVAL;
	if (address_hi & (ids32 ? ~MSI_ADDR_HI_DEST : ~0U))
		return -EINVAL;
	if (data & MSI_DATA_RSVD)
		return -EINVAL;
	switch (dm) {
	case VIRQ_DM_FIXED:
	case VIRQ_DM_LOWEST:
	case VIRQ_DM_SMI:
	case VIRQ_DM_NMI:
	case VIRQ_DM_INIT:
	case VIRQ_DM_EXTINT:
		break;
	default:	/* 011 and 110 are reserved for MSIs */
		return -EINVAL;
	}

	memset(msg, 0, sizeof(*msg));
	msg->dest = ((address_lo >> MSI_ADDR_DEST_SHIFT) & 0xff) |
		    (address_hi & MSI_ADDR_HI_DEST);
	/* With 32-bit IDs the broadcast is 0xffffffff and 0xff an ID. */
	msg->dest_32 = ids32;
	msg->vector = data & MSI_DATA_VECTOR;
	msg->delivery_mode = dm;
	msg->dest_logical = address_lo & MSI_ADDR_DM_LOGICAL;
	msg->redir_hint = address_lo & MSI_ADDR_RH;
	msg->level_assert = data & MSI_DATA_LEVEL;
	msg->trigger_level = data & MSI_DATA_TRIGGER;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(virq_msi_decode);
