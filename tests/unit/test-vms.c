// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: finding VMs and their CIDs in a made-up /proc, and their names feeding lookups. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "names.h"
#include "tap.h"
#include "vms.h"

static char proc[64];

/* PROC/PID/cmdline holding the words, each ended by a NUL, as the kernel writes it. */
static void cmdline(int pid, ...)
{
	char path[256];
	const char *w;
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", proc, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/cmdline", proc, pid);
	f = fopen(path, "w");
	if (!f)
		return;
	va_start(ap, pid);
	while ((w = va_arg(ap, const char *)))
		fwrite(w, 1, strlen(w) + 1, f);
	va_end(ap);
	fclose(f);
}

/* A file under PROC/PID/SUB (SUB: "cwd/x" or "root/etc/x"). */
static void file(int pid, const char *sub, const char *text)
{
	char path[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/%s", proc, pid, sub);
	for (p = path + strlen(proc) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void make_proc(void)
{
	char path[128];

	/* QEMU: the classic syntax, with -name and a second, other device */
	cmdline(101, "/usr/bin/qemu-system-x86_64", "-accel", "kvm", "-name",
		"web1", "-device", "virtio-net-pci,netdev=n0", "-device",
		"vhost-vsock-pci,id=v0,guest-cid=5", NULL);
	/* libvirt: JSON -device, -name guest=...,debug-threads=on */
	cmdline(102, "/usr/libexec/qemu-kvm", "-name",
		"guest=db1,debug-threads=on", "-device",
		"{\"driver\":\"vhost-vsock-pci\",\"id\":\"vsock0\","
		"\"guest-cid\":7,\"vhostfd\":\"28\",\"bus\":\"pci.7\"}",
		NULL);
	/* --device, driver=, a commaed name, a hex CID */
	cmdline(103, "qemu-system-aarch64", "--device",
		"driver=vhost-vsock-device,guest-cid=0x20", "-name",
		"odd,,name,process=q", NULL);
	/* QEMU without vsock, and one with vhost-user-vsock */
	cmdline(104, "qemu-system-x86_64", "-name", "novsock", "-device",
		"virtio-blk-pci,drive=d0", NULL);
	cmdline(105, "qemu-system-x86_64", "-name", "vu", "-device",
		"vhost-user-vsock-pci,chardev=c0", NULL);
	/* crosvm: --cid, --vsock cid=, --vsock N; not without "run" */
	cmdline(201, "/usr/bin/crosvm", "run", "--cid", "9", "bzImage", NULL);
	cmdline(202, "crosvm", "run", "--vsock",
		"cid=11,device=/dev/vhost-vsock", NULL);
	cmdline(203, "crosvm", "--log-level=info", "run", "--vsock=12", NULL);
	cmdline(204, "crosvm", "balloon", "--cid", "13", NULL);
	/* Firecracker: config relative to its cwd, absolute under its root
	 * (the jailer's chroot), and one configured through its API alone */
	cmdline(301, "/usr/bin/firecracker", "--api-sock", "/run/fc1.sock",
		"--config-file", "vm.json", "--id", "fc1", NULL);
	file(301, "cwd/vm.json",
	     "{\"boot-source\": {\"kernel_image_path\": \"vmlinux\"},\n"
	     " \"vsock\": {\"vsock_id\": \"v\", \"guest_cid\": 3,\n"
	     "             \"uds_path\": \"./v.sock\"}}\n");
	cmdline(302, "firecracker", "--id", "fc2", "--config-file=/etc/fc.json",
		NULL);
	file(302, "root/etc/fc.json",
	     "{\"vsock\":{\"guest_cid\":4,\"uds_path\":\"/v2.sock\"}}");
	cmdline(303, "firecracker", "--api-sock", "/run/fc3.sock", NULL);
	/* Cloud Hypervisor */
	cmdline(401, "cloud-hypervisor", "--kernel", "vmlinux", "--vsock",
		"cid=3,socket=/tmp/ch.vsock,iommu=off", NULL);
	/* vhost-device-vsock: two VMs; the older one-VM options */
	cmdline(501, "vhost-device-vsock", "--vm",
		"guest-cid=4,socket=/tmp/vhost4.socket,uds-path=/tmp/vm4.vsock",
		"--vm",
		"guest-cid=5,socket=/tmp/vhost5.socket,uds-path=/tmp/vm5.vsock",
		NULL);
	cmdline(502, "/usr/bin/vhost-device-vsock", "--guest-cid", "6",
		"--socket", "/tmp/v6.socket", "--uds-path", "/tmp/vm6.vsock",
		NULL);
	/* Others: a shell, a kernel thread (empty cmdline), not a pid */
	cmdline(601, "/bin/bash", "-c",
		"qemu-system-x86_64 -device "
		"vhost-vsock-pci,guest-cid=99",
		NULL);
	cmdline(602, NULL);
	snprintf(path, sizeof(path), "%s/self", proc);
	mkdir(path, 0755);
}

static const char *show(const struct nsv_vm *v)
{
	static char s[256];

	snprintf(s, sizeof(s), "%d %s %s%u %s %s %s", v->pid,
		 nsv_vmm_name(v->vmm), v->has_cid ? "" : "?",
		 v->has_cid ? v->cid : 0, v->name[0] ? v->name : "-",
		 v->kernel ? "vhost" : "hybrid", v->uds[0] ? v->uds : "-");
	return s;
}

static void test_scan(void)
{
	static const char *const want[] = {
		"301 firecracker 3 fc1 hybrid ./v.sock",
		"401 cloud-hypervisor 3 - hybrid /tmp/ch.vsock",
		"302 firecracker 4 fc2 hybrid /v2.sock",
		"501 vhost-device-vsock 4 - hybrid /tmp/vm4.vsock",
		"101 qemu 5 web1 vhost -",
		"501 vhost-device-vsock 5 - hybrid /tmp/vm5.vsock",
		"502 vhost-device-vsock 6 - hybrid /tmp/vm6.vsock",
		"102 qemu 7 db1 vhost -",
		"201 crosvm 9 - vhost -",
		"202 crosvm 11 - vhost -",
		"203 crosvm 12 - vhost -",
		"103 qemu 32 odd,name vhost -",
		"303 firecracker ?0 - hybrid -",
	};
	struct nsv_vm *v = NULL;
	size_t i;
	int n;

	n = nsv_vms_scan(proc, &v);
	tap_is_int(n, (int)(sizeof(want) / sizeof(want[0])),
		   "every VM of the made-up /proc, and nothing else");
	for (i = 0;
	     n > 0 && i < (size_t)n && i < sizeof(want) / sizeof(want[0]); i++)
		tap_is_str(show(&v[i]), want[i], "VM %zu", i);
	free(v);
	tap_is_int(nsv_vms_scan("/nonexistent/proc", &v), -ENOENT,
		   "a proc that is not there is -ENOENT");
}

static void test_names(void)
{
	char path[128];
	struct nsv_names *n = NULL;
	uint32_t cid;
	FILE *f;
	int r;

	/* The file names CID 7 and claims "web1" for CID 8: both win. */
	snprintf(path, sizeof(path), "%s/hosts", proc);
	f = fopen(path, "w");
	if (f) {
		fputs("7 database\n8 web1\n", f);
		fclose(f);
	}
	r = nsv_names_load_file(&n, path, false, proc, NULL, NULL);
	tap_ok(r == 0 && n, "names from a file and from the VMs");
	tap_ok(!nsv_names_cid(n, "db1", &cid) && cid == 7 &&
		       !strcmp(nsv_names_name(n, 7), "database"),
	       "a VM's name for a CID the file names is an alias; the file's "
	       "shows");
	tap_ok(!nsv_names_cid(n, "web1", &cid) && cid == 8 &&
		       nsv_names_name(n, 5) == NULL,
	       "a name the file gives another CID stays the file's");
	tap_ok(nsv_names_cid(n, "fc1", &cid) == -ENOENT &&
		       nsv_names_cid(n, "fc2", &cid) == -ENOENT,
	       "hybrid VMs' CIDs mean nothing to the host kernel: no names");
	tap_ok(nsv_names_cid(n, "odd,name", &cid) == -ENOENT &&
		       nsv_names_name(n, 32) == NULL,
	       "a VM name that is no valid name is left out");
	nsv_names_free(n);
	r = nsv_names_load_file(&n, path, false, NULL, NULL, NULL);
	tap_ok(r == 0 && nsv_names_cid(n, "db1", &cid) == -ENOENT,
	       "no proc, no VM names");
	nsv_names_free(n);
}

static void test_cmdline(void)
{
	char *const qemu[] = { "qemu-system-x86_64",	      "-device",
			       "vhost-vsock-pci,guest-cid=3", "-device",
			       "vhost-vsock-pci,guest-cid=4", NULL };
	char *const bad[] = { "qemu-system-x86_64",
			      "-device",
			      "vhost-vsock-pci,guest-cid=x",
			      "-device",
			      "vhost-vsock-pci,guest-cid=4294967295",
			      NULL };
	char *const dangling[] = { "qemu-system-x86_64", "-device", NULL };
	struct nsv_vm v[4];

	tap_is_int(nsv_vms_from_cmdline(proc, 1, 5, qemu, v, 4), 2,
		   "two vhost-vsock devices, two VMs");
	tap_is_int(nsv_vms_from_cmdline(proc, 1, 5, qemu, v, 1), 1,
		   "... no more than there is room for");
	tap_ok(nsv_vms_from_cmdline(proc, 1, 5, bad, v, 4) == 2 &&
		       !v[0].has_cid && !v[1].has_cid,
	       "a CID that is no CID is unknown, the device still counts");
	tap_is_int(nsv_vms_from_cmdline(proc, 1, 2, dangling, v, 4), 0,
		   "-device at the end");
	tap_is_int(nsv_vms_from_cmdline(proc, 1, 0, qemu, v, 4), 0, "no words");
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int main(void)
{
	snprintf(proc, sizeof(proc), "/tmp/test-vms-XXXXXX");
	if (!mkdtemp(proc)) {
		tap_ok(0, "a temporary directory");
		return tap_done();
	}
	make_proc();
	test_scan();
	test_names();
	test_cmdline();
	nftw(proc, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
