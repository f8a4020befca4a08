#include <gtest/gtest.h>

#include "sslprovider.h"
#include "support/wide.h"

TEST(Smoke, OpenAndFree) {
  NCRYPT_PROV_HANDLE prov = 0;
  ASSERT_EQ(SslOpenProvider(&prov, W(u"OpenSSLP Protocol Provider"), 0), 0);
  EXPECT_NE(prov, 0u);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
  EXPECT_EQ(SslFreeObject(prov, 0), NTE_INVALID_HANDLE);
}
