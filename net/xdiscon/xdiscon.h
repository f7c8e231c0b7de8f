/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the xdiscon module.
 */
#ifndef _XDISCON_H
#define _XDISCON_H

#include <net/sock.h>
#include <linux/xdiscon.h>

/*
 * Connection states, in sk->sk_state.  Written under lock_sock(); read
 * locklessly only by poll() and /proc, through READ_ONCE().
 */
enum xdiscon_state {
	XDISCON_UNCONNECTED = 1,
};

/*
 * struct xdiscon_sock - an AF_XDISCON socket
 * @sk: the generic socket; must stay first (xdiscon_sk() casts).
 */
struct xdiscon_sock {
	struct sock sk;
};

static inline struct xdiscon_sock *xdiscon_sk(const struct sock *sk)
{
	return (struct xdiscon_sock *)sk;
}

int xdiscon_family(void);

#endif /* _XDISCON_H */
