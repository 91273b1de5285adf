// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: how an interrupt reaches a VMM thread. Each vCPU has a shared
 * run page (request word, mode word, counters), a wait queue for
 * VIRQ_VCPU_WAIT, an optional registered thread that kicks signal, and
 * the interrupt-acknowledge cycle (VIRQ_VCPU_ACK). Until the local APIC
 * model exists, MSIs reach a vCPU through the minimal "APIC bus" here:
 * physical destinations by APIC ID and a 256-bit pending-vector set.
 *
 * Requests follow kvm_make_request(): the state that caused a request is
 * stored first, then the bit is set with a barrier between. INTR and
 * EXTINT in the page mirror kernel state (vcpu->irr, the PIC output) and
 * are cleared by the kernel; NMI, SMI, INIT, SIPI and EVENT are set by the
 * kernel and consumed (cleared atomically) by the VMM.
 *
 * The pending-vector set is lock-free, as an APIC's IRR: a sender sets the
 * vector's bit and then INTR; the acknowledge takes a bit with
 * test_and_clear_bit(), and when it finds nothing left it clears INTR and
 * looks again, so INTR is never lost (it may be seen set with nothing
 * pending: VIRQ_VCPU_ACK then answers -EAGAIN and clears it).
 *
 * Kick: wake the thread sleeping in VIRQ_VCPU_WAIT; else, if mode is
 * IN_GUEST, cmpxchg it to EXITING and send the registered signal (exactly
 * one signal per IN_GUEST -> EXITING transition); else nothing.
 *
 * Locks: vcpu->lock (spinlock, irqsave) protects sig_task and sig_no only.
 * vcpu->extint changes under pic->lock. Kicks take vcpu->lock (for the
 * signal target) and the wait queue lock, and are never issued with a
 * device lock held. May call: i8259.c (virq_pic_read_acknowledge).
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "virq.h"

static atomic_t *virq_req_word(struct virq_vcpu *vcpu)
{
	return (atomic_t *)&vcpu->run->requests;
}

static atomic_t *virq_mode_word(struct virq_vcpu *vcpu)
{
	return (atomic_t *)&vcpu->run->mode;
}

static void virq_count(__u64 *counter)
{
	atomic64_inc((atomic64_t *)counter);
}

/* Make requests, counting them, as kvm_make_request() does. */
void virq_vcpu_request(struct virq_vcpu *vcpu, u32 bits)
{
	/* The state the request announces is visible before the bit. */
	smp_mb__before_atomic();
	atomic_or(bits, virq_req_word(vcpu));
	virq_count(&vcpu->run->requests_made);
}

void virq_vcpu_kick(struct virq_vcpu *vcpu)
{
	unsigned long flags;

	virq_count(&vcpu->run->kicks);
	/*
	 * Order the request bit before the waiter and mode checks; pairs
	 * with the barrier in prepare_to_wait() and with the VMM's atomic
	 * exchange of mode to IN_GUEST before it re-reads the requests.
	 */
	smp_mb__after_atomic();
	if (wq_has_sleeper(&vcpu->wq)) {
		wake_up_interruptible(&vcpu->wq);
		virq_count(&vcpu->run->wakeups);
		return;
	}
	if (atomic_cmpxchg(virq_mode_word(vcpu), VIRQ_MODE_IN_GUEST,
			   VIRQ_MODE_EXITING) != VIRQ_MODE_IN_GUEST)
		return;
	spin_lock_irqsave(&vcpu->lock, flags);
	if (vcpu->sig_task) {
		send_sig(vcpu->sig_no, vcpu->sig_task, 1);
		virq_count(&vcpu->run->signals);
	}
	spin_unlock_irqrestore(&vcpu->lock, flags);
}

static bool virq_vcpu_pending(struct virq_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->extint))
		return true;
	/* A racy look by design: callers re-check with atomic bitops. */
	return !data_race(bitmap_empty(vcpu->irr, 256));
}

/*
 * After taking pending state away: drop INTR if nothing is left. A sender
 * stores its state, then sets INTR; if its INTR landed before our clear,
 * the second look finds its state and sets INTR again, so none is lost.
 */
