// SPDX-License-Identifier: LGPL-2.1-or-later
/* Running VMs and their CIDs, read off the command lines of their VMMs in /proc. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "vms.h"

#define MAX_CMDLINE (256 << 10)
#define MAX_ARGS 4096
#define MAX_CONFIG (1 << 20)

static const char *const vmm_names[] = {
	[NSV_VMM_QEMU] = "qemu",
	[NSV_VMM_CROSVM] = "crosvm",
	[NSV_VMM_FIRECRACKER] = "firecracker",
	[NSV_VMM_CLOUD_HYPERVISOR] = "cloud-hypervisor",
	[NSV_VMM_VHOST_DEVICE_VSOCK] = "vhost-device-vsock",
};

const char *nsv_vmm_name(enum nsv_vmm vmm)
{
	if ((size_t)vmm >= sizeof(vmm_names) / sizeof(vmm_names[0]))
		return "?";
	return vmm_names[vmm];
}

/* A CID as VMMs write it: decimal or 0x-hex digits, no names. */
static int cid_value(const char *s, size_t n, uint32_t *cid)
{
	char w[24];

	if (!n || n >= sizeof(w) || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	memcpy(w, s, n);
	w[n] = '\0';
	if (nsv_cid_parse(w, cid) || *cid == NSV_CID_ANY)
		return -EINVAL;
	return 0;
}

/*
 * "--opt VALUE" or "--opt=VALUE" at argv[*i] (one or two dashes alike):
 * the value, with *i moved past it; NULL if argv[*i] is something else.
 */
static const char *opt_value(int argc, char *const *argv, int *i,
			     const char *opt)
{
	const char *a = argv[*i];
	size_t n;

	if (a[0] != '-')
		return NULL;
	a += a[1] == '-' ? 2 : 1;
	n = strlen(opt);
	if (strncmp(a, opt, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/*
 * The value of @key in a "k=v,k=v" list: QEMU's ",," is a literal comma.
 * With @key NULL, the first item if it has no '=' (an implied key).
 * Returns the length copied into @out, or -1 if there is none.
 */
static int kv_get(const char *list, const char *key, char *out, size_t len)
{
	const char *p = list;
	size_t klen = key ? strlen(key) : 0;
	bool first = true;

	while (*p) {
		const char *eq = NULL, *s = p;
		size_t n = 0;

		/* one item, up to a single comma */
		while (*p && !(*p == ',' && p[1] != ',')) {
			if (*p == '=' && !eq)
				eq = p;
			p += *p == ',' ? 2 : 1;
		}
		if (!key && first && !eq)
			goto found;
		if (key && eq && (size_t)(eq - s) == klen &&
		    !strncmp(s, key, klen)) {
			s = eq + 1;
			goto found;
		}
		first = false;
		if (*p)
			p++;
		continue;
found:
		for (; s < p && n + 1 < len; s++) {
			out[n++] = *s;
			if (*s == ',')
				s++; /* ",," */
		}
		out[n] = '\0';
		return (int)n;
	}
	return -1;
}

/*
 * The value of "key" in a flat JSON text: a string (without escapes) or a
 * number. Enough for the one-object -device arguments and VMM configs
 * this reads; returns its length or -1.
 */
static int json_get(const char *json, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	const char *p = json;

	while ((p = strchr(p, '"'))) {
		const char *v;
		size_t n = 0;

		p++;
		if (strncmp(p, key, klen) || p[klen] != '"') {
			p = strchr(p, '"');
			if (!p)
				return -1;
			p++;
			continue;
		}
		v = p + klen + 1;
		while (isspace((unsigned char)*v))
			v++;
		if (*v != ':')
			continue;
		v++;
		while (isspace((unsigned char)*v))
			v++;
		if (*v == '"') {
			for (v++; *v && *v != '"' && *v != '\\'; v++)
				if (n + 1 < len)
					out[n++] = *v;
			if (*v != '"')
				return -1;
		} else {
			for (; isalnum((unsigned char)*v); v++)
				if (n + 1 < len)
					out[n++] = *v;
		}
		out[n] = '\0';
		return (int)n;
	}
	return -1;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* One -device argument of QEMU, in either syntax: is it vhost-vsock? */
static bool qemu_vsock(const char *dev, uint32_t *cid, bool *has_cid)
{
	char drv[64], v[32];
	int n;

	if (dev[0] == '{') {
		if (json_get(dev, "driver", drv, sizeof(drv)) < 0)
			return false;
		n = json_get(dev, "guest-cid", v, sizeof(v));
	} else {
		if (kv_get(dev, NULL, drv, sizeof(drv)) < 0 &&
		    kv_get(dev, "driver", drv, sizeof(drv)) < 0)
			return false;
		n = kv_get(dev, "guest-cid", v, sizeof(v));
	}
	/* vhost-vsock-pci, -pci-non-transitional, -device, -ccw; never the
	 * vhost-user-vsock devices, whose CID their backend holds. */
	if (strncmp(drv, "vhost-vsock-", 12))
		return false;
	*has_cid = n > 0 && !cid_value(v, (size_t)n, cid);
	return true;
}

static void qemu_name(const char *arg, char *name, size_t len)
{
	/* -name [guest=]NAME[,process=...][,debug-threads=on] */
	if (kv_get(arg, "guest", name, len) < 0 &&
	    kv_get(arg, NULL, name, len) < 0)
		name[0] = '\0';
}

static int qemu(int argc, char *const *argv, struct nsv_vm *vm,
		struct nsv_vm *out, int max)
{
	char name[64] = "";
	const char *v;
	int i, k = 0;

	for (i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "name"))) {
			qemu_name(v, name, sizeof(name));
		} else if ((v = opt_value(argc, argv, &i, "device")) &&
			   k < max) {
			out[k] = *vm;
			if (qemu_vsock(v, &out[k].cid, &out[k].has_cid))
				k++;
		}
	}
	for (i = 0; i < k; i++) {
		out[i].kernel = true;
		snprintf(out[i].name, sizeof(out[i].name), "%s", name);
	}
	return k;
}

static int crosvm(int argc, char *const *argv, struct nsv_vm *vm)
{
	bool run = false;
	const char *v;
	char c[32];
	int i, n;

	vm->kernel = true;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "run"))
			run = true;
		else if ((v = opt_value(argc, argv, &i, "cid")))
			vm->has_cid = !cid_value(v, strlen(v), &vm->cid);
		else if ((v = opt_value(argc, argv, &i, "vsock"))) {
			/* --vsock N or --vsock cid=N[,device=PATH] */
			n = kv_get(v, "cid", c, sizeof(c));
			if (n < 0)
				n = kv_get(v, NULL, c, sizeof(c));
			vm->has_cid = n > 0 &&
				      !cid_value(c, (size_t)n, &vm->cid);
		}
	}
	return run && vm->has_cid ? 1 : 0;
}

