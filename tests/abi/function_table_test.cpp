// function_table_test.cpp - GetSChannelInterface and SslInitializeInterface, called the way the
// CNG router calls them, and calls made through the returned table.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/wide.h"

#if defined(_WIN32)
#include <windows.h>
#endif

namespace {

constexpr char16_t kOurName[] = u"OpenSSLP Protocol Provider";

// The address of an exported function inside the library. On Windows `&SslXxx` in this program is
// the address of its import thunk, not of the DLL's function, so ask the loader instead.
template <class Fn>
const void* Exported(Fn* linked, const char* name) {
#if defined(_WIN32)
  (void)linked;
  return reinterpret_cast<const void*>(GetProcAddress(GetModuleHandleW(L"opensslp.dll"), name));
#else
  (void)name;
  return reinterpret_cast<const void*>(linked);
#endif
}
#define EXPECT_MEMBER(table, member) \
  EXPECT_EQ(reinterpret_cast<const void*>((table)->member), Exported(&Ssl##member, "Ssl" #member)) << #member

TEST(GetSChannelInterface, ReturnsStaticVersion5TableWithAllMembers) {
  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(kOurName), &table, 0), 0);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->Version.MajorVersion, 5);
  EXPECT_EQ(table->Version.MinorVersion, 0);
  // All 41 members after Version are set.
  const auto* members =
      reinterpret_cast<const unsigned char*>(table) + offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash);
  constexpr std::size_t kMembers =
      (sizeof(NCRYPT_SSL_FUNCTION_TABLE) - offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash)) / sizeof(void*);
  ASSERT_EQ(kMembers, 41u);
  for (std::size_t i = 0; i < kMembers; ++i) {
    void* fn;
    std::memcpy(&fn, members + i * sizeof(void*), sizeof fn);
    EXPECT_NE(fn, nullptr) << "member " << i;
  }
  // Static lifetime: the same table every time.
  NCRYPT_SSL_FUNCTION_TABLE* again = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(kOurName), &again, 0), 0);
  EXPECT_EQ(table, again);
}

// ncrypt.dll copies Version + 48 pointers from the returned table (392 bytes on x64, whatever the
// declared version; docs/reference/windows-loader.md). The 7 slots after the 41 members must be
// NULL, on every architecture: before they were padded, the linker's neighbouring data was there.
TEST(GetSChannelInterface, RouterCopyOf48SlotsEndsInSevenNulls) {
  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(kOurName), &table, 0), 0);
  static_assert(OPENSSLP_ROUTER_TABLE_SLOTS == 48 && OPENSSLP_TABLE_MEMBERS == 41);
  static_assert(sizeof(NCRYPT_SSL_FUNCTION_TABLE) == (1 + OPENSSLP_TABLE_MEMBERS) * sizeof(void*));
  void* slots[1 + OPENSSLP_ROUTER_TABLE_SLOTS];  // 392 bytes on x64, 196 on x86
  std::memcpy(slots, table, sizeof slots);       // what the router does
  for (std::size_t i = 1; i <= OPENSSLP_TABLE_MEMBERS; ++i) EXPECT_NE(slots[i], nullptr) << "member " << i - 1;
  for (std::size_t i = 1 + OPENSSLP_TABLE_MEMBERS; i <= OPENSSLP_ROUTER_TABLE_SLOTS; ++i) {
    EXPECT_EQ(slots[i], nullptr) << "slot " << i - 1;
  }
  EXPECT_EQ(table->Version.MajorVersion, 5) << "the padding does not change the declared version";
}

TEST(GetSChannelInterface, MembersAreTheExportedFunctions) {
  NCRYPT_SSL_FUNCTION_TABLE* t = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(kOurName), &t, 0), 0);
  // Spot-check the order across every interface version, including the v1 quirk that
  // ImportMasterKey precedes ImportKey.
  EXPECT_MEMBER(t, ComputeClientAuthHash);
  EXPECT_MEMBER(t, EnumCipherSuites);
  EXPECT_MEMBER(t, GenerateMasterKey);
  EXPECT_MEMBER(t, GenerateSessionKeys);
  EXPECT_MEMBER(t, ImportMasterKey);
  EXPECT_MEMBER(t, ImportKey);
  EXPECT_MEMBER(t, OpenProvider);
  EXPECT_MEMBER(t, VerifySignature);
  EXPECT_MEMBER(t, LookupCipherLengths);
  EXPECT_MEMBER(t, GetCipherSuitePRFHashAlgorithm);
  EXPECT_MEMBER(t, ComputeSessionHash);
  EXPECT_MEMBER(t, ExportKeyingMaterial);
  EXPECT_MEMBER(t, ExtractEarlyKey);
  EXPECT_MEMBER(t, EnumCipherSuitesEx);
  EXPECT_MEMBER(t, ExpandResumptionMasterKey);
  EXPECT_MEMBER(t, ExpandPreSharedKey);
}

