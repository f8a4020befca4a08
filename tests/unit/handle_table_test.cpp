// handle_table_test.cpp - the handle table: kinds, generations, stale and double frees, and
// frees racing lookups (run under ThreadSanitizer by the `tsan` preset).
#include "handles/handle_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

namespace opensslp {
namespace {

class Alpha final : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kProvider;
  explicit Alpha(int v = 0) : Object(kKind), value(v) {}
  int value;
};

class Beta final : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kHandshakeHash;
  Beta() : Object(kKind) {}
};

// Counts destructions, so tests can tell when an object really died.
class Tracked final : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kPublicKey;
  explicit Tracked(std::atomic<int>* deaths) : Object(kKind), deaths_(deaths) {}
  ~Tracked() override { deaths_->fetch_add(1); }
  std::atomic<int>* deaths_;
};

TEST(HandleTable, InsertLookupErase) {
  HandleTable table;
  auto h = table.Insert(std::make_shared<Alpha>(7));
  ASSERT_TRUE(h.ok());
  EXPECT_NE(h.value(), 0u);
  auto a = table.Lookup<Alpha>(h.value());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value()->value, 7);
  EXPECT_EQ(table.LiveCount(), 1u);
  EXPECT_TRUE(table.Erase(h.value()).ok());
  EXPECT_EQ(table.LiveCount(), 0u);
}

// The live-handle limit (handle_table.h, docs/robustness.md): at the limit Insert fails with
// kNoMemory, releases the object it refused and leaves every live handle valid; a free makes room.
TEST(HandleTable, LimitOnLiveHandles) {
  HandleTable table(4);
  EXPECT_EQ(table.max_live(), 4u);
  std::vector<Handle> handles;
  for (int i = 0; i < 4; ++i) {
    auto h = table.Insert(std::make_shared<Alpha>(i));
    ASSERT_TRUE(h.ok());
    handles.push_back(h.value());
  }
  std::atomic<int> deaths{0};
  auto refused = table.Insert(std::make_shared<Tracked>(&deaths));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), Error::kNoMemory);
  EXPECT_EQ(deaths.load(), 1) << "the refused object is released, not kept";
  EXPECT_EQ(table.LiveCount(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(table.Lookup<Alpha>(handles[i]).value()->value, i);

  ASSERT_TRUE(table.Erase(handles[1]).ok());
  auto again = table.Insert(std::make_shared<Alpha>(9));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(table.Lookup<Alpha>(again.value()).value()->value, 9);
  EXPECT_EQ(table.Insert(std::make_shared<Alpha>(10)).error(), Error::kNoMemory);
  EXPECT_EQ(table.LiveCount(), 4u);
}

TEST(HandleTable, LimitIsCappedAtTheDocumentedMaximum) {
  HandleTable table(~std::size_t{0});
  EXPECT_EQ(table.max_live(), HandleTable::kMaxLiveHandles);
  EXPECT_EQ(HandleTable::Global().max_live(), HandleTable::kMaxLiveHandles);
  // 64-bit: 2^20; 32-bit: the 15-bit slot field's 32766 (handle_table.h).
  EXPECT_EQ(HandleTable::kMaxLiveHandles, sizeof(Handle) == 8 ? std::size_t{1} << 20 : std::size_t{32766});
}

TEST(HandleTable, ZeroAndUnknownHandlesAreInvalid) {
  HandleTable table;
  EXPECT_EQ(table.LookupAny(0).error(), Error::kInvalidHandle);
  EXPECT_EQ(table.LookupAny(1).error(), Error::kInvalidHandle);
  EXPECT_EQ(table.LookupAny(~Handle{0}).error(), Error::kInvalidHandle);
  EXPECT_EQ(table.Erase(12345).error(), Error::kInvalidHandle);
}

TEST(HandleTable, WrongKindIsInvalidHandle) {
  HandleTable table;
  auto h = table.Insert(std::make_shared<Beta>());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(table.Lookup<Alpha>(h.value()).error(), Error::kInvalidHandle);
  EXPECT_TRUE(table.Lookup<Beta>(h.value()).ok());
  EXPECT_EQ(table.EraseIf<Alpha>(h.value()).error(), Error::kInvalidHandle);
  EXPECT_EQ(table.LiveCount(), 1u);
}

TEST(HandleTable, StaleAndDoubleFreedHandlesAreInvalid) {
  HandleTable table;
  auto first = table.Insert(std::make_shared<Alpha>(1));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(table.Erase(first.value()).ok());
  EXPECT_EQ(table.Erase(first.value()).error(), Error::kInvalidHandle);  // double free
  // The slot is reused with a new generation: the old handle must not reach the new object.
  auto second = table.Insert(std::make_shared<Alpha>(2));
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first.value(), second.value());
  EXPECT_EQ(table.LookupAny(first.value()).error(), Error::kInvalidHandle);
  EXPECT_EQ(table.Lookup<Alpha>(second.value()).value()->value, 2);
}

TEST(HandleTable, HandlesAreNotPointers) {
  HandleTable table;
  auto object = std::make_shared<Alpha>(3);
  auto h = table.Insert(object);
  ASSERT_TRUE(h.ok());
  EXPECT_NE(h.value(), reinterpret_cast<Handle>(object.get()));
}

