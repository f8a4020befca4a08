// test_main.cpp - GoogleTest main shared by every test executable.
//
// After each test it checks that this thread's OpenSSL error queue is empty: opensslp promises
// that no call leaves an error behind (the boundary clears it), and a test that leaves one is
// reported as a failure.
#include <gtest/gtest.h>
#include <openssl/err.h>

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
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new ErrorQueueListener());
  return RUN_ALL_TESTS();
}
