// test_main.cpp - GoogleTest main shared by every test executable.
//
// After each test it checks that this thread's OpenSSL error queue is empty
// (support/error_queue_listener.h).
#include <gtest/gtest.h>

#include "support/error_queue_listener.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new opensslp::test::ErrorQueueListener());
  return RUN_ALL_TESTS();
}
