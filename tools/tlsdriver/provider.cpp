// provider.cpp - RAII handles and thin helpers over opensslp's exported Ssl* API.
#include "provider.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "opensslp/opensslp.h"

namespace opensslp::tlsdriver {
namespace {

// Converts a provider WCHAR name field (NUL-terminated within `max` units) to ASCII; the
// provider's suite names are ASCII IANA names.
template <std::size_t N>
std::string Narrow(const WCHAR (&text)[N]) {
  std::string out;
  for (std::size_t i = 0; i < N && text[i] != 0; ++i) {
    out.push_back(text[i] < 0x80 ? static_cast<char>(text[i]) : '?');
  }
  return out;
}

// A NUL-terminated WCHAR copy of an ASCII string (portable: WCHAR is wchar_t on Windows and
// char16_t elsewhere).
std::vector<WCHAR> Widen(const char* text) {
  std::vector<WCHAR> out;
  for (; *text != 0; ++text) out.push_back(static_cast<WCHAR>(*text));
  out.push_back(0);
  return out;
}

Exchange ExchangeOf(const std::string& name) {
  if (name == "RSA") return Exchange::kRsa;
  if (name == "DH") return Exchange::kDhe;
  if (name == "ECDH") return Exchange::kEcdhe;
  return Exchange::kOther;
}

CertKind CertKindOf(const std::string& name) {
  if (name == "RSA") return CertKind::kRsa;
  if (name == "ECDSA") return CertKind::kEcdsa;
  return CertKind::kNone;
}

}  // namespace

void ProviderObject::Reset() {
  if (handle_ != NCRYPT_HANDLE{}) {
    (void)SslFreeObject(handle_, 0);
    handle_ = NCRYPT_HANDLE{};
  }
}

void CheckStatus(SECURITY_STATUS status, const char* call) {
  if (status == 0) return;
  char text[96];
  std::snprintf(text, sizeof text, "%s failed: 0x%08X", call, static_cast<unsigned>(status));
  Abort(AlertDescription::kInternalError, text, static_cast<std::uint32_t>(status));
}

bool SuiteInfo::ValidFor(std::uint16_t version) const {
  return std::find(versions.begin(), versions.end(), version) != versions.end();
}

Bytes HashIdPrefixed(const char* hash_id, ByteView digest) {
  Bytes out;
  for (const char* p = hash_id; *p != 0; ++p) {
    out.push_back(static_cast<std::uint8_t>(*p));  // UTF-16LE of ASCII
    out.push_back(0);
  }
  out.push_back(0);
  out.push_back(0);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

Provider::~Provider() {
  if (handle_ != NCRYPT_PROV_HANDLE{}) (void)SslFreeObject(handle_, 0);
}

bool Provider::Open(std::string* error) {
  SECURITY_STATUS rc = SslOpenProvider(&handle_, OPENSSLP_PROVIDER_NAME, 0);
  if (rc != 0) {
    handle_ = NCRYPT_PROV_HANDLE{};
    *error = "SslOpenProvider failed";
    return false;
  }
  // The suites the provider enumerates, one entry per (suite, protocol); TLS 1.2 PSK suites are
  // not for this driver (Exchange::kOther).
  void* state = nullptr;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* entry = nullptr;
    rc = SslEnumCipherSuites(handle_, 0, &entry, &state, 0);
    if (rc != 0) break;
    const auto version = static_cast<std::uint16_t>(entry->dwProtocol);
    const auto id = static_cast<std::uint16_t>(entry->dwCipherSuite);
    const Exchange exchange = version == kTls13 ? Exchange::kTls13KeyShare : ExchangeOf(Narrow(entry->szExchange));
    if (exchange != Exchange::kOther && version >= kTls10 && version <= kTls13) {
      auto it = std::find_if(suites_.begin(), suites_.end(), [&](const SuiteInfo& s) { return s.id == id; });
      if (it == suites_.end()) {
        suites_.push_back({id, Narrow(entry->szCipherSuite), exchange, CertKindOf(Narrow(entry->szCertificate)), {}});
        it = suites_.end() - 1;
      }
      it->versions.push_back(version);
    }
    (void)SslFreeBuffer(entry);
  }
  if (state != nullptr) (void)SslFreeBuffer(state);
  if (rc != NTE_NO_MORE_ITEMS) {
    *error = "SslEnumCipherSuites failed";
    return false;
  }

  DWORD count = 0;
  NCRYPT_SSL_ECC_CURVE* curves = nullptr;
  rc = SslEnumEccCurves(handle_, &count, &curves, 0);
  if (rc != 0) {
    *error = "SslEnumEccCurves failed";
    return false;
  }
  for (DWORD i = 0; i < count; ++i) curves_.push_back(static_cast<std::uint16_t>(curves[i].dwCurveType));
  (void)SslFreeBuffer(curves);
  return true;
}

const SuiteInfo* Provider::FindSuite(std::uint16_t id) const {
  for (const SuiteInfo& s : suites_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

Bytes Provider::Digest(std::uint16_t version, std::uint16_t suite, const char* hash_id, bool ecdsa,
                       ByteView data) const {
  ProviderObject hash;
  const std::vector<WCHAR> key_alg = Widen(ecdsa ? "ECDSA" : "RSA");
  if (version == kTls12) {
    const std::vector<WCHAR> id = Widen(hash_id);
    CheckStatus(SslCreateClientAuthHash(handle_, hash.Put(), version, suite, id.data(), 0), "SslCreateClientAuthHash");
  } else {
    CheckStatus(SslCreateHandshakeHash(handle_, hash.Put(), version, suite, 0), "SslCreateHandshakeHash");
  }
  CheckStatus(SslHashHandshake(handle_, hash.get(), const_cast<PBYTE>(data.data()), static_cast<DWORD>(data.size()), 0),
              "SslHashHandshake");
  Bytes out(64);
  DWORD len = 0;
  CheckStatus(SslComputeClientAuthHash(handle_, 0, hash.get(), key_alg.data(), out.data(),
                                       static_cast<DWORD>(out.size()), &len, 0),
              "SslComputeClientAuthHash");
  out.resize(len);
  return out;
}

std::uint16_t Provider::AnyTls12Suite() const {
  for (const SuiteInfo& s : suites_) {
    if (s.ValidFor(kTls12)) return s.id;
  }
  Abort(AlertDescription::kInternalError, "the provider lists no TLS 1.2 suite to hash with");
}

Bytes Provider::Sign(NCRYPT_KEY_HANDLE key, ByteView hash_value, DWORD flags) const {
  DWORD len = 0;
  auto* in = const_cast<PBYTE>(hash_value.data());
  const auto in_len = static_cast<DWORD>(hash_value.size());
  CheckStatus(SslSignHash(handle_, key, in, in_len, nullptr, 0, &len, flags), "SslSignHash");
  Bytes sig(len);
  CheckStatus(SslSignHash(handle_, key, in, in_len, sig.data(), len, &len, flags), "SslSignHash");
  sig.resize(len);
  return sig;
}

SECURITY_STATUS Provider::Verify(NCRYPT_KEY_HANDLE key, ByteView hash_value, ByteView signature, DWORD flags) const {
  return SslVerifySignature(handle_, key, const_cast<PBYTE>(hash_value.data()), static_cast<DWORD>(hash_value.size()),
                            const_cast<PBYTE>(signature.data()), static_cast<DWORD>(signature.size()), flags);
}

ProviderObject Provider::ImportKey(LPCWSTR blob_type, ByteView blob) const {
  ProviderObject key;
  const SECURITY_STATUS rc =
      SslImportKey(handle_, key.Put(), blob_type, const_cast<PBYTE>(blob.data()), static_cast<DWORD>(blob.size()), 0);
  // A peer value the provider refuses (not on the curve, out of range, small subgroup) is the
  // peer's fault: illegal_parameter (RFC 8422 §5.4, RFC 7919 §3), not internal_error.
  if (rc == NTE_BAD_DATA) {
    Abort(AlertDescription::kIllegalParameter, "peer public key refused by SslImportKey",
          static_cast<std::uint32_t>(rc));
  }
  CheckStatus(rc, "SslImportKey");
  return key;
}

Bytes Provider::ExportKey(NCRYPT_KEY_HANDLE key, LPCWSTR blob_type) const {
  DWORD len = 0;
  CheckStatus(SslExportKey(handle_, key, blob_type, nullptr, 0, &len, 0), "SslExportKey");
  Bytes blob(len);
  CheckStatus(SslExportKey(handle_, key, blob_type, blob.data(), len, &len, 0), "SslExportKey");
  blob.resize(len);
  return blob;
}

SslParameterList::SslParameterList(ByteView client_random, ByteView server_random)
    : client_random_(client_random.begin(), client_random.end()),
      server_random_(server_random.begin(), server_random.end()) {
  Add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random_.data(), client_random_.size());
  Add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random_.data(), server_random_.size());
}

void SslParameterList::AddHighestVersion(std::uint16_t version) {
  highest_version_ = version;
  Add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &highest_version_, sizeof highest_version_);
}

