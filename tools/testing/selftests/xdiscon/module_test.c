// SPDX-License-Identifier: GPL-2.0
/*
 * Module life cycle: unloading is refused while a socket is open, works
 * once it is closed, and the module loads again.  A family number that is
 * already taken fails the load with EBUSY and a dmesg line naming the
 * parameter.  XDISCON_KO names the module file.  This test unloads the
 * module, so it runs after the others.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/sockios.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

static int xd_unload(void)
{
	return syscall(SYS_delete_module, "xdiscon", O_NONBLOCK);
}

static int xd_load(const char *params)
{
	const char *path = getenv("XDISCON_KO");
	int fd, ret, err;

	if (!path) {
		errno = ENOENT;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/* Read /dev/kmsg records from fd until one contains needle. */
static int kmsg_has(int fd, const char *needle)
{
	char rec[1024];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* records overwritten */
			continue;
		if (n <= 0)
			return 0;
		rec[n] = '\0';
		if (strstr(rec, needle))
			return 1;
	}
}

TEST(unload_refused_while_socket_open)
{
	int fd = xd_socket(SOCK_STREAM);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xd_unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	ASSERT_EQ(0, close(fd));
}

/* Turn on-demand module loading off (empty path) or back on. */
static void set_modprobe(const char *path, char *saved, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/modprobe", "r+");

	if (!f)
		return;
	if (saved && !fgets(saved, len, f))
		saved[0] = '\0';
	rewind(f);
	fprintf(f, "%s\n", path);
	fclose(f);
}

/*
 * A listener, a connection not yet accepted, and a closed socket still
 * delivering in the background all hold the module; once they are gone
 * it unloads.
 */
TEST(unload_refused_while_listener_and_background_close)
{
	int l = xd_listener(SOCK_STREAM, 4), c = xd_socket(SOCK_STREAM);
	int rcvbuf = 4096, s, q, pending = xd_socket(SOCK_STREAM);
	char buf[65536] = {};

	ASSERT_LE(0, l);
	ASSERT_EQ(0, xd_connect(c, xd_port(l)));
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, xd_connect(pending, xd_port(l)));	/* never accepted */
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(sizeof(buf), send(c, buf, sizeof(buf), 0));
	ASSERT_EQ(0, ioctl(c, SIOCOUTQ, &q));
	ASSERT_LT(0, q);
	close(c);			/* delivering in the background */
	EXPECT_EQ(-1, xd_unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(l);
	close(pending);
	EXPECT_EQ(-1, xd_unload());	/* the background close remains */
	while (recv(s, buf, sizeof(buf), 0) > 0)
		;
	close(s);
	EXPECT_EQ(0, xd_unload());
	ASSERT_EQ(0, xd_load(""));
}

TEST(unload_then_reload)
{
	char modprobe[256] = "";
	int fd;

	ASSERT_EQ(0, xd_unload());
	EXPECT_EQ(-1, xd_family());
	/* An installed module (DKMS) would be loaded on demand: not here. */
	set_modprobe("", modprobe, sizeof(modprobe));
	fd = socket(AF_XDISCON_DEFAULT, SOCK_STREAM, 0);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EAFNOSUPPORT, errno);
	modprobe[strcspn(modprobe, "\n")] = '\0';
	set_modprobe(modprobe, NULL, 0);
	ASSERT_EQ(0, xd_load(""));
	fd = xd_socket(SOCK_SEQPACKET);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST(taken_family_fails_with_message)
{
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	ASSERT_LE(0, kmsg);
	ASSERT_LE(0, lseek(kmsg, 0, SEEK_END));
	ASSERT_EQ(0, xd_unload());
	/* AF_UNIX (1) is always registered. */
	EXPECT_EQ(-1, xd_load("family=1"));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_TRUE(kmsg_has(kmsg, "load with family=N"));
	EXPECT_EQ(-1, xd_load("family=46"));
	EXPECT_EQ(EINVAL, errno);
	close(kmsg);
	ASSERT_EQ(0, xd_load(""));
	EXPECT_EQ(AF_XDISCON_DEFAULT, xd_family());
}

TEST_HARNESS_MAIN
