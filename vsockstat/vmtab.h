/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vsockstat --vms: the VMs running here, as a table or JSON. */
#ifndef NSV_VMTAB_H
#define NSV_VMTAB_H

#include <stddef.h>
#include <stdio.h>

#include "json.h"
#include "vms.h"

/*
 * nsv_vmtab_print - one aligned line per VM: CID, Name, VMM, Pid, Via
 * ("vhost-vsock", or the Unix socket of a hybrid VMM); a title line unless
 * NSV_STAT_NOHEADER. Returns 0 or -EIO.
 */
int nsv_vmtab_print(FILE *f, const struct nsv_vm *v, size_t n,
		    unsigned int flags);

/** nsv_vmtab_json - {"schema", "vms": [...]}, see vsockstat(8) */
int nsv_vmtab_json(struct nsv_json *j, const struct nsv_vm *v, size_t n);

#endif /* NSV_VMTAB_H */
