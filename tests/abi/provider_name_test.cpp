// provider_name_test.cpp - the registered provider name in any spelling of its case
// (docs/windows.md#provider-name). ncrypt.dll calls GetSChannelInterface with the name as it was
// registered and the table's OpenProvider with the caller's spelling, which may differ in case
// (docs/reference/windows-loader.md#name-case); the CNG configuration compares names without
// regard to ASCII case. So both accept every ASCII case variant of "OpenSSLP Protocol Provider",
// and refuse (NTE_INVALID_PARAMETER, nothing written) every other name.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"
#include "support/wide.h"

namespace {

constexpr char16_t kOurName[] = u"OpenSSLP Protocol Provider";

// ASCII case variants: every letter flipped alone, all lower, all upper, alternating, and 256
// pseudo-random mixes (fixed seed, so a failure names a reproducible spelling).
std::vector<std::u16string> CaseVariants() {
  const std::u16string base(kOurName);
  auto flip = [](char16_t c) -> char16_t {
    if (c >= u'a' && c <= u'z') return static_cast<char16_t>(c - 32);
    if (c >= u'A' && c <= u'Z') return static_cast<char16_t>(c + 32);
    return c;
  };
  std::vector<std::u16string> out = {base, u"openssLP PROTOCOL provider", u"OPENSSLP PROTOCOL PROVIDER",
                                     u"opensslp protocol provider", u"OpenSslp Protocol Provider"};
  std::u16string alternating = base;
  for (std::size_t i = 0; i < alternating.size(); i += 2) alternating[i] = flip(alternating[i]);
  out.push_back(alternating);
  for (std::size_t i = 0; i < base.size(); ++i) {
    std::u16string one = base;
    one[i] = flip(one[i]);
    out.push_back(one);
  }
  std::mt19937 rng(20240609);
  for (int n = 0; n < 256; ++n) {
    std::u16string mixed = base;
    for (char16_t& c : mixed) {
      if (rng() & 1) c = flip(c);
    }
    out.push_back(mixed);
  }
  return out;
}

std::string Narrow(const std::u16string& s) {
  std::string out;
  for (char16_t c : s) out.push_back(c < 0x80 ? static_cast<char>(c) : '?');
  return out;
}

TEST(ProviderName, GetSChannelInterfaceAcceptsEverySpellingOfItsCase) {
  NCRYPT_SSL_FUNCTION_TABLE* reference = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(kOurName), &reference, 0), 0);
  for (const std::u16string& name : CaseVariants()) {
    SCOPED_TRACE(Narrow(name));
    NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
    ASSERT_EQ(GetSChannelInterface(W(name.c_str()), &table, 0), 0);
    EXPECT_EQ(table, reference) << "one table, whatever the spelling";
  }
}

TEST(ProviderName, OpenProviderAcceptsEverySpellingOfItsCase) {
  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  ASSERT_EQ(GetSChannelInterface(W(kOurName), &table, 0), 0);
  for (const std::u16string& name : CaseVariants()) {
    SCOPED_TRACE(Narrow(name));
    // ncrypt: GetSChannelInterface(registered spelling), then OpenProvider(caller's spelling).
    NCRYPT_PROV_HANDLE prov = 0;
    ASSERT_EQ(table->OpenProvider(&prov, W(name.c_str()), 0), 0);
    EXPECT_NE(prov, 0u);
    EXPECT_EQ(table->FreeObject(prov, 0), 0);
    prov = 0;
    ASSERT_EQ(SslOpenProvider(&prov, W(name.c_str()), 0), 0);
    EXPECT_EQ(SslFreeObject(prov, 0), 0);
  }
  // The Microsoft provider's name (accepted so code written against ncrypt's default runs
  // unchanged, docs/interface.md) in any case as well.
  for (const char16_t* name :
       {u"Microsoft SSL Protocol Provider", u"MICROSOFT SSL PROTOCOL PROVIDER", u"microsoft ssl protocol provider"}) {
    NCRYPT_PROV_HANDLE prov = 0;
    ASSERT_EQ(SslOpenProvider(&prov, W(name), 0), 0);
    EXPECT_EQ(SslFreeObject(prov, 0), 0);
  }
}

// Everything that is not the name up to ASCII case: "refused" means NTE_INVALID_PARAMETER with
// nothing written, from both functions (GetSChannelInterface also refuses the Microsoft name:
// ncrypt must not load opensslp for another provider). Non-ASCII look-alikes are not folded
// (U+0130/U+0131 dotted and dotless I, U+017F long s, fullwidth letters), as the CNG
// configuration's ASCII-only comparison does not fold them either.
TEST(ProviderName, OtherNamesAreRefused) {
  const std::vector<std::u16string> others = {
      u"",
      u" ",
      u"OpenSSLP",
      u"OpenSSLP Protocol",
      u"OpenSSLP Protocol Provide",
      u"OpenSSLP Protocol Providers",
      u"OpenSSLP Protocol Provider ",
      u" OpenSSLP Protocol Provider",
      u"OpenSSLP  Protocol Provider",
      u"OpenSSLP\tProtocol Provider",
      u"OpenSSL Protocol Provider",
      u"OpenSSLP_Protocol_Provider",
      u"OpenSSLP Protocol Prov\u0131der",       // dotless i
      u"OpenSSLP Protocol Prov\u0130der",       // dotted capital I
      u"Open\u017f\u017fLP Protocol Provider",  // long s
      u"\uff2fpenSSLP Protocol Provider",       // fullwidth O
      u"Microsoft Software Key Storage Provider",
  };
  for (const std::u16string& name : others) {
    SCOPED_TRACE(Narrow(name));
    NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
    EXPECT_EQ(GetSChannelInterface(W(name.c_str()), &table, 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(table, nullptr);
    NCRYPT_PROV_HANDLE prov = 0x1234;
    EXPECT_EQ(SslOpenProvider(&prov, W(name.c_str()), 0), NTE_INVALID_PARAMETER);
    EXPECT_EQ(prov, 0x1234u);
  }
  // An embedded NUL ends the name: what follows is never read.
  const char16_t with_nul[] = u"OpenSSLP Protocol Provider\0garbage";
  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  EXPECT_EQ(GetSChannelInterface(W(with_nul), &table, 0), 0);
  EXPECT_NE(table, nullptr);
}

}  // namespace