static void virq_vcpu_recheck_intr(struct virq_vcpu *vcpu)
{
	if (virq_vcpu_pending(vcpu))
		return;
	atomic_andnot(VIRQ_REQ_INTR, virq_req_word(vcpu));
	/* The clear is visible before the state is read again. */
	smp_mb__after_atomic();
	if (virq_vcpu_pending(vcpu))
		virq_vcpu_request(vcpu, VIRQ_REQ_INTR);
}

/**
 * virq_vcpu_set_extint() - follow the PIC's INT output
 * @vcpu: the vCPU wired to the PIC
 * @level: the output level
 *
 * Called with pic->lock held; the caller kicks after dropping it.
 */
void virq_vcpu_set_extint(struct virq_vcpu *vcpu, bool level)
{
	WRITE_ONCE(vcpu->extint, level);
	if (level) {
		virq_vcpu_request(vcpu, VIRQ_REQ_EXTINT | VIRQ_REQ_INTR);
	} else {
		atomic_andnot(VIRQ_REQ_EXTINT, virq_req_word(vcpu));
		virq_vcpu_recheck_intr(vcpu);
	}
}

/*
 * Deliver one decoded message to one vCPU. Returns 1 if it became
 * pending, 0 if it was pending already (coalesced), -1 if not accepted.
 */
int virq_vcpu_deliver(struct virq_vcpu *vcpu, const struct virq_irq_msg *msg)
{
	int r;

	switch (msg->delivery_mode) {
	case VIRQ_DM_FIXED:
	case VIRQ_DM_LOWEST:
		/* Vectors 0-15 are illegal; an APIC refuses them. */
		if (msg->vector < 16)
			return -1;
		/* Already pending: coalesced, as an APIC's IRR. */
		if (test_bit_acquire(msg->vector, vcpu->irr) ||
		    test_and_set_bit(msg->vector, vcpu->irr))
			return 0;
		virq_vcpu_request(vcpu, VIRQ_REQ_INTR);
		r = 1;
		break;
	case VIRQ_DM_NMI:
		virq_vcpu_request(vcpu, VIRQ_REQ_NMI);
		r = 1;
		break;
	case VIRQ_DM_SMI:
		virq_vcpu_request(vcpu, VIRQ_REQ_SMI);
		r = 1;
		break;
	case VIRQ_DM_INIT:
		virq_vcpu_request(vcpu, VIRQ_REQ_INIT);
		r = 1;
		break;
	default:
		/* ExtINT messages need a LAPIC's LVT; not in this version. */
		return -1;
	}
	if (r > 0)
		virq_vcpu_kick(vcpu);
	return r;
}

/**
 * virq_deliver_msg() - deliver a message on the minimal APIC bus
 * @chip: the chip
 * @msg: the decoded message
 *
 * Physical destinations only: the vCPU with that APIC ID, or every vCPU
 * for the broadcast ID (0xff, or 0xffffffff with 32-bit IDs); lowest
 * priority picks the first match. Logical destinations need the LAPIC's
 * LDR/DFR and reach nobody in this version.
 *
 * Return: number of vCPUs it became pending on, 0 if coalesced on every
 * destination, -1 if no destination accepted it.
 */
int virq_deliver_msg(struct virq_chip *chip, const struct virq_irq_msg *msg)
{
	u32 bcast = (chip->cfg.flags & VIRQ_CHIP_32BIT_IDS) ? U32_MAX : 0xff;
	u32 i, n = virq_chip_nr_vcpus(chip);
	int r, ret = -1;

	if (msg->dest_logical)
		return -1;
	for (i = 0; i < n; i++) {
		struct virq_vcpu *vcpu = chip->vcpus[i];

		if (msg->dest != bcast && msg->dest != vcpu->apic_id)
			continue;
		r = virq_vcpu_deliver(vcpu, msg);
		if (r >= 0)
			ret = (ret < 0 ? 0 : ret) + r;
		if (msg->delivery_mode == VIRQ_DM_LOWEST || msg->dest != bcast)
			break;
	}
	return ret;
}

