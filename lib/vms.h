/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnsvsock: the VMs running on this host and their CIDs, from their command lines. */
#ifndef NSV_VMS_H
#define NSV_VMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The VMMs recognised, by the name of their program. */
enum nsv_vmm {
	NSV_VMM_QEMU, /* -device vhost-vsock-*,guest-cid=N; -name */
	NSV_VMM_CROSVM, /* run --cid N | --vsock [cid=]N */
	NSV_VMM_FIRECRACKER, /* --config-file: "vsock": guest_cid, uds_path; --id */
	NSV_VMM_CLOUD_HYPERVISOR, /* --vsock cid=N,socket=PATH */
	NSV_VMM_VHOST_DEVICE_VSOCK, /* --vm guest-cid=N,uds-path=PATH | --guest-cid */
};

struct nsv_vm {
	int pid;
	enum nsv_vmm vmm;
	bool has_cid; /* false: the CID is not on the command line */
	uint32_t cid;
	/*
	 * true: the host kernel routes the CID (vhost-vsock); false: the VMM
	 * carries vsock in user space, reached through @uds (hybrid vsock),
	 * and its CID means nothing to AF_VSOCK on the host.
	 */
	bool kernel;
	char name[64]; /* QEMU -name, Firecracker --id; "" if none */
	char uds[108]; /* the hybrid vsock Unix socket; "" if none */
};

/** nsv_vmm_name - "qemu", "crosvm", "firecracker", ... */
const char *nsv_vmm_name(enum nsv_vmm vmm);

/**
 * nsv_vms_from_cmdline - the VMs one process runs, from its command line
 * @proc: the proc file system the process is in (for files it names)
 * @pid: the process
 * @argv: its @argc arguments
 * @out: room for @max VMs
 *
 * Recognises the program by the last part of argv[0]. Firecracker's
 * --config-file is read relative to the process's root and working
 * directory in @proc. Returns the number of VMs filled (0 for another
 * program), at most @max.
 */
int nsv_vms_from_cmdline(const char *proc, int pid, int argc, char *const *argv,
			 struct nsv_vm *out, int max);

/**
 * nsv_vms_scan - every VM found in @proc ("/proc", or a tree made for tests)
 *
 * Reads /PROC/PID/cmdline of each process; processes that vanish or may
 * not be read are skipped. Sorted by CID (unknown last), then pid. Returns
 * the number of VMs and a malloc'ed array in *@out (NULL for none), or
 * -errno when @proc cannot be read.
 */
int nsv_vms_scan(const char *proc, struct nsv_vm **out);

#endif /* NSV_VMS_H */
