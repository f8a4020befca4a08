// provider_exports_test.cpp - provider lifetime, object/buffer release, provider enumeration and
// the provider property query, through the exported API only. Each export has a "safety" block
// covering every argument (NULL, bad flags, wrong handle kind, stale handle).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/provider_support.h"
#include "support/wide.h"

namespace {

using opensslp_test::MakeEphemeralP256;
using opensslp_test::OpenProvider;
using opensslp_test::StaleProvider;

constexpr char16_t kOurName[] = u"OpenSSLP Protocol Provider";

// ---- SslOpenProvider -------------------------------------------------------------------------

TEST(SslOpenProvider, AcceptsOurNameNullAndMicrosoftName) {
  for (const char16_t* name : {kOurName, static_cast<const char16_t*>(nullptr), u"Microsoft SSL Protocol Provider",
                               u"openssLP PROTOCOL provider"}) {
    NCRYPT_PROV_HANDLE prov = 0;
    ASSERT_EQ(SslOpenProvider(&prov, name ? W(name) : nullptr, 0), 0);
    EXPECT_NE(prov, 0u);
    EXPECT_EQ(SslFreeObject(prov, 0), 0);
  }
}

TEST(SslOpenProvider, ProvidersAreIndependent) {
  NCRYPT_PROV_HANDLE a = OpenProvider();
  NCRYPT_PROV_HANDLE b = OpenProvider();
  EXPECT_NE(a, b);
  EXPECT_EQ(SslFreeObject(a, 0), 0);
  // b is unaffected by freeing a.
  EXPECT_EQ(SslIncrementProviderReferenceCount(b), 0);
  EXPECT_EQ(SslFreeObject(b, 0), 0);
  EXPECT_EQ(SslFreeObject(b, 0), 0);
  EXPECT_EQ(SslFreeObject(b, 0), NTE_INVALID_HANDLE);
}

TEST(SslOpenProviderSafety, NullOutput) { EXPECT_EQ(SslOpenProvider(nullptr, W(kOurName), 0), NTE_INVALID_PARAMETER); }

TEST(SslOpenProviderSafety, ForeignAndOversizeNames) {
  NCRYPT_PROV_HANDLE prov = 0x1234;
  EXPECT_EQ(SslOpenProvider(&prov, W(u"Some Other Provider"), 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslOpenProvider(&prov, W(u""), 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslOpenProvider(&prov, W(u"OpenSSLP Protocol Provider "), 0), NTE_INVALID_PARAMETER);
  std::u16string huge(100000, u'A');
  EXPECT_EQ(SslOpenProvider(&prov, W(huge.c_str()), 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(prov, 0x1234u) << "no output on failure";
}

TEST(SslOpenProviderSafety, BadFlags) {
  NCRYPT_PROV_HANDLE prov = 0x1234;
  for (DWORD flags : {DWORD{0x1u}, DWORD{NCRYPT_SSL_SERVER_FLAG}, DWORD{0x80000000u}, DWORD{0xFFFFFFFFu}}) {
    EXPECT_EQ(SslOpenProvider(&prov, W(kOurName), flags), NTE_BAD_FLAGS);
  }
  EXPECT_EQ(prov, 0x1234u);
}

// ---- SslFreeObject ---------------------------------------------------------------------------

TEST(SslFreeObjectSafety, ZeroUnknownStaleAndDoubleFree) {
  EXPECT_EQ(SslFreeObject(0, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(1, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(static_cast<NCRYPT_HANDLE>(-1), 0), NTE_INVALID_HANDLE);
  int local = 0;  // a pointer is never a handle
  EXPECT_EQ(SslFreeObject(reinterpret_cast<NCRYPT_HANDLE>(&local), 0), NTE_INVALID_HANDLE);
  NCRYPT_PROV_HANDLE stale = StaleProvider();
  EXPECT_EQ(SslFreeObject(stale, 0), NTE_INVALID_HANDLE);
}

TEST(SslFreeObjectSafety, BadFlagsLeaveObjectAlive) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  EXPECT_EQ(SslFreeObject(prov, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(SslIncrementProviderReferenceCount(prov), 0) << "the failed free must not have freed it";
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

TEST(SslFreeObject, FreesNonProviderObjects) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov);
  ASSERT_NE(key, 0u);
  EXPECT_EQ(SslFreeObject(key, 0), 0);
  EXPECT_EQ(SslFreeObject(key, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

// ---- Reference counts ------------------------------------------------------------------------

TEST(ProviderReferenceCount, IncrementDecrementLifetime) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();                                            // count 1
  EXPECT_EQ(SslIncrementProviderReferenceCount(prov), 0);                              // 2
  EXPECT_EQ(SslIncrementProviderReferenceCount(prov), 0);                              // 3
  EXPECT_EQ(SslDecrementProviderReferenceCount(prov), 0);                              // 2
  EXPECT_EQ(SslFreeObject(prov, 0), 0);                                                // 1
  EXPECT_EQ(SslIncrementProviderReferenceCount(prov), 0) << "still alive at count 1";  // 2
  EXPECT_EQ(SslDecrementProviderReferenceCount(prov), 0);                              // 1
  EXPECT_EQ(SslDecrementProviderReferenceCount(prov), 0);                              // 0: handle removed
  EXPECT_EQ(SslIncrementProviderReferenceCount(prov), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslDecrementProviderReferenceCount(prov), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslFreeObject(prov, 0), NTE_INVALID_HANDLE);
}

TEST(ProviderReferenceCountSafety, BadHandles) {
  EXPECT_EQ(SslIncrementProviderReferenceCount(0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslDecrementProviderReferenceCount(0), NTE_INVALID_HANDLE);
  NCRYPT_PROV_HANDLE stale = StaleProvider();
  EXPECT_EQ(SslIncrementProviderReferenceCount(stale), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslDecrementProviderReferenceCount(stale), NTE_INVALID_HANDLE);
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov);
  ASSERT_NE(key, 0u);
  {
    EXPECT_EQ(SslIncrementProviderReferenceCount(key), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslDecrementProviderReferenceCount(key), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslFreeObject(key, 0), 0) << "a failed decrement must not free a key";
  }
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

// ---- SslFreeBuffer ---------------------------------------------------------------------------

TEST(SslFreeBufferSafety, RefusesForeignNullAndDoubleFree) {
  EXPECT_EQ(SslFreeBuffer(nullptr), NTE_INVALID_PARAMETER);
  int local = 0;
  EXPECT_EQ(SslFreeBuffer(&local), NTE_INVALID_PARAMETER);
  DWORD count = 0;
  NCryptProviderName* list = nullptr;
  ASSERT_EQ(SslEnumProtocolProviders(&count, &list, 0), 0);
  EXPECT_EQ(SslFreeBuffer(reinterpret_cast<char*>(list) + 1), NTE_INVALID_PARAMETER) << "interior pointer";
  EXPECT_EQ(SslFreeBuffer(list), 0);
  EXPECT_EQ(SslFreeBuffer(list), NTE_INVALID_PARAMETER) << "double free";
}

// ---- SslEnumProtocolProviders ----------------------------------------------------------------

TEST(SslEnumProtocolProviders, ListsOurProvider) {
  DWORD count = 0;
  NCryptProviderName* list = nullptr;
  ASSERT_EQ(SslEnumProtocolProviders(&count, &list, 0), 0);
  ASSERT_EQ(count, 1u);
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(ToU16(list[0].pszName), std::u16string(kOurName));
  EXPECT_FALSE(ToU16(list[0].pszComment).empty());
  EXPECT_EQ(SslFreeBuffer(list), 0);
}

TEST(SslEnumProtocolProvidersSafety, NullOutputsAndFlags) {
  DWORD count = 7;
  NCryptProviderName* list = nullptr;
  EXPECT_EQ(SslEnumProtocolProviders(nullptr, &list, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslEnumProtocolProviders(&count, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslEnumProtocolProviders(&count, &list, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(count, 7u);
  EXPECT_EQ(list, nullptr);
}

// ---- SslChangeNotify -------------------------------------------------------------------------

TEST(SslChangeNotify, IsNotSupportedAsDocumented) {
  EXPECT_EQ(SslChangeNotify(nullptr, 0), NTE_NOT_SUPPORTED);
  int event = 0;
  EXPECT_EQ(SslChangeNotify(&event, 0xFFFFFFFFu), NTE_NOT_SUPPORTED);
}

// ---- SslGetProviderProperty ------------------------------------------------------------------

struct Property {
  PBYTE data = nullptr;
  DWORD size = 0;
  ~Property() {
    if (data) SslFreeBuffer(data);
  }
};

TEST(SslGetProviderProperty, NameVersionLibraryInterface) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  {
    Property p;
    ASSERT_EQ(SslGetProviderProperty(prov, OPENSSLP_PROPERTY_NAME, &p.data, &p.size, nullptr, 0), 0);
    ASSERT_EQ(p.size, sizeof(kOurName));
    EXPECT_EQ(ToU16(reinterpret_cast<WCHAR*>(p.data)), std::u16string(kOurName));
  }
  {
    Property p;
    ASSERT_EQ(SslGetProviderProperty(prov, OPENSSLP_PROPERTY_VERSION, &p.data, &p.size, nullptr, 0), 0);
    ASSERT_EQ(p.size, sizeof(DWORD));
    DWORD v;
    std::memcpy(&v, p.data, sizeof v);
    EXPECT_EQ(v, OPENSSLP_VERSION_DWORD);
  }
  {
    Property p;
    PVOID state = nullptr;
    ASSERT_EQ(SslGetProviderProperty(prov, OPENSSLP_PROPERTY_VERSION_STRING, &p.data, &p.size, &state, 0), 0);
    EXPECT_EQ(ToAscii(reinterpret_cast<WCHAR*>(p.data)), std::to_string(OPENSSLP_VERSION_MAJOR) + "." +
                                                             std::to_string(OPENSSLP_VERSION_MINOR) + "." +
                                                             std::to_string(OPENSSLP_VERSION_PATCH));
    EXPECT_EQ(state, nullptr);
  }
  {
    Property p;
    ASSERT_EQ(SslGetProviderProperty(prov, OPENSSLP_PROPERTY_CRYPTO_LIBRARY, &p.data, &p.size, nullptr, 0), 0);
    EXPECT_EQ(ToAscii(reinterpret_cast<WCHAR*>(p.data)).rfind("OpenSSL 3.", 0), 0u);
  }
  {
    Property p;
    ASSERT_EQ(SslGetProviderProperty(prov, OPENSSLP_PROPERTY_INTERFACE_VERSION, &p.data, &p.size, nullptr, 0), 0);
    ASSERT_EQ(p.size, sizeof(BCRYPT_INTERFACE_VERSION));
    BCRYPT_INTERFACE_VERSION v;
    std::memcpy(&v, p.data, sizeof v);
    EXPECT_EQ(v.MajorVersion, 5);
    EXPECT_EQ(v.MinorVersion, 0);
  }
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

TEST(SslGetProviderPropertySafety, EveryArgument) {
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  PBYTE out = nullptr;
  DWORD size = 99;
  // Handles.
  EXPECT_EQ(SslGetProviderProperty(0, OPENSSLP_PROPERTY_NAME, &out, &size, nullptr, 0), NTE_INVALID_HANDLE);
  NCRYPT_PROV_HANDLE stale = StaleProvider();
  EXPECT_EQ(SslGetProviderProperty(stale, OPENSSLP_PROPERTY_NAME, &out, &size, nullptr, 0), NTE_INVALID_HANDLE);
  NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov);
  ASSERT_NE(key, 0u);
  {
    EXPECT_EQ(SslGetProviderProperty(key, OPENSSLP_PROPERTY_NAME, &out, &size, nullptr, 0), NTE_INVALID_HANDLE);
    EXPECT_EQ(SslFreeObject(key, 0), 0);
  }
  // Pointers and names.
  EXPECT_EQ(SslGetProviderProperty(prov, nullptr, &out, &size, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslGetProviderProperty(prov, OPENSSLP_PROPERTY_NAME, nullptr, &size, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslGetProviderProperty(prov, OPENSSLP_PROPERTY_NAME, &out, nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(SslGetProviderProperty(prov, W(u"NoSuchProperty"), &out, &size, nullptr, 0), NTE_NOT_SUPPORTED);
  EXPECT_EQ(SslGetProviderProperty(prov, W(u"name"), &out, &size, nullptr, 0), NTE_NOT_SUPPORTED)
      << "property names are case-sensitive";
  std::u16string huge(5000, u'N');
  EXPECT_EQ(SslGetProviderProperty(prov, W(huge.c_str()), &out, &size, nullptr, 0), NTE_INVALID_PARAMETER);
  // Enumeration state must start NULL (all properties are single-valued).
  int bogus_state = 0;
  PVOID state = &bogus_state;
  EXPECT_EQ(SslGetProviderProperty(prov, OPENSSLP_PROPERTY_NAME, &out, &size, &state, 0), NTE_INVALID_PARAMETER);
  // Flags.
  EXPECT_EQ(SslGetProviderProperty(prov, OPENSSLP_PROPERTY_NAME, &out, &size, nullptr, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(size, 99u);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

// ---- SslGetKeyProperty (argument checks; per-key values are tested with each key kind) -------

TEST(SslGetKeyPropertySafety, HandleAndArguments) {
  PBYTE out = nullptr;
  DWORD size = 99;
  EXPECT_EQ(SslGetKeyProperty(0, SSL_KEY_TYPE_PROPERTY, &out, &size, 0), NTE_INVALID_HANDLE);
  NCRYPT_PROV_HANDLE prov = OpenProvider();
  EXPECT_EQ(SslGetKeyProperty(prov, SSL_KEY_TYPE_PROPERTY, &out, &size, 0), NTE_INVALID_HANDLE)
      << "a provider is not a key";
  NCRYPT_KEY_HANDLE key = MakeEphemeralP256(prov);
  ASSERT_NE(key, 0u);
  {
    EXPECT_EQ(SslGetKeyProperty(key, nullptr, &out, &size, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslGetKeyProperty(key, SSL_KEY_TYPE_PROPERTY, nullptr, &size, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslGetKeyProperty(key, SSL_KEY_TYPE_PROPERTY, &out, nullptr, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(SslGetKeyProperty(key, SSL_KEY_TYPE_PROPERTY, &out, &size, 1), NTE_BAD_FLAGS);
    EXPECT_EQ(SslGetKeyProperty(key, W(u"NoSuchProperty"), &out, &size, 0), NTE_NOT_SUPPORTED);
    Property p;
    ASSERT_EQ(SslGetKeyProperty(key, SSL_KEY_TYPE_PROPERTY, &p.data, &p.size, 0), 0);
    ASSERT_EQ(p.size, sizeof(DWORD));
    DWORD key_type;
    std::memcpy(&key_type, p.data, sizeof key_type);
    EXPECT_EQ(key_type, static_cast<DWORD>(TLS_ECC_P256_CURVE_KEY_TYPE));
    EXPECT_EQ(SslFreeObject(key, 0), 0);
    EXPECT_EQ(SslGetKeyProperty(key, SSL_KEY_TYPE_PROPERTY, &out, &size, 0), NTE_INVALID_HANDLE) << "stale";
  }
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(size, 99u);
  EXPECT_EQ(SslFreeObject(prov, 0), 0);
}

}  // namespace