struct virq_vcpu *virq_vcpu_by_apic_id(struct virq_chip *chip, u32 apic_id)
{
	u32 i, n = virq_chip_nr_vcpus(chip);

	for (i = 0; i < n; i++)
		if (chip->vcpus[i]->apic_id == apic_id)
			return chip->vcpus[i];
	return NULL;
}

/*
 * The interrupt-acknowledge cycle: the PIC's INTA if its output reaches
 * this vCPU (ExtINT wins over fixed interrupts), else the highest pending
 * vector. Returns the vector or -EAGAIN.
 */
static int virq_vcpu_ack(struct virq_vcpu *vcpu)
{
	struct virq_chip *chip = vcpu->chip;
	int vector = -1;

	if (chip->pic && READ_ONCE(vcpu->extint))
		vector = virq_pic_read_acknowledge(chip->pic, vcpu);
	if (vector < 0) {
		do {
			/* A candidate; test_and_clear_bit() decides. */
			vector = data_race(find_last_bit(vcpu->irr, 256));
			if (vector >= 256) {
				vector = -EAGAIN;
				break;
			}
		} while (!test_and_clear_bit(vector, vcpu->irr));
		virq_vcpu_recheck_intr(vcpu);
	}
	if (vector >= 0)
		virq_count(&vcpu->run->acks);
	return vector;
}

static bool virq_vcpu_woken(struct virq_vcpu *vcpu)
{
	return atomic_read(virq_req_word(vcpu)) & VIRQ_REQ_WAKE_MASK;
}

static long virq_vcpu_wait(struct virq_vcpu *vcpu, void __user *argp)
{
	struct virq_vcpu_wait w;
	long ret;

	if (copy_from_user(&w, argp, sizeof(w)))
		return -EFAULT;
	if ((w.flags & ~VIRQ_WAIT_ACK) || w.pad)
		return -EINVAL;

	atomic_set(virq_mode_word(vcpu), VIRQ_MODE_HALTED);
	if (w.timeout_ns < 0)
		ret = wait_event_interruptible(vcpu->wq, virq_vcpu_woken(vcpu));
	else if (w.timeout_ns == 0)
		ret = virq_vcpu_woken(vcpu) ? 0 : -ETIME;
	else
		ret = wait_event_interruptible_hrtimeout(vcpu->wq,
							 virq_vcpu_woken(vcpu),
							 ns_to_ktime(w.timeout_ns));
	atomic_set(virq_mode_word(vcpu), VIRQ_MODE_OUTSIDE);

	if (ret == -ETIME)
		return -ETIMEDOUT;
	if (ret)
		return -EINTR;	/* a signal: never restarted */
	if (w.flags & VIRQ_WAIT_ACK) {
		ret = virq_vcpu_ack(vcpu);
		return ret >= 0 ? ret : VIRQ_WAIT_NO_VECTOR;
	}
	return 0;
}

static long virq_vcpu_set_signal(struct virq_vcpu *vcpu, void __user *argp)
{
	struct virq_vcpu_signal s;
	struct task_struct *old, *task = NULL;
	unsigned long flags;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (s.flags || s.signo >= _NSIG || s.signo == SIGKILL ||
	    s.signo == SIGSTOP)
		return -EINVAL;
	if (s.signo)
		task = get_task_struct(current);
	spin_lock_irqsave(&vcpu->lock, flags);
	old = vcpu->sig_task;
	vcpu->sig_task = task;
	vcpu->sig_no = s.signo;
	spin_unlock_irqrestore(&vcpu->lock, flags);
	if (old)
		put_task_struct(old);
	return 0;
}

static long virq_vcpu_io(struct virq_vcpu *vcpu, void __user *argp)
{
	struct virq_io io;

	if (copy_from_user(&io, argp, sizeof(io)))
		return -EFAULT;
	if (!virq_io_valid(&io))
		return -EINVAL;
	/* No per-vCPU device (LAPIC) in this version claims anything. */
	return -ENOENT;
}

