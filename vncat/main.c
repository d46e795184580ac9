// SPDX-License-Identifier: GPL-2.0-or-later
/* vncat: netcat for AF_VSOCK. Options in (opts.c), then run.c. */
#include "config.h"

#include "vncat.h"

int main(int argc, char **argv)
{
	struct vncat_opts o;
	int r;

	vncat_opts_init(&o);
	r = vncat_opts_parse(&o, argc, argv);
	if (r == 0)
		r = vncat_run(&o);
	else if (r < 0) /* --help, --version */
		r = NSV_EXIT_OK;
	vncat_opts_free(&o);
	return r;
}
