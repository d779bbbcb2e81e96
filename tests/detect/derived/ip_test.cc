#include "detect/derived/ip.h"

#include <gtest/gtest.h>

namespace trailwarden::detect {
namespace {

TEST(IpParse, LiteralsOnly) {
  auto v4 = parse_ip("203.0.113.9");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->version, 4);
  EXPECT_EQ(v4->bytes[0], 203);
  auto v6 = parse_ip("2600:1f18::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->version, 6);
  for (const char* bad : {"", "ec2.amazonaws.com", "AWS Internal", "1.2.3", "1.2.3.256", "01.2.3.4",
                          "1.2.3.4 ", "fe80::1%eth0", "::g"}) {
    EXPECT_FALSE(parse_ip(bad)) << bad;
  }
  EXPECT_FALSE(parse_ip(std::string(100, '1')));
}

TEST(IpPrivate, SpecialPurposeRangesAreNotPublic) {
  for (const char* p :
       {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "127.0.0.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "192.0.2.10", "224.0.0.1", "255.255.255.255", "::1",
        "::", "fd00::1", "fe80::1", "ff02::1", "2001:db8::5", "::ffff:10.0.0.1"}) {
    auto ip = parse_ip(p);
    ASSERT_TRUE(ip) << p;
    EXPECT_TRUE(is_private(*ip)) << p;
  }
  for (const char* p : {"8.8.8.8", "172.32.0.1", "100.128.0.1", "52.95.110.1", "2600:1f18::1",
                        "::ffff:8.8.8.8", "2001:4860::8888"}) {
    auto ip = parse_ip(p);
    ASSERT_TRUE(ip) << p;
    EXPECT_FALSE(is_private(*ip)) << p;
  }
}

}  // namespace
}  // namespace trailwarden::detect
