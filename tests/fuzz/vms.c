// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: VMM command lines and Firecracker configs, where CIDs are found. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "vms.h"

/*
 * The input is a /proc/PID/cmdline (words ending in NUL), then an empty
 * word, then the file a Firecracker --config-file names: the VM finder
 * reads it as PROC/PID/cwd/NAME, so it is written to a /proc-like tree of
 * our own. Promises: the count is 0..max; each VM is of the program
 * argv[0] names, with the given pid, and its name and socket path are
 * NUL-terminated within their arrays.
 */

#define PID 4242
#define MAXVMS 4

static char proc[64]; /* the tree: PROC/4242/cwd/ */

/* Makes the tree with @size bytes as its vm.json; undone by untree(). */
static void tree(const uint8_t *data, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(proc, sizeof(proc), "/tmp/nsv-fuzz-vms.%d", (int)getpid());
	mkdir(proc, 0700);
	snprintf(path, sizeof(path), "%s/%d", proc, PID);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/cwd", proc, PID);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/cwd/vm.json", proc, PID);
	f = fopen(path, "w");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
		abort();
}

static void untree(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%d/cwd/vm.json", proc, PID);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d/cwd", proc, PID);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/%d", proc, PID);
	rmdir(path);
	rmdir(proc);
}

/* The program's name, as the finder sees it: argv[0] after its last '/'. */
static const char *base(const char *argv0)
{
	const char *b = strrchr(argv0, '/');

	return b ? b + 1 : argv0;
}

static int one(const uint8_t *data, size_t size)
{
	struct nsv_vm vms[MAXVMS];
	char *words, *argv[64];
	size_t i, start = 0, cmdlen = size;
	int argc = 0, n, k;

	/* the command line ends at its first empty word */
	for (i = 0; i < size; i++) {
		if (data[i])
			continue;
		if (i == start) {
			cmdlen = i;
			break;
		}
		start = i + 1;
	}
	tree(data + (cmdlen < size ? cmdlen + 1 : size),
	     cmdlen < size ? size - cmdlen - 1 : 0);
	words = malloc(cmdlen + 1);
	if (!words)
		abort();
	memcpy(words, data, cmdlen);
	words[cmdlen] = '\0';
	for (i = 0; i < cmdlen && argc < 64; i += strlen(words + i) + 1)
		argv[argc++] = words + i;

	memset(vms, 0xa5, sizeof(vms));
	n = nsv_vms_from_cmdline(proc, PID, argc, argv, vms, MAXVMS);
	NSV_FUZZ_CHECK(n >= 0 && n <= MAXVMS);
	for (k = 0; k < n; k++) {
		const struct nsv_vm *v = &vms[k];

		NSV_FUZZ_CHECK(v->pid == PID);
		NSV_FUZZ_CHECK(memchr(v->name, 0, sizeof(v->name)) &&
			       memchr(v->uds, 0, sizeof(v->uds)));
		NSV_FUZZ_CHECK(nsv_vmm_name(v->vmm));
		switch (v->vmm) {
		case NSV_VMM_QEMU:
			NSV_FUZZ_CHECK(!strncmp(base(argv[0]), "qemu", 4));
			break;
		case NSV_VMM_CROSVM:
			NSV_FUZZ_CHECK(!strcmp(base(argv[0]), "crosvm"));
			break;
		case NSV_VMM_FIRECRACKER:
			NSV_FUZZ_CHECK(!strcmp(base(argv[0]), "firecracker"));
			break;
		case NSV_VMM_CLOUD_HYPERVISOR:
			NSV_FUZZ_CHECK(
				!strcmp(base(argv[0]), "cloud-hypervisor"));
			break;
		case NSV_VMM_VHOST_DEVICE_VSOCK:
			NSV_FUZZ_CHECK(
				!strcmp(base(argv[0]), "vhost-device-vsock"));
			break;
		default:
			NSV_FUZZ_CHECK(!"a VMM with no name");
		}
	}
	untree();
	free(words);
	return 0;
}

/* Command lines (words joined by NUL), then an empty word and a config. */
static const char cmdlines[][320] = {
	"/usr/bin/qemu-system-x86_64\0-name\0guest=lab,debug-threads=on\0"
	"-device\0vhost-vsock-pci,id=v0,guest-cid=3\0-device\0"
	"vhost-vsock-pci,guest-cid=0x10\0",
	"qemu-kvm\0-name\0web\0-device\0"
	"{\"driver\":\"vhost-vsock-pci\",\"guest-cid\":7}\0",
	"qemu-system-aarch64\0-device\0vhost-vsock-pci,guest-cid=\0",
	"crosvm\0run\0--cid\x00"
	"5\0/vmlinux\0",
	"crosvm\0run\0--vsock\0cid=6\0",
	"cloud-hypervisor\0--vsock\0cid=8,socket=/run/ch.sock\0",
	"vhost-device-vsock\0--vm\0guest-cid=9,uds-path=/tmp/v.sock\0"
	"--vm\0guest-cid=10,uds-path=/tmp/w.sock,socket=/tmp/x\0",
	"firecracker\0--id\0fc1\0--config-file\0vm.json\0\0"
	"{\"vsock\": {\"guest_cid\": 11, \"uds_path\": \"/tmp/fc.sock\"}}",
	"firecracker\0--config-file=vm.json\0\0"
	"{\"vsock\":{\"guest_cid\":\"12\",\"uds_path\":\"/tmp/fc.sock\\\"\"}",
	"firecracker\0--config-file\0vm.json\0\0{\"guest_cid\":",
	"/bin/bash\0-c\0qemu\0",
};

static void gen(nsv_fuzz_emit emit, void *ctx)
{
	size_t i, len;

	for (i = 0; i < sizeof(cmdlines) / sizeof(cmdlines[0]); i++) {
		/* the end: the last NUL of the text before the padding */
		len = sizeof(cmdlines[i]);
		while (len && !cmdlines[i][len - 1])
			len--;
		if (emit(cmdlines[i], len + 1, ctx))
			return;
	}
}

static const struct nsv_fuzz_target target = {
	.name = "vms",
	.one = one,
	.gen = gen,
};
NSV_FUZZ_TARGET(target)
