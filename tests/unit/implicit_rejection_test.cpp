// implicit_rejection_test.cpp - the constant-time selection of RFC 5246 §7.4.7.1
// (core/implicit_rejection.h) used around opaque RSA decryptions (the Windows KSP backend).
// The expected value of every case is one of the test's own inputs.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/implicit_rejection.h"
#include "support/bytes.h"

namespace opensslp {
namespace {

using test::ByteVec;

ByteVec ToVec(const SecretArray<48>& s) { return ByteVec(s.data(), s.data() + 48); }

struct Inputs {
  ByteVec buffer = ByteVec(256, 0);
  SecretArray<48> random;
  Inputs() {
    for (std::size_t i = 0; i < 48; ++i) {
      buffer[i] = static_cast<std::uint8_t>(0x40 + i);
      random.data()[i] = static_cast<std::uint8_t>(0xC0 + i);
    }
    buffer[0] = 0x03;
    buffer[1] = 0x03;
  }
  ByteVec decrypted() const { return ByteVec(buffer.begin(), buffer.begin() + 48); }
  ByteVec fallback() const { return ToVec(random); }
};

ByteVec Select(const Inputs& in, std::uint32_t status, std::size_t len, std::uint16_t version) {
  auto out = SelectTlsPremaster(status, in.buffer, len, version, in.random);
  EXPECT_TRUE(out.ok());
  return out.ok() ? ToVec(out.value()) : ByteVec();
}

TEST(ImplicitRejection, GoodDecryptionIsKept) {
  Inputs in;
  EXPECT_EQ(Select(in, 0, 48, 0x0303), in.decrypted());
  in.buffer[1] = 0x01;
  EXPECT_EQ(Select(in, 0, 48, 0x0301), in.decrypted());
}

TEST(ImplicitRejection, EveryFailureGivesTheRandomSecret) {
  Inputs in;
  // A failed decryption (any non-zero status, e.g. NTE_BAD_DATA / NTE_NOT_SUPPORTED), even with
  // a plausible-looking buffer.
  for (std::uint32_t status : {1u, 0x80090005u, 0x80090029u, 0x80000000u, 0xFFFFFFFFu})
    EXPECT_EQ(Select(in, status, 48, 0x0303), in.fallback()) << status;
  // Wrong length: shorter, longer, zero, absurd.
  for (std::size_t len : {std::size_t{0}, std::size_t{47}, std::size_t{49}, std::size_t{255}, ~std::size_t{0},
                          std::size_t{48} + (std::size_t{1} << 31)})
    EXPECT_EQ(Select(in, 0, len, 0x0303), in.fallback()) << len;
  // Version bytes: either byte wrong (RFC 5246 §7.4.7.1: client_version, not the negotiated one).
  EXPECT_EQ(Select(in, 0, 48, 0x0302), in.fallback());
  EXPECT_EQ(Select(in, 0, 48, 0x0203), in.fallback());
  EXPECT_EQ(Select(in, 0, 48, 0x0000), in.fallback());
}

TEST(ImplicitRejection, ShortBufferIsACallerBug) {
  Inputs in;
  auto out = SelectTlsPremaster(0, Bytes(in.buffer).first(47), 48, 0x0303, in.random);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error(), Error::kInternal);
}

}  // namespace
}  // namespace opensslp
