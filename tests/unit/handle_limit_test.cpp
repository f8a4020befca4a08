// handle_limit_test.cpp - the process-wide handle table's limit, reached through the exports
// (docs/robustness.md): a caller that never frees gets NTE_NO_MEMORY exactly at
// HandleTable::kMaxLiveHandles live handles (2^20 on 64-bit, 32766 on 32-bit), nothing is written
// to the out-handle, handles of every kind are refused alike, and freeing makes room again. The
// handles are providers, the cheapest object (one small allocation each).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "handles/handle_table.h"
#include "opensslp/opensslp.h"
#include "sslprovider.h"

namespace {

using opensslp::HandleTable;

constexpr NCRYPT_PROV_HANDLE kSentinel = 0x5a5a;

TEST(HandleLimit, GlobalTableRefusesAtTheLimitAndRecoversAfterFrees) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A million SslOpenProvider calls take 1.7 s in the default build and under Wine, but 730 s
  // under AddressSanitizer: too long for CI. The limit's logic runs under the sanitizers in
  // HandleTable.LimitOnLiveHandles (a table with a small limit); this test runs in the default
  // build and in both Windows builds.
  GTEST_SKIP() << "the global table's 2^20 handles take minutes under a sanitizer";
#endif
  HandleTable& table = HandleTable::Global();
  const std::size_t limit = HandleTable::kMaxLiveHandles;
  ASSERT_EQ(table.max_live(), limit);
  const std::size_t before = table.LiveCount();
  ASSERT_LT(before, limit);

  const auto start = std::chrono::steady_clock::now();
  std::vector<NCRYPT_PROV_HANDLE> providers;
  providers.reserve(limit - before);
  SECURITY_STATUS rc = 0;
  NCRYPT_PROV_HANDLE refused = kSentinel;
  while (providers.size() <= limit) {
    NCRYPT_PROV_HANDLE prov = kSentinel;
    rc = SslOpenProvider(&prov, OPENSSLP_PROVIDER_NAME, 0);
    if (rc != 0) {
      refused = prov;
      break;
    }
    providers.push_back(prov);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[handle limit] %zu live handles reached in %.2f s\n", table.LiveCount(), seconds);
  EXPECT_EQ(rc, NTE_NO_MEMORY);
  EXPECT_EQ(refused, kSentinel) << "nothing is written at the limit";
  EXPECT_EQ(providers.size(), limit - before);
  EXPECT_EQ(table.LiveCount(), limit);

  // Every kind of object is refused alike (here a transcript hash).
  NCRYPT_HASH_HANDLE hash = kSentinel;
  EXPECT_EQ(SslCreateHandshakeHash(providers.front(), &hash, TLS1_2_PROTOCOL_VERSION,
                                   TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0),
            NTE_NO_MEMORY);
  EXPECT_EQ(hash, kSentinel);

  // Freeing makes room for exactly as many handles again; the ones kept still work.
  constexpr std::size_t kFreed = 16;
  for (std::size_t i = 0; i < kFreed; ++i) {
    EXPECT_EQ(SslFreeObject(providers.back(), 0), 0);
    providers.pop_back();
  }
  for (std::size_t i = 0; i < kFreed; ++i) {
    NCRYPT_PROV_HANDLE prov = kSentinel;
    ASSERT_EQ(SslOpenProvider(&prov, OPENSSLP_PROVIDER_NAME, 0), 0) << i;
    providers.push_back(prov);
  }
  NCRYPT_PROV_HANDLE one_more = kSentinel;
  EXPECT_EQ(SslOpenProvider(&one_more, OPENSSLP_PROVIDER_NAME, 0), NTE_NO_MEMORY);
  EXPECT_EQ(SslIncrementProviderReferenceCount(providers.front()), 0) << "a kept handle still works";
  EXPECT_EQ(SslDecrementProviderReferenceCount(providers.front()), 0);

  for (NCRYPT_PROV_HANDLE prov : providers) EXPECT_EQ(SslFreeObject(prov, 0), 0);
  EXPECT_EQ(table.LiveCount(), before);
  NCRYPT_PROV_HANDLE after = 0;
  ASSERT_EQ(SslOpenProvider(&after, OPENSSLP_PROVIDER_NAME, 0), 0);
  EXPECT_EQ(SslFreeObject(after, 0), 0);
}

}  // namespace
