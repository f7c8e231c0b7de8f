/* SPDX-License-Identifier: GPL-2.0 */
/* The local transport, as the transport table (transports.c) sees it. */
#ifndef _XDISCON_LOCAL_H
#define _XDISCON_LOCAL_H

struct xdiscon_transport;

extern const struct xdiscon_transport xdiscon_local_transport;

#endif /* _XDISCON_LOCAL_H */
