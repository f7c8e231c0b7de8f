// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDISCON: socket family registration and the socket API entry points.
 *
 * The family number is a module parameter: Linux refuses numbers at or
 * above AF_MAX, so xdiscon reuses a slot that mainline never registers
 * (see include/uapi/linux/xdiscon.h).  If another module holds the slot,
 * loading fails and says which parameter chooses another.
 */

#include <linux/module.h>
#include <linux/net.h>
#include <net/sock.h>
#include <kunit/visibility.h>

#include "compat.h"
#include "xdiscon.h"

static int family = AF_XDISCON_DEFAULT;
module_param(family, int, 0444);
MODULE_PARM_DESC(family, "socket family number to register (default "
		 __stringify(AF_XDISCON_DEFAULT) ", below AF_MAX)");

int xdiscon_family(void)
{
	return family;
}
EXPORT_SYMBOL_IF_KUNIT(xdiscon_family);

static struct proto xdiscon_proto = {
	.name		= "XDISCON",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xdiscon_sock),
};

static int xdiscon_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;

	lock_sock(sk);
	sock_orphan(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	release_sock(sk);

	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

/*
 * Until the connection machinery lands, every operation beyond create and
 * release answers EOPNOTSUPP (sock_no_*), which is what the family honestly
 * supports.  .family holds the default number: the kernel reads the
 * registered number from struct net_proto_family and sk->sk_family, never
 * from here.
 */
#define XDISCON_COMMON_OPS					\
	.family		= PF_XDISCON,				\
	.owner		= THIS_MODULE,				\
	.release	= xdiscon_release,			\
	.bind		= sock_no_bind,				\
	.connect	= sock_no_connect,			\
	.socketpair	= sock_no_socketpair,			\
	.accept		= sock_no_accept,			\
	.getname	= sock_no_getname,			\
	.poll		= datagram_poll,			\
	.ioctl		= sock_no_ioctl,			\
	.listen		= sock_no_listen,			\
	.shutdown	= sock_no_shutdown,			\
	.sendmsg	= sock_no_sendmsg,			\
	.recvmsg	= sock_no_recvmsg,			\
	.mmap		= sock_no_mmap

static const struct proto_ops xdiscon_stream_ops = {
	XDISCON_COMMON_OPS,
};

static const struct proto_ops xdiscon_seqpacket_ops = {
	XDISCON_COMMON_OPS,
};

static int xdiscon_create(struct net *net, struct socket *sock, int protocol,
			  int kern)
{
	struct sock *sk;

	if (protocol)
		return -EPROTONOSUPPORT;

	switch (sock->type) {
	case SOCK_STREAM:
		sock->ops = &xdiscon_stream_ops;
		break;
	case SOCK_SEQPACKET:
		sock->ops = &xdiscon_seqpacket_ops;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}

	sk = sk_alloc(net, family, GFP_KERNEL, &xdiscon_proto, kern);
	if (!sk)
		return -ENOMEM;

	sock_init_data(sock, sk);
	sk->sk_state = XDISCON_UNCONNECTED;
	return 0;
}

static struct net_proto_family xdiscon_family_ops = {
	.create	= xdiscon_create,
	.owner	= THIS_MODULE,
};

static int __init xdiscon_init(void)
{
	int err;

	if (family <= 0 || family >= AF_MAX) {
		pr_err("xdiscon: family=%d is outside 1..%d\n", family,
		       AF_MAX - 1);
		return -EINVAL;
	}

	xdiscon_family_ops.family = family;

	err = proto_register(&xdiscon_proto, 1);
	if (err)
		return err;

	err = sock_register(&xdiscon_family_ops);
	if (err == -EEXIST)
		pr_err("xdiscon: socket family %d is taken by another module; load with family=N to choose a free slot below %d\n",
		       family, AF_MAX);
	if (err)
		goto err_proto;

	return 0;

err_proto:
	proto_unregister(&xdiscon_proto);
	return err;
}

static void __exit xdiscon_exit(void)
{
	sock_unregister(family);
	proto_unregister(&xdiscon_proto);
}

module_init(xdiscon_init);
module_exit(xdiscon_exit);

MODULE_DESCRIPTION("AF_XDISCON: connections that end with disconnect data");
MODULE_LICENSE("GPL");
MODULE_ALIAS_NETPROTO(AF_XDISCON_DEFAULT);