static long virq_vcpu_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct virq_vcpu *vcpu = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case VIRQ_VCPU_WAIT:
		return virq_vcpu_wait(vcpu, argp);
	case VIRQ_VCPU_ACK:
		return virq_vcpu_ack(vcpu);
	case VIRQ_VCPU_SET_SIGNAL:
		return virq_vcpu_set_signal(vcpu, argp);
	case VIRQ_VCPU_KICK:
		virq_vcpu_request(vcpu, VIRQ_REQ_EVENT);
		virq_vcpu_kick(vcpu);
		return 0;
	case VIRQ_IO:
		return virq_vcpu_io(vcpu, argp);
	default:
		return -ENOTTY;
	}
}

static vm_fault_t virq_vcpu_fault(struct vm_fault *vmf)
{
	struct virq_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	get_page(vcpu->run_page);
	vmf->page = vcpu->run_page;
	return 0;
}

static const struct vm_operations_struct virq_vcpu_vm_ops = {
	.fault = virq_vcpu_fault,
};

static int virq_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff || vma_pages(vma) != 1 ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	vma->vm_ops = &virq_vcpu_vm_ops;
	return 0;
}

static int virq_vcpu_release(struct inode *inode, struct file *file)
{
	struct virq_vcpu *vcpu = file->private_data;
	struct virq_chip *chip = vcpu->chip;
	struct task_struct *old;
	unsigned long flags;

	spin_lock_irqsave(&vcpu->lock, flags);
	old = vcpu->sig_task;
	vcpu->sig_task = NULL;
	spin_unlock_irqrestore(&vcpu->lock, flags);
	if (old)
		put_task_struct(old);
	/* The vCPU itself lives, wired into the chip, as long as the chip. */
	virq_chip_put(chip);
	return 0;
}

static const struct file_operations virq_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = virq_vcpu_release,
	.unlocked_ioctl = virq_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = virq_vcpu_mmap,
	.llseek = noop_llseek,
};

void virq_vcpu_free(struct virq_vcpu *vcpu)
{
	/* A mapping of the run page keeps its own page reference. */
	__free_page(vcpu->run_page);
	kfree(vcpu);
}

static bool virq_apic_id_ok(struct virq_chip *chip, u32 apic_id)
{
	if (chip->cfg.flags & VIRQ_CHIP_32BIT_IDS)
		return apic_id != U32_MAX;
	return apic_id < 0xff;	/* 0xff is the xAPIC broadcast ID */
}

int virq_vcpu_create(struct virq_chip *chip, u32 apic_id)
{
	struct virq_vcpu *vcpu;
	struct file *file;
	int fd, ret;

	if (!virq_apic_id_ok(chip, apic_id))
		return -EINVAL;

	mutex_lock(&chip->lock);
	ret = -EEXIST;
	if (virq_vcpu_by_apic_id(chip, apic_id))
		goto unlock;
	ret = -ENOSPC;
	if (chip->nr_vcpus >= chip->cfg.max_vcpus)
		goto unlock;

	ret = -ENOMEM;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		goto unlock;
	vcpu->run_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vcpu->run_page)
		goto free_vcpu;
	vcpu->run = page_address(vcpu->run_page);
	vcpu->run->apic_id = apic_id;
	vcpu->chip = chip;
	vcpu->apic_id = apic_id;
	spin_lock_init(&vcpu->lock);
	init_waitqueue_head(&vcpu->wq);

	fd = get_unused_fd_flags(O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto free_page;
	}
	file = anon_inode_getfile("virq-vcpu", &virq_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		put_unused_fd(fd);
		goto free_page;
	}
	kref_get(&chip->ref);

	/* nr_vcpus changes only under chip->lock, which we hold. */
	chip->vcpus[chip->nr_vcpus] = vcpu;
	/* Publish: readers see the slot filled before the count covers it. */
	smp_store_release(&chip->nr_vcpus, chip->nr_vcpus + 1);
	/* The BSP receives the PIC's INT output. */
	if (apic_id == 0 && chip->pic)
		virq_pic_connect(chip->pic, vcpu);
	mutex_unlock(&chip->lock);
	fd_install(fd, file);
	return fd;

free_page:
	__free_page(vcpu->run_page);
free_vcpu:
	kfree(vcpu);
unlock:
	mutex_unlock(&chip->lock);
	return ret;
}
