// error_queue_listener.h - a GoogleTest listener that fails a test which leaves an error on this
// thread's OpenSSL error queue: opensslp promises that no call leaves an error behind (the
// boundary clears it). Installed by every test main (test_main.cpp, alloc/alloc_main.cpp).
#pragma once

#include <gtest/gtest.h>
#include <openssl/err.h>

namespace opensslp::test {

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

}  // namespace opensslp::test