/* A file the VMM names, as the VMM sees it: under its root or cwd. */
static char *read_config(const char *proc, int pid, const char *path)
{
	char full[4200], *buf;
	ssize_t n;
	int fd;

	snprintf(full, sizeof(full), "%s/%d/%s/%s", proc, pid,
		 path[0] == '/' ? "root" : "cwd", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(MAX_CONFIG + 1);
	n = buf ? read(fd, buf, MAX_CONFIG) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int firecracker(const char *proc, int pid, int argc, char *const *argv,
		       struct nsv_vm *vm)
{
	const char *v, *config = NULL;
	char c[32], *json;
	int i, n;

	for (i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "config-file")))
			config = v;
		else if ((v = opt_value(argc, argv, &i, "id")))
			snprintf(vm->name, sizeof(vm->name), "%s", v);
	}
	/* Configured through its API socket alone, its CID is not known. */
	json = config ? read_config(proc, pid, config) : NULL;
	if (json) {
		n = json_get(json, "guest_cid", c, sizeof(c));
		vm->has_cid = n > 0 && !cid_value(c, (size_t)n, &vm->cid);
		if (json_get(json, "uds_path", vm->uds, sizeof(vm->uds)) < 0)
			vm->uds[0] = '\0';
		free(json);
	}
	return 1;
}

static int cloud_hypervisor(int argc, char *const *argv, struct nsv_vm *vm)
{
	const char *v;
	char c[32];
	int i, n;

	for (i = 1; i < argc; i++) {
		v = opt_value(argc, argv, &i, "vsock");
		if (!v)
			continue;
		n = kv_get(v, "cid", c, sizeof(c));
		vm->has_cid = n > 0 && !cid_value(c, (size_t)n, &vm->cid);
		if (kv_get(v, "socket", vm->uds, sizeof(vm->uds)) < 0)
			vm->uds[0] = '\0';
	}
	return 1;
}

static int vhost_device_vsock(int argc, char *const *argv, struct nsv_vm *vm,
			      struct nsv_vm *out, int max)
{
	const char *v;
	char c[32];
	int i, n, k = 0;

