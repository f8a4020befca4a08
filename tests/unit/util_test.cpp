// util_test.cpp - the self-wiping secret containers, constant-time comparison, byte helpers,
// status/Result plumbing, and the error map (against the NTE_* values of
// docs/reference/types-and-constants.md#status-codes).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <type_traits>
#include <vector>

#include "abi/boundary.h"
#include "abi/caller_buffers.h"
#include "abi/out_buffers.h"
#include "util/bytes.h"
#include "util/rw_lock.h"
#include "util/secret.h"
#include "util/status.h"

namespace opensslp {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(!std::is_copy_constructible_v<SecretArray<32>>);

TEST(SecretBytes, MoveLeavesSourceEmpty) {
  const std::uint8_t data[] = {1, 2, 3, 4};
  SecretBytes a{Bytes(data)};
  SecretBytes b = std::move(a);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.data(), nullptr);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b.data()[3], 4);
}

TEST(SecretBytes, ResizeKeepsPrefixAndZeroFills) {
  const std::uint8_t data[] = {9, 8, 7};
  SecretBytes s{Bytes(data)};
  s.Resize(5);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s.data()[0], 9);
  EXPECT_EQ(s.data()[2], 7);
  EXPECT_EQ(s.data()[3], 0);
  s.Resize(1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.data()[0], 9);
}

TEST(SecretArray, MoveWipesSource) {
  SecretArray<8> a;
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>(i + 1);
  SecretArray<8> b = std::move(a);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(a.data()[i], 0);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.data()[i], i + 1);
  }
}

TEST(SecureWipe, ZeroesMemory) {
  std::uint8_t buf[64];
  std::memset(buf, 0xA5, sizeof buf);
  SecureWipe(buf, sizeof buf);
  for (auto byte : buf) EXPECT_EQ(byte, 0);
  SecureWipe(nullptr, 10);  // tolerated
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  const std::uint8_t a[] = {1, 2, 3};
  const std::uint8_t b[] = {1, 2, 3};
  const std::uint8_t c[] = {1, 2, 4};
  EXPECT_TRUE(ConstantTimeEqual(a, b));
  EXPECT_FALSE(ConstantTimeEqual(a, c));
  EXPECT_FALSE(ConstantTimeEqual(Bytes(a, 2), Bytes(b, 3)));
  EXPECT_TRUE(ConstantTimeEqual(Bytes(), Bytes()));
}

