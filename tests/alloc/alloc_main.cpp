// alloc_main.cpp - main of opensslp_alloc_tests: installs the OpenSSL allocator hooks before
// anything can make OpenSSL allocate (OpenSSL 3.0 accepts CRYPTO_set_mem_functions only before
// its first allocation, and nothing of the provider runs before main: it has no static
// initialisers, tests/CMakeLists.txt opensslp_no_static_initializers), then runs the tests with
// the error-queue check of tests/support/test_main.cpp.
#include <gtest/gtest.h>
#include <openssl/err.h>

#include <cstdio>

#include "alloc/alloc_injection.h"

namespace {

class ErrorQueueListener : public testing::EmptyTestEventListener {
  void OnTestEnd(const testing::TestInfo& info) override {
    unsigned long err = ERR_peek_error();
    if (err != 0) {
      char text[256];
      ERR_error_string_n(err, text, sizeof(text));
      ADD_FAILURE() << "OpenSSL error queue not empty after " << info.test_suite_name() << "." << info.name() << ": "
                    << text;
      ERR_clear_error();
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (!opensslp::alloc_test::InstallCryptoAllocator()) {
    std::fputs("opensslp_alloc_tests: OpenSSL refused CRYPTO_set_mem_functions (it already allocated)\n", stderr);
    return 1;
  }
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new ErrorQueueListener());
  return RUN_ALL_TESTS();
}
