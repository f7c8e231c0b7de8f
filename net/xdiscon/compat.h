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

/* 6.13 made MODULE_IMPORT_NS() take a string literal. */
#ifdef XDISCON_HAVE_IMPORT_NS_STRING
#define XDISCON_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define XDISCON_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

#endif /* _XDISCON_COMPAT_H */
