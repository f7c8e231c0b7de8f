/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where xdiscon bridges kernel API differences.  Kbuild
 * probes the target tree (see Kbuild) and defines XDISCON_HAVE_*; no
 * version checks anywhere else.
 */
#ifndef _XDISCON_COMPAT_H
#define _XDISCON_COMPAT_H

#include <linux/module.h>
#include <linux/net.h>

/*
 * 6.10 folded accept()'s flags and kern arguments into struct
 * proto_accept_arg.  xdiscon's accept works on struct xdiscon_accept_arg
 * and the proto_ops entry point below adapts to what the kernel passes.
 */
struct xdiscon_accept_arg {
	int flags;
	int err;
	bool kern;
};

#ifdef XDISCON_HAVE_PROTO_ACCEPT_ARG
#define XDISCON_DECLARE_ACCEPT(name, impl)				\
static int name(struct socket *sock, struct socket *newsock,		\
		struct proto_accept_arg *arg)				\
{									\
	struct xdiscon_accept_arg a = {					\
		.flags = arg->flags, .kern = arg->kern,			\
	};								\
	int err = impl(sock, newsock, &a);				\
									\
	arg->err = a.err;						\
	return err;							\
}
#else
#define XDISCON_DECLARE_ACCEPT(name, impl)				\
static int name(struct socket *sock, struct socket *newsock, int flags,	\
		bool kern)						\
{									\
	struct xdiscon_accept_arg a = { .flags = flags, .kern = kern };	\
									\
	return impl(sock, newsock, &a);					\
}
#endif

/* 6.13 made MODULE_IMPORT_NS() take a string literal. */
#ifdef XDISCON_HAVE_IMPORT_NS_STRING
#define XDISCON_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define XDISCON_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

#endif /* _XDISCON_COMPAT_H */
