// SPDX-License-Identifier: GPL-2.0
/* AF_XDISCON socket creation: types, protocols, family number. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

TEST(family_is_loaded_default)
{
	ASSERT_EQ(AF_XDISCON_DEFAULT, xd_family());
}

FIXTURE(types) {
	int fd;
};

FIXTURE_VARIANT(types) {
	int type;
};

FIXTURE_VARIANT_ADD(types, stream) { .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(types, seqpacket) { .type = SOCK_SEQPACKET };

FIXTURE_SETUP(types)
{
	self->fd = -1;
}

FIXTURE_TEARDOWN(types)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(types, create)
{
	int type = -1, domain = -1;
	socklen_t len = sizeof(type);

	self->fd = xd_socket(variant->type);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_TYPE, &type, &len));
	EXPECT_EQ(variant->type, type);
	len = sizeof(domain);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_DOMAIN, &domain,
				&len));
	EXPECT_EQ(xd_family(), domain);
}

TEST_F(types, create_flags)
{
	self->fd = xd_socket(variant->type | SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, self->fd);
	EXPECT_NE(0, fcntl(self->fd, F_GETFL) & O_NONBLOCK);
	EXPECT_NE(0, fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(types, wrong_protocol)
{
	EXPECT_EQ(-1, socket(xd_family(), variant->type, IPPROTO_TCP));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	EXPECT_EQ(-1, socket(xd_family(), variant->type, 1));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
}

TEST(wrong_types)
{
	static const int types[] = {
		SOCK_DGRAM, SOCK_RAW, SOCK_RDM, 0, SOCK_PACKET,
	};
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		EXPECT_EQ(-1, socket(xd_family(), types[i], 0));
		EXPECT_EQ(ESOCKTNOSUPPORT, errno) {
			TH_LOG("type %d", types[i]);
		}
	}
}

TEST_HARNESS_MAIN