	for (i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "vm")) && k < max) {
			/* --vm guest-cid=N,socket=S,uds-path=P (repeatable) */
			out[k] = *vm;
			n = kv_get(v, "guest-cid", c, sizeof(c));
			out[k].has_cid = n > 0 &&
					 !cid_value(c, (size_t)n, &out[k].cid);
			if (kv_get(v, "uds-path", out[k].uds,
				   sizeof(out[k].uds)) < 0)
				out[k].uds[0] = '\0';
			k++;
		} else if ((v = opt_value(argc, argv, &i, "guest-cid"))) {
			vm->has_cid = !cid_value(v, strlen(v), &vm->cid);
		} else if ((v = opt_value(argc, argv, &i, "uds-path"))) {
			snprintf(vm->uds, sizeof(vm->uds), "%s", v);
		}
	}
	if (k || max < 1)
		return k;
	out[0] = *vm;
	return 1;
}

int nsv_vms_from_cmdline(const char *proc, int pid, int argc, char *const *argv,
			 struct nsv_vm *out, int max)
{
	struct nsv_vm vm = { .pid = pid };
	const char *prog;
	int n = 0;

	if (argc < 1 || max < 1)
		return 0;
	prog = base(argv[0]);
	if (!strncmp(prog, "qemu", 4)) {
		vm.vmm = NSV_VMM_QEMU;
		return qemu(argc, argv, &vm, out, max);
	}
	if (!strcmp(prog, "vhost-device-vsock")) {
		vm.vmm = NSV_VMM_VHOST_DEVICE_VSOCK;
		return vhost_device_vsock(argc, argv, &vm, out, max);
	}
	if (!strcmp(prog, "crosvm")) {
		vm.vmm = NSV_VMM_CROSVM;
		n = crosvm(argc, argv, &vm);
	} else if (!strcmp(prog, "firecracker")) {
		vm.vmm = NSV_VMM_FIRECRACKER;
		n = firecracker(proc, pid, argc, argv, &vm);
	} else if (!strcmp(prog, "cloud-hypervisor")) {
		vm.vmm = NSV_VMM_CLOUD_HYPERVISOR;
		n = cloud_hypervisor(argc, argv, &vm);
	}
	if (n)
		out[0] = vm;
	return n;
}

/* The command line of @pid split into words; the count, or 0. */
static int read_cmdline(const char *proc, int pid, char *buf, size_t len,
			char **argv, int max)
{
	char path[4200];
	ssize_t n;
	int fd, argc = 0;
	size_t i;

	snprintf(path, sizeof(path), "%s/%d/cmdline", proc, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return 0; /* a kernel thread, or gone */
	buf[n] = '\0';
	for (i = 0; i < (size_t)n && argc < max; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	return argc;
}

static int vm_cmp(const void *a, const void *b)
{
	const struct nsv_vm *x = a, *y = b;

	if (x->has_cid != y->has_cid)
		return x->has_cid ? -1 : 1;
	if (x->has_cid && x->cid != y->cid)
		return x->cid < y->cid ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int nsv_vms_scan(const char *proc, struct nsv_vm **out)
{
	struct nsv_vm *v = NULL, one[16];
	size_t n = 0, cap = 0;
	char *buf, **argv;
	struct dirent *d;
	DIR *dir;
	int r = 0;

	*out = NULL;
	dir = opendir(proc);
	if (!dir)
		return -errno;
	buf = malloc(MAX_CMDLINE);
	argv = malloc(MAX_ARGS * sizeof(*argv));
	if (!buf || !argv) {
		r = -ENOMEM;
		goto out;
	}
	while ((d = readdir(dir))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);
		int argc, k, i;

		if (*end || pid <= 0 || pid > 0x7fffffff ||
		    !isdigit((unsigned char)d->d_name[0]))
			continue;
		argc = read_cmdline(proc, (int)pid, buf, MAX_CMDLINE, argv,
				    MAX_ARGS);
		k = nsv_vms_from_cmdline(proc, (int)pid, argc, argv, one,
					 (int)(sizeof(one) / sizeof(one[0])));
		for (i = 0; i < k; i++) {
			if (n == cap) {
				size_t c = cap ? 2 * cap : 16;
				struct nsv_vm *nv = realloc(v, c * sizeof(*v));

				if (!nv) {
					r = -ENOMEM;
					goto out;
				}
				v = nv;
				cap = c;
			}
			v[n++] = one[i];
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), vm_cmp);
out:
	closedir(dir);
	free(buf);
	free(argv);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	return (int)n;
}