void SslParameterList::AddSessionHash(ByteView hash) {
  // With extended master secret the randoms do not enter the master secret (RFC 7627 §4), and
  // Schannel is reported to leave the client random out of this list then
  // (docs/reference/caller-semantics.md#parameter-lists): the driver drops both randoms, so every
  // EMS handshake exercises the provider as Schannel would -- including the key log, which must
  // then name the secret by the ClientHello of the transcript (docs/key-log.md).
  ULONG kept = 0;
  for (ULONG i = 0; i < count_; ++i) {
    if (buffers_[i].BufferType == NCRYPTBUFFER_SSL_CLIENT_RANDOM || buffers_[i].BufferType == NCRYPTBUFFER_SSL_SERVER_RANDOM)
      continue;
    buffers_[kept++] = buffers_[i];
  }
  count_ = kept;
  session_hash_.assign(hash.begin(), hash.end());
  Add(NCRYPTBUFFER_SSL_SESSION_HASH, session_hash_.data(), session_hash_.size());
}

void SslParameterList::Add(ULONG type, const void* data, std::size_t size) {
  // A fixed array: one more parameter than it holds is a bug in the driver, reported rather
  // than written past the end.
  if (count_ >= std::size(buffers_)) Abort(AlertDescription::kInternalError, "too many SSL parameters");
  buffers_[count_].BufferType = type;
  buffers_[count_].cbBuffer = static_cast<ULONG>(size);
  buffers_[count_].pvBuffer = const_cast<void*>(data);
  ++count_;
}

NCryptBufferDesc* SslParameterList::get() {
  desc_.ulVersion = NCRYPTBUFFER_VERSION;
  desc_.cBuffers = count_;
  desc_.pBuffers = buffers_;
  return &desc_;
}

}  // namespace opensslp::tlsdriver
