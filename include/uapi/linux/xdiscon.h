/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * AF_XDISCON: connections that end with disconnect data.
 *
 * This header is the user API contract of the xdiscon module.  It is
 * usable from plain C (userspace includes it after <sys/socket.h>) and
 * every constant stands on a line of its own so tests can parse it.
 */
#ifndef _UAPI_LINUX_XDISCON_H
#define _UAPI_LINUX_XDISCON_H

#include <linux/types.h>
#include <linux/socket.h>

/*
 * The family number.  Linux has no free number below AF_MAX, so the
 * module reuses a slot that no mainline code registers: 22 (AF_SNA, never
 * implemented).  The number is the module parameter "family"; the live
 * value is /sys/module/xdiscon/parameters/family.
 */
#define AF_XDISCON_DEFAULT	22
#define AF_XDISCON		AF_XDISCON_DEFAULT
#define PF_XDISCON		AF_XDISCON

/* Socket option and control message level; no mainline kernel uses it. */
#define SOL_XDISCON		299

/* Transports, in sockaddr_xdiscon.sxd_transport. */
#define XDISCON_TRANSPORT_LOCAL	1	/* same host, per network namespace */
#define XDISCON_TRANSPORT_INET	2	/* over TCP, IPv4 or IPv6 */

struct sockaddr_xdiscon {
	__kernel_sa_family_t	sxd_family;	/* AF_XDISCON */
	__u16			sxd_transport;	/* XDISCON_TRANSPORT_* */
	__be16			sxd_port;	/* 0: pick an ephemeral port */
	__u16			sxd_flags;	/* must be 0 */
	__u8			sxd_addr[16];	/* IPv6 or v4-mapped; 0 for LOCAL */
	__u32			sxd_scope_id;	/* IPv6 scope; 0 otherwise */
};

/*
 * Control message at level SOL_XDISCON.  On sendmsg its payload (0 to
 * XDISCON_MAX_DISCDATA bytes) is the disconnect data: after the message's
 * own data the sending direction is shut down (WSASendDisconnect).  On
 * recvmsg it accompanies every end-of-stream return (0) and carries the
 * peer's disconnect data, possibly empty (WSARecvDisconnect).
 */
#define XDISCON_CMSG_DISCONNECT	1

/*
 * Control message at level SOL_XDISCON on sendmsg, in a message with no
 * data: abort the connection with data.  What the socket still holds to
 * send is dropped and the connection resets, as with SO_LINGER {1, 0},
 * but the peer gets the payload (0 to XDISCON_MAX_DISCDATA bytes) with
 * the reset: its next call fails with ECONNRESET, and
 * XDISCON_PEER_ABORTDATA returns the payload.
 */
#define XDISCON_CMSG_ABORT	2

/*
 * The most disconnect data any socket sends or receives, whatever the
 * limit XDISCON_MAX_DISCDATA reports: a buffer this size takes any
 * disconnect data.
 */
#define XDISCON_DISCDATA_CAP	65536

/* Socket options at level SOL_XDISCON. */
#define XDISCON_DISCDATA	1	/* set/get: data a later SHUT_WR or close() sends */
#define XDISCON_PEER_DISCDATA	2	/* get: the peer's disconnect data */
#define XDISCON_MAX_DISCDATA	3	/* get: int, the disconnect data limit */
/*
 * get: int, 1 once the sending direction is shut down and the peer's
 * transport has taken every byte and the disconnect (or the connection
 * has ended so that nothing more can be delivered), and on a socket that
 * never connected or listens; else 0.  Lets a non-blocking close with a
 * linger timeout (Winsock's WSAEWOULDBLOCK case) be done without
 * blocking: see xd_close_graceful(3).
 */
#define XDISCON_TX_DONE		4
/* get: the data of the peer's abort (XDISCON_CMSG_ABORT); ENODATA if none */
#define XDISCON_PEER_ABORTDATA	5

#endif /* _UAPI_LINUX_XDISCON_H */
