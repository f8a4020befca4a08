// alloc_main.cpp - main of opensslp_alloc_tests: installs the OpenSSL allocator hooks before
// anything can make OpenSSL allocate (OpenSSL 3.0 accepts CRYPTO_set_mem_functions only before
// its first allocation, and nothing of the provider runs before main: it has no static
// initialisers, tests/CMakeLists.txt opensslp_no_static_initializers), then runs the tests with
// the error-queue check of tests/support/error_queue_listener.h.
#include <gtest/gtest.h>

#include <cstdio>

#include "alloc/alloc_injection.h"
#include "support/error_queue_listener.h"

int main(int argc, char** argv) {
  if (!opensslp::alloc_test::InstallCryptoAllocator()) {
    std::fputs("opensslp_alloc_tests: OpenSSL refused CRYPTO_set_mem_functions (it already allocated)\n", stderr);
    return 1;
  }
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new opensslp::test::ErrorQueueListener());
  return RUN_ALL_TESTS();
}
