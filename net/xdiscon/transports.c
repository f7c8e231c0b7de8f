// SPDX-License-Identifier: GPL-2.0
/*
 * The transports this module is built with, in the order the module
 * starts them (their ->init) and the reverse of the order it stops them.
 * The core finds a transport here by the id an address names; nothing
 * else in the core names one.
 */

#include "xdiscon.h"
#include "local.h"
#include "inet.h"

const struct xdiscon_transport *const xdiscon_transports[] = {
	&xdiscon_local_transport,
	&xdiscon_inet_transport,
};

const unsigned int xdiscon_ntransports = ARRAY_SIZE(xdiscon_transports);