// Writers keep two plain (non-atomic) counters equal under the exclusive lock; readers check
// them under the shared lock. A lock that lets two writers in, or a reader in beside a writer,
// loses increments or sees the pair torn. (mingw's std::shared_mutex did the former under Wine;
// see util/rw_lock.h.)
TEST(RwLock, ExcludesWritersAndReaders) {
  RwLock lock;
  long first = 0;
  long second = 0;
  std::atomic<int> torn{0};
  std::atomic<long> writes{0};
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      unsigned state = 2463534242u + static_cast<unsigned>(t);
      for (int i = 0; i < kIterations; ++i) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        if (state % 2 == 0) {
          std::unique_lock guard(lock);
          long snapshot = first;
          // A short, varying stay inside the lock widens the window a broken lock leaves open.
          volatile unsigned sink = 0;
          for (unsigned spin = 0; spin < state % 64; ++spin) sink = sink + spin;
          first = snapshot + 1;
          ++second;
          writes.fetch_add(1, std::memory_order_relaxed);
        } else {
          std::shared_lock guard(lock);
          if (first != second) torn.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(first, writes.load());
  EXPECT_EQ(second, writes.load());
  EXPECT_EQ(torn.load(), 0);
}

TEST(Bytes, BigEndianRoundTrip) {
  std::uint8_t buf[8];
  StoreBe16(buf, 0x0303);
  EXPECT_EQ(buf[0], 3);
  EXPECT_EQ(LoadBe16(buf), 0x0303);
  StoreBe32(buf, 0x31415352u);
  EXPECT_EQ(buf[0], 0x31);
  EXPECT_EQ(LoadBe32(buf), 0x31415352u);
  StoreBe64(buf, 0x0102030405060708ull);
  EXPECT_EQ(buf[0], 1);
  EXPECT_EQ(buf[7], 8);
}

TEST(Bytes, RangesOverlap) {
  std::uint8_t buf[32] = {};
  EXPECT_TRUE(RangesOverlap(buf, 10, buf + 5, 10));
  EXPECT_FALSE(RangesOverlap(buf, 5, buf + 5, 10));
  EXPECT_FALSE(RangesOverlap(buf, 0, buf, 10));
}

TEST(Status, TryAndAssignPropagate) {
  auto fails = []() -> Result<int> { return Error::kBadData; };
  auto works = []() -> Result<int> { return 41; };
  auto use = [&](bool fail) -> Result<int> {
    ASSIGN_OR_RETURN(int v, fail ? fails() : works());
    return v + 1;
  };
  EXPECT_EQ(use(false).value(), 42);
  EXPECT_EQ(use(true).error(), Error::kBadData);
  auto check = [](int x) -> Status {
    ENSURE(x > 0, Error::kInvalidParameter);
    return Status::Ok();
  };
  EXPECT_TRUE(check(1).ok());
  EXPECT_EQ(check(0).error(), Error::kInvalidParameter);
}

// The error map against the values of docs/reference/types-and-constants.md#status-codes
// (winerror.h), written out by hand.
TEST(ErrorMap, EveryErrorHasItsDocumentedCode) {
  struct Row {
    Error error;
    std::uint32_t code;
  };
  const Row rows[] = {
      {Error::kInvalidHandle, 0x80090026u},  {Error::kInvalidParameter, 0x80090027u},
      {Error::kBadFlags, 0x80090009u},       {Error::kBufferTooSmall, 0x80090028u},
      {Error::kNoMemory, 0x8009000Eu},       {Error::kNotSupported, 0x80090029u},
      {Error::kNoMoreItems, 0x8009002Au},    {Error::kBadData, 0x80090005u},
      {Error::kBadKey, 0x80090003u},         {Error::kBadKeyState, 0x8009000Bu},
      {Error::kBadSignature, 0x80090006u},   {Error::kBadRecord, 0x8009002Cu},
      {Error::kBuffersOverlap, 0x8009002Bu}, {Error::kNotFound, 0x80090011u},
      {Error::kBadType, 0x8009000Au},        {Error::kInternal, 0x8009002Du},
  };
  std::set<std::uint32_t> seen;
  for (const Row& row : rows) {
    EXPECT_EQ(static_cast<std::uint32_t>(abi::ToSecurityStatus(row.error)), row.code) << ErrorName(row.error);
    seen.insert(row.code);
  }
  EXPECT_EQ(seen.size(), std::size(rows)) << "distinct errors map to distinct codes";
  EXPECT_EQ(abi::ToSecurityStatus(Status::Ok()), 0);
}

TEST(Guard, ConvertsExceptionsAndNeverThrows) {
  EXPECT_EQ(abi::Guard("UtilTest", []() -> Status { throw std::bad_alloc(); }), NTE_NO_MEMORY);
  EXPECT_EQ(abi::Guard("UtilTest", []() -> Status { throw 42; }), NTE_INTERNAL_ERROR);
  EXPECT_EQ(abi::Guard("UtilTest", []() -> Status { return Error::kBadFlags; }), NTE_BAD_FLAGS);
  EXPECT_EQ(abi::Guard("UtilTest", []() -> Status { return Status::Ok(); }), 0);
}

TEST(OutBuffers, SizeQueryTooSmallAndWrite) {
  const std::uint8_t data[] = {1, 2, 3, 4, 5};
  DWORD result = 0;
  EXPECT_TRUE(abi::WriteOutput(nullptr, 0, &result, data).ok());
  EXPECT_EQ(result, 5u);
  std::uint8_t small[4] = {};
  result = 0;
  EXPECT_EQ(abi::WriteOutput(small, sizeof small, &result, data).error(), Error::kBufferTooSmall);
  EXPECT_EQ(result, 5u);
  EXPECT_EQ(small[0], 0) << "nothing written on failure";
  std::uint8_t out[8] = {};
  EXPECT_TRUE(abi::WriteOutput(out, sizeof out, &result, data).ok());
  EXPECT_EQ(result, 5u);
  EXPECT_EQ(out[4], 5);
  EXPECT_EQ(abi::WriteOutput(out, sizeof out, nullptr, data).error(), Error::kInvalidParameter);
}

TEST(CallerBuffers, TrackedAllocation) {
  void* block = abi::AllocateCallerBuffer(16);
  ASSERT_NE(block, nullptr);
  EXPECT_TRUE(abi::IsCallerBuffer(block, 16));
  EXPECT_FALSE(abi::IsCallerBuffer(block, 17));
  EXPECT_TRUE(abi::FreeCallerBuffer(block).ok());
  EXPECT_FALSE(abi::IsCallerBuffer(block, 1));
  EXPECT_EQ(abi::FreeCallerBuffer(block).error(), Error::kInvalidParameter);
}

}  // namespace
}  // namespace opensslp