// Every token, live or stale, has a shape no object pointer has: on 64-bit bit 62 set and bit 63
// clear (x64 user space ends below 2^47; 2^56 with 5-level paging), on 32-bit bit 0 set (objects
// are aligned). So the Windows path that accepts a foreign NCrypt key handle never hands one of our
// stale tokens to ncrypt (a stale 32-bit token once crashed Wine's ncrypt that way).
TEST(HandleTable, TokensAreNeverObjectPointers) {
  HandleTable table;
  auto object = std::make_shared<Alpha>(4);
  int on_stack = 0;
  EXPECT_FALSE(HandleTable::LooksLikeToken(reinterpret_cast<Handle>(object.get())));
  EXPECT_FALSE(HandleTable::LooksLikeToken(reinterpret_cast<Handle>(&on_stack)));
  EXPECT_FALSE(HandleTable::LooksLikeToken(0));
  std::vector<Handle> seen;
  for (int i = 0; i < 1000; ++i) {  // many generations of one slot, plus fresh slots
    auto h = table.Insert(std::make_shared<Alpha>(i));
    ASSERT_TRUE(h.ok());
    seen.push_back(h.value());
    EXPECT_TRUE(HandleTable::LooksLikeToken(h.value()));
    if constexpr (sizeof(Handle) == 8) {
      EXPECT_GE(static_cast<std::uint64_t>(h.value()), std::uint64_t{1} << 62);
      EXPECT_LT(static_cast<std::uint64_t>(h.value()), std::uint64_t{1} << 63);
    } else {
      EXPECT_EQ(static_cast<std::uint64_t>(h.value()) % 2, 1u);  // odd: no aligned object is there
    }
    if (i % 2 == 0) {
      ASSERT_TRUE(table.Erase(h.value()).ok());
    }
  }
  for (Handle h : seen) EXPECT_TRUE(HandleTable::LooksLikeToken(h));  // stale ones too
  // A value without the tag is not a token, even if its other bits name a live slot.
  const Handle untagged = sizeof(Handle) == 8 ? (seen.back() & ~(Handle{3} << 62)) : (seen.back() & ~Handle{1});
  EXPECT_FALSE(HandleTable::LooksLikeToken(untagged));
  EXPECT_EQ(table.LookupAny(untagged).error(), Error::kInvalidHandle);
}

TEST(HandleTable, LookupWithOwnerChecksBothHandles) {
  HandleTable table;
  const Handle owner = table.Insert(std::make_shared<Beta>()).value();
  const Handle item = table.Insert(std::make_shared<Alpha>(5)).value();
  auto found = table.LookupWithOwner<Beta, Alpha>(owner, item);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found.value()->value, 5);
  EXPECT_EQ((table.LookupWithOwner<Alpha, Alpha>(owner, item).error()), Error::kInvalidHandle);  // owner kind
  EXPECT_EQ((table.LookupWithOwner<Beta, Beta>(owner, item).error()), Error::kInvalidHandle);    // item kind
  EXPECT_EQ((table.LookupWithOwner<Beta, Alpha>(0, item).error()), Error::kInvalidHandle);
  EXPECT_EQ((table.LookupWithOwner<Beta, Alpha>(owner, 0).error()), Error::kInvalidHandle);
  ASSERT_TRUE(table.Erase(owner).ok());
  EXPECT_EQ((table.LookupWithOwner<Beta, Alpha>(owner, item).error()), Error::kInvalidHandle);  // stale owner
}

TEST(HandleTable, LookupKeepsObjectAliveAcrossErase) {
  HandleTable table;
  std::atomic<int> deaths{0};
  auto h = table.Insert(std::make_shared<Tracked>(&deaths));
  ASSERT_TRUE(h.ok());
  auto held = table.Lookup<Tracked>(h.value());
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(table.Erase(h.value()).ok());
  EXPECT_EQ(deaths.load(), 0) << "a racing free must not destroy an object in use";
  held = Error::kInvalidHandle;  // drop the reference
  EXPECT_EQ(deaths.load(), 1);
}

// Threads create, use and free handles, and also free handles other threads are using. Every
// object must be destroyed exactly once and no lookup may ever see a destroyed object.
TEST(HandleTable, ConcurrentCreateUseFreeStress) {
  HandleTable table;
  std::atomic<int> deaths{0};
  std::atomic<int> created{0};
  constexpr int kThreads = 8;
  constexpr int kIterations = 4000;
  std::vector<std::atomic<Handle>> shared(64);
  for (auto& s : shared) s.store(0);

  auto worker = [&](int seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    for (int i = 0; i < kIterations; ++i) {
      auto& cell = shared[rng() % shared.size()];
      switch (rng() % 4) {
        case 0: {  // create and publish
          auto h = table.Insert(std::make_shared<Tracked>(&deaths));
          ASSERT_TRUE(h.ok());
          created.fetch_add(1);
          Handle old = cell.exchange(h.value());
          if (old != 0) (void)table.Erase(old);
          break;
        }
        case 1: {  // use
          Handle h = cell.load();
          auto obj = table.Lookup<Tracked>(h);
          if (obj.ok()) {
            EXPECT_TRUE(obj.value()->alive());
          }
          break;
        }
        case 2: {  // free (possibly racing another thread's use or free)
          Handle h = cell.exchange(0);
          if (h != 0) (void)table.Erase(h);
          break;
        }
        default: {  // wrong-kind lookup never succeeds
          EXPECT_FALSE(table.Lookup<Alpha>(cell.load()).ok());
          break;
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t + 1);
  for (auto& t : threads) t.join();
  for (auto& cell : shared) {
    Handle h = cell.exchange(0);
    if (h != 0) {
      ASSERT_TRUE(table.Erase(h).ok());
    }
  }
  EXPECT_EQ(table.LiveCount(), 0u);
  EXPECT_EQ(deaths.load(), created.load());
}

}  // namespace
}  // namespace opensslp
