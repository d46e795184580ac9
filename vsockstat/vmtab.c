// SPDX-License-Identifier: LGPL-2.1-or-later
/* The VMs of vsockstat --vms printed: an aligned table, or the JSON schema's "vms". */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "socktab.h"
#include "vmtab.h"

enum { V_CID, V_NAME, V_VMM, V_PID, V_VIA, V_MAX };

static const char *const titles[V_MAX] = { "CID", "Name", "VMM", "Pid", "Via" };

static void cell(const struct nsv_vm *vm, int c, char *buf, size_t len)
{
	switch (c) {
	case V_CID:
		if (vm->has_cid)
			snprintf(buf, len, "%u", vm->cid);
		else
			snprintf(buf, len, "-");
		break;
	case V_NAME:
		snprintf(buf, len, "%s", vm->name[0] ? vm->name : "-");
		break;
	case V_VMM:
		snprintf(buf, len, "%s", nsv_vmm_name(vm->vmm));
		break;
	case V_PID:
		snprintf(buf, len, "%d", vm->pid);
		break;
	default:
		snprintf(buf, len, "%s",
			 vm->kernel ? "vhost-vsock" :
			 vm->uds[0] ? vm->uds :
				      "-");
	}
}

int nsv_vmtab_print(FILE *f, const struct nsv_vm *v, size_t n,
		    unsigned int flags)
{
	bool header = !(flags & NSV_STAT_NOHEADER);
	size_t width[V_MAX] = { 0 }, i;
	char buf[256];
	int c;

	for (c = 0; c < V_MAX; c++)
		width[c] = header ? strlen(titles[c]) : 0;
	for (i = 0; i < n; i++)
		for (c = 0; c < V_MAX; c++) {
			cell(&v[i], c, buf, sizeof(buf));
			if (strlen(buf) > width[c])
				width[c] = strlen(buf);
		}
	for (i = 0; i < n + header; i++) {
		for (c = 0; c < V_MAX; c++) {
			if (header && i == 0)
				snprintf(buf, sizeof(buf), "%s", titles[c]);
			else
				cell(&v[i - header], c, buf, sizeof(buf));
			/* nothing trails a line */
			if (c + 1 == V_MAX)
				fprintf(f, "%s\n", buf);
			else if (c == V_CID || c == V_PID)
				fprintf(f, "%*s ", (int)width[c], buf);
			else
				fprintf(f, "%-*s ", (int)width[c], buf);
		}
	}
	return ferror(f) ? -EIO : 0;
}

int nsv_vmtab_json(struct nsv_json *j, const struct nsv_vm *v, size_t n)
{
	size_t i;

	nsv_json_obj_begin(j, NULL);
	nsv_json_str(j, "schema", "vsockstat/1");
	nsv_json_arr_begin(j, "vms");
	for (i = 0; i < n; i++) {
		nsv_json_obj_begin(j, NULL);
		if (v[i].has_cid)
			nsv_json_u64(j, "cid", v[i].cid);
		else
			nsv_json_null(j, "cid");
		nsv_json_str(j, "name", v[i].name[0] ? v[i].name : NULL);
		nsv_json_str(j, "vmm", nsv_vmm_name(v[i].vmm));
		nsv_json_u64(j, "pid", (uint64_t)v[i].pid);
		nsv_json_str(j, "transport", v[i].kernel ? "vhost" : "hybrid");
		nsv_json_str(j, "uds_path", v[i].uds[0] ? v[i].uds : NULL);
		nsv_json_obj_end(j);
	}
	nsv_json_arr_end(j);
	return nsv_json_obj_end(j);
}
