// abi_concurrency_test.cpp - exported functions racing on shared handles: frees against uses,
// double frees from two threads, property reads against frees. Run under ThreadSanitizer by the
// `tsan` preset; under any build every call must return a documented code and never crash.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "handles/handle_table.h"
#include "opensslp/opensslp.h"
#include "sslprovider.h"

namespace {

TEST(AbiConcurrency, ProvidersFreedWhileInUse) {
  constexpr int kThreads = 6;
  constexpr int kIterations = 3000;
  std::vector<std::atomic<NCRYPT_PROV_HANDLE>> cells(16);
  for (auto& c : cells) c.store(0);
  std::atomic<int> unexpected{0};
  const std::size_t live_before = opensslp::HandleTable::Global().LiveCount();

  auto worker = [&](unsigned seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < kIterations; ++i) {
      auto& cell = cells[rng() % cells.size()];
      switch (rng() % 4) {
        case 0: {
          NCRYPT_PROV_HANDLE h = 0;
          if (SslOpenProvider(&h, nullptr, 0) != 0) unexpected.fetch_add(1);
          NCRYPT_PROV_HANDLE old = cell.exchange(h);
          if (old != 0) {
            SECURITY_STATUS rc = SslFreeObject(old, 0);
            if (rc != 0 && rc != NTE_INVALID_HANDLE) unexpected.fetch_add(1);
          }
          break;
        }
        case 1: {  // read a property from a handle another thread may be freeing
          PBYTE out = nullptr;
          DWORD size = 0;
          SECURITY_STATUS rc = SslGetProviderProperty(cell.load(), OPENSSLP_PROPERTY_VERSION, &out, &size, nullptr, 0);
          if (rc == 0) {
            if (size != sizeof(DWORD)) unexpected.fetch_add(1);
            SslFreeBuffer(out);
          } else if (rc != NTE_INVALID_HANDLE) {
            unexpected.fetch_add(1);
          }
          break;
        }
        case 2: {  // free without taking the handle out of the cell: races double frees
          SECURITY_STATUS rc = SslFreeObject(cell.load(), 0);
          if (rc != 0 && rc != NTE_INVALID_HANDLE) unexpected.fetch_add(1);
          break;
        }
        default: {
          NCRYPT_PROV_HANDLE h = cell.load();
          SECURITY_STATUS rc = SslIncrementProviderReferenceCount(h);
          if (rc == 0) {
            rc = SslDecrementProviderReferenceCount(h);
            if (rc != 0 && rc != NTE_INVALID_HANDLE) unexpected.fetch_add(1);
          } else if (rc != NTE_INVALID_HANDLE) {
            unexpected.fetch_add(1);
          }
          break;
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, 1000u + static_cast<unsigned>(t));
  for (auto& t : threads) t.join();
  for (auto& cell : cells) {
    NCRYPT_PROV_HANDLE h = cell.exchange(0);
    // Drop every remaining reference (an increment that raced a free may have left one extra).
    while (h != 0 && SslFreeObject(h, 0) == 0) {
    }
  }
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(opensslp::HandleTable::Global().LiveCount(), live_before) << "no handle leaked";
}

}  // namespace
