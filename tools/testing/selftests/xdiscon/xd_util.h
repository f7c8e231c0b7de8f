/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the AF_XDISCON selftests. */
#ifndef XD_UTIL_H
#define XD_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <linux/xdiscon.h>

#define XD_FAMILY_PARAM "/sys/module/xdiscon/parameters/family"

/* The live family number, or -1 when the module is not loaded. */
static inline int xd_family(void)
{
	FILE *f = fopen(XD_FAMILY_PARAM, "r");
	int nr = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr;
}

static inline int xd_socket(int type)
{
	return socket(xd_family(), type, 0);
}

#endif /* XD_UTIL_H */