TEST(GetSChannelInterface, TableIsUsableLikeTheRouterUsesIt) {
  NCRYPT_SSL_FUNCTION_TABLE* t = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(kOurName), &t, 0), 0);
  NCRYPT_PROV_HANDLE prov = 0;
  ASSERT_EQ(t->OpenProvider(&prov, W(kOurName), 0), 0);
  EXPECT_NE(prov, 0u);
  EXPECT_EQ(t->FreeObject(prov, 0), 0);
  EXPECT_EQ(t->FreeObject(prov, 0), NTE_INVALID_HANDLE);
}

TEST(GetSChannelInterface, NameMatchIsCaseInsensitive) {
  NCRYPT_SSL_FUNCTION_TABLE* t = nullptr;
  EXPECT_EQ(GetSChannelInterface(W(u"OPENSSLP PROTOCOL PROVIDER"), &t, 0), 0);
  EXPECT_NE(t, nullptr);
}

TEST(GetSChannelInterfaceSafety, EveryArgument) {
  NCRYPT_SSL_FUNCTION_TABLE* t = nullptr;
  // A foreign provider name is refused: ncrypt must not load us for another provider.
  EXPECT_EQ(GetSChannelInterface(W(u"Microsoft SSL Protocol Provider"), &t, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(GetSChannelInterface(W(u""), &t, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(GetSChannelInterface(nullptr, &t, 0), NTE_INVALID_PARAMETER);
  std::u16string huge(100000, u'x');
  EXPECT_EQ(GetSChannelInterface(W(huge.c_str()), &t, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(t, nullptr) << "no output on failure";
  EXPECT_EQ(GetSChannelInterface(W(kOurName), nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(t, nullptr);
}

TEST(GetSChannelInterface, IgnoresFlagsLikeTheSampleProvider) {
  NCRYPT_SSL_FUNCTION_TABLE* t = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(kOurName), &t, 1), 0);
  NCRYPT_SSL_FUNCTION_TABLE* plain = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(kOurName), &plain, 0), 0);
  EXPECT_EQ(t, plain);
}

TEST(SslInitializeInterface, CopiesTheTable) {
  NCRYPT_SSL_FUNCTION_TABLE* original = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(kOurName), &original, 0), 0);
  NCRYPT_SSL_FUNCTION_TABLE copy;
  std::memset(&copy, 0, sizeof copy);
  ASSERT_EQ(SslInitializeInterface(W(kOurName), &copy, 0), 0);
  EXPECT_EQ(std::memcmp(&copy, original, sizeof copy), 0);
}

// The caller's table is an NCRYPT_SSL_FUNCTION_TABLE: exactly its 41 members are written, never the
// reserved slots the returned storage carries after them.
TEST(SslInitializeInterface, WritesExactlyTheVersion5Table) {
  struct Guarded {
    NCRYPT_SSL_FUNCTION_TABLE table;
    unsigned char after[(OPENSSLP_ROUTER_TABLE_SLOTS - OPENSSLP_TABLE_MEMBERS) * sizeof(void*)];
  } guarded;
  std::memset(&guarded, 0xAB, sizeof guarded);
  ASSERT_EQ(SslInitializeInterface(W(kOurName), &guarded.table, 0), 0);
  for (unsigned char b : guarded.after) ASSERT_EQ(b, 0xAB) << "written past the table";
  EXPECT_EQ(guarded.table.Version.MajorVersion, 5);
  EXPECT_EQ(reinterpret_cast<const void*>(guarded.table.ExpandPreSharedKey),
            Exported(&SslExpandPreSharedKey, "SslExpandPreSharedKey"));
}

TEST(SslInitializeInterfaceSafety, EveryArgument) {
  NCRYPT_SSL_FUNCTION_TABLE copy;
  std::memset(&copy, 0xAB, sizeof copy);
  EXPECT_EQ(SslInitializeInterface(W(u"Other"), &copy, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslInitializeInterface(nullptr, &copy, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslInitializeInterface(W(kOurName), nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslInitializeInterface(W(kOurName), &copy, 2), NTE_BAD_FLAGS);
  const auto* bytes = reinterpret_cast<const unsigned char*>(&copy);
  for (std::size_t i = 0; i < sizeof copy; ++i) ASSERT_EQ(bytes[i], 0xAB) << "table written on failure";
}

}  // namespace
