// ncrypt_params_test.cpp - the NCryptBufferDesc reader (abi/ncrypt_params.h): every rule of its
// header, one test each.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "abi/ncrypt_params.h"

namespace opensslp::abi {
namespace {

struct List {
  std::vector<NCryptBuffer> buffers;
  NCryptBufferDesc desc{NCRYPTBUFFER_VERSION, 0, nullptr};
  void Add(ULONG type, void* data, ULONG size) { buffers.push_back({size, type, data}); }
  NCryptBufferDesc* get() {
    desc.cBuffers = static_cast<ULONG>(buffers.size());
    desc.pBuffers = buffers.empty() ? nullptr : buffers.data();
    return &desc;
  }
};

std::uint8_t cr[32], sr[32], hash[64];
DWORD version = 0x0303;

TEST(NcryptParams, NullListIsEmpty) {
  auto p = ReadSslParameters(nullptr);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->client_random || p->server_random || p->highest_version || p->session_hash);
}

TEST(NcryptParams, ReadsEveryKnownTypeInAnyOrder) {
  for (std::size_t i = 0; i < 32; ++i) cr[i] = static_cast<std::uint8_t>(i), sr[i] = static_cast<std::uint8_t>(100 + i);
  std::memset(hash, 0x5e, sizeof hash);
  List l;
  l.Add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version, 4);
  l.Add(NCRYPTBUFFER_SSL_SERVER_RANDOM, sr, 32);
  l.Add(999, nullptr, 0);                      // unknown: ignored
  l.Add(NCRYPTBUFFER_SSL_CLEAR_KEY, hash, 7);  // SSL 2 only: ignored
  l.Add(NCRYPTBUFFER_SSL_SESSION_HASH, hash, 48);
  l.Add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr, 32);
  auto p = ReadSslParameters(l.get());
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->client_random && p->server_random && p->highest_version && p->session_hash);
  EXPECT_EQ(0, std::memcmp(p->client_random->data(), cr, 32));
  EXPECT_EQ(0, std::memcmp(p->server_random->data(), sr, 32));
  EXPECT_EQ(*p->highest_version, 0x0303u);
  EXPECT_EQ(p->session_hash->size(), 48u);
  EXPECT_EQ(p->client_random_bytes().size(), 32u);
}

TEST(NcryptParams, WrongSizesRefused) {
  const std::pair<ULONG, ULONG> bad[] = {{NCRYPTBUFFER_SSL_CLIENT_RANDOM, 31},  {NCRYPTBUFFER_SSL_CLIENT_RANDOM, 33},
                                         {NCRYPTBUFFER_SSL_SERVER_RANDOM, 0},   {NCRYPTBUFFER_SSL_HIGHEST_VERSION, 2},
                                         {NCRYPTBUFFER_SSL_HIGHEST_VERSION, 8}, {NCRYPTBUFFER_SSL_SESSION_HASH, 0},
                                         {NCRYPTBUFFER_SSL_SESSION_HASH, 65}};
  static std::uint8_t big[128];
  for (auto [type, size] : bad) {
    List l;
    l.Add(type, big, size);
    EXPECT_EQ(ReadSslParameters(l.get()).error(), Error::kInvalidParameter) << type << " " << size;
  }
}

TEST(NcryptParams, DuplicatesRefused) {
  for (ULONG type : {NCRYPTBUFFER_SSL_CLIENT_RANDOM, NCRYPTBUFFER_SSL_SERVER_RANDOM}) {
    List l;
    l.Add(type, cr, 32);
    l.Add(type, cr, 32);
    EXPECT_EQ(ReadSslParameters(l.get()).error(), Error::kInvalidParameter);
  }
  List v;
  v.Add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version, 4);
  v.Add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version, 4);
  EXPECT_EQ(ReadSslParameters(v.get()).error(), Error::kInvalidParameter);
  List h;
  h.Add(NCRYPTBUFFER_SSL_SESSION_HASH, hash, 32);
  h.Add(NCRYPTBUFFER_SSL_SESSION_HASH, hash, 32);
  EXPECT_EQ(ReadSslParameters(h.get()).error(), Error::kInvalidParameter);
}

TEST(NcryptParams, DescriptorChecks) {
  NCryptBufferDesc d{1, 0, nullptr};  // ulVersion must be 0
  EXPECT_EQ(ReadSslParameters(&d).error(), Error::kInvalidParameter);
  NCryptBufferDesc null_buffers{0, 2, nullptr};
  EXPECT_EQ(ReadSslParameters(&null_buffers).error(), Error::kInvalidParameter);
  NCryptBufferDesc empty{0, 0, nullptr};
  EXPECT_TRUE(ReadSslParameters(&empty).ok());
  std::vector<NCryptBuffer> many(kMaxParameterBuffers + 1, NCryptBuffer{0, 999, nullptr});
  NCryptBufferDesc too_many{0, kMaxParameterBuffers + 1, many.data()};
  EXPECT_EQ(ReadSslParameters(&too_many).error(), Error::kInvalidParameter);
  NCryptBufferDesc max{0, kMaxParameterBuffers, many.data()};
  EXPECT_TRUE(ReadSslParameters(&max).ok());
  List l;
  l.Add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, nullptr, 32);  // size without data
  EXPECT_EQ(ReadSslParameters(l.get()).error(), Error::kInvalidParameter);
  List u;
  u.Add(12345, nullptr, 16);  // even for an unknown type
  EXPECT_EQ(ReadSslParameters(u.get()).error(), Error::kInvalidParameter);
}

}  // namespace
}  // namespace opensslp::abi
