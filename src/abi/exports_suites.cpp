// exports_suites.cpp - cipher-suite and curve metadata: SslEnumCipherSuites(Ex),
// SslLookupCipherSuiteInfo, SslLookupCipherLengths, SslGetCipherSuitePRFHashAlgorithm and
// SslEnumEccCurves. Every fact comes from core/cipher_suites.h and base/groups.h; this file only
// validates arguments and lays the facts out in Microsoft's structures
// (docs/reference/types-and-constants.md#structures, docs/reference/functions.md#suites; field
// conventions in docs/cipher-suites.md). What the enumerations offer is the part of the catalog the
// administrator's configuration enables (core/configuration.h, docs/operations.md); the lookups
// answer for every catalog suite, enabled or not.
//
// Argument checks, in order, for every function here: the provider handle (NTE_INVALID_HANDLE),
// NULL output pointers / too-small sizes (NTE_INVALID_PARAMETER), reserved dwFlags (NTE_BAD_FLAGS),
// then the request itself (protocol, suite, key type, private key, enumeration state).
#include <cstring>
#include <memory>
#include <string_view>

#include <cstddef>

#include "abi/boundary.h"
#include "abi/caller_buffers.h"
#include "base/groups.h"
#include "core/cipher_suites.h"
#include "core/configuration.h"
#include "core/library.h"
#include "core/private_key.h"

using namespace opensslp;       // NOLINT(google-build-using-namespace)
using namespace opensslp::abi;  // NOLINT(google-build-using-namespace)

namespace {

// Enumeration state handed to the caller (a caller buffer, freed with SslFreeBuffer). The magic
// differs between the two enumeration functions so that a state from one is refused by the other.
struct EnumState {
  std::uint32_t magic;
  std::uint32_t next;  // index into EnumerationOrder() of the next candidate
};
static_assert(offsetof(EnumState, magic) == 0, "WithCallerBuffer checks the magic in the first four bytes");
constexpr std::uint32_t kEnumStateMagic = 0x53554954u;    // "SUIT"
constexpr std::uint32_t kEnumStateExMagic = 0x53554958u;  // "SUIX"

// Copies an ASCII or UTF-16 name into a fixed WCHAR array, NUL-terminated (names are checked to
// fit by the catalog's static_asserts; truncation here would be a bug, hence kInternal).
template <std::size_t N>
void CopyName(WCHAR (&dst)[N], std::u16string_view src) {
  auto* out = reinterpret_cast<char16_t*>(dst);
  const std::size_t n = src.size() < N ? src.size() : N - 1;
  for (std::size_t i = 0; i < n; ++i) out[i] = src[i];
  out[n] = u'\0';
}
template <std::size_t N>
void CopyName(WCHAR (&dst)[N], std::string_view ascii) {
  auto* out = reinterpret_cast<char16_t*>(dst);
  const std::size_t n = ascii.size() < N ? ascii.size() : N - 1;
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char16_t>(static_cast<unsigned char>(ascii[i]));
  out[n] = u'\0';
}

// Fills the 14 fields NCRYPT_SSL_CIPHER_SUITE and NCRYPT_SSL_CIPHER_SUITE_EX share.
template <class T>
void FillSuite(T& out, const CipherSuite& s, ProtocolVersion v, DWORD key_type) {
  out.dwProtocol = static_cast<DWORD>(v);
  out.dwCipherSuite = s.id;
  out.dwBaseCipherSuite = s.id;  // no curve-suffixed variants (pre-Windows 10 naming is not used)
  CopyName(out.szCipherSuite, s.name);
  CopyName(out.szCipher, CngCipherName(s.cipher));
  out.dwCipherLen = static_cast<DWORD>(s.key_len) * 8;       // bits
  out.dwCipherBlockLen = CipherBlockLength(s.cipher);        // bytes; 1 for the ChaCha20 stream cipher
  CopyName(out.szHash, CngMacHashName(s.mac));               // "" for AEAD, as Microsoft's provider
  out.dwHashLen = static_cast<DWORD>(MacLength(s.mac)) * 8;  // bits; 0 for AEAD
  CopyName(out.szExchange, CngExchangeName(s.kx));
  const ExchangeLengths lengths = ExchangeLengthsFor(s.kx);
  out.dwMinExchangeLen = lengths.min_bits;
  out.dwMaxExchangeLen = lengths.max_bits;
  CopyName(out.szCertificate, CngCertificateName(s.auth));
  out.dwKeyType = key_type;
}

void FillSuiteEx(NCRYPT_SSL_CIPHER_SUITE_EX& out, const CipherSuite& s, ProtocolVersion v) {
  out.dwVersion = NCRYPT_SSL_CIPHER_SUITE_EX_VERSION;
  FillSuite(out, s, v, 0);
  CopyName(out.szCipherMode, CngChainingMode(s.cipher));
}

// Resolves SslEnumCipherSuites' optional hPrivateKey: 0 means no filtering; otherwise it must be a
// live private-key object (SslOpenPrivateKey), anything else is NTE_INVALID_HANDLE. A deferred
// private key whose key still cannot be opened serves no suite: the enumeration is empty
// (NTE_NO_MORE_ITEMS at once), the truthful answer to "which suites can this key serve"
// (docs/windows.md#deferred-private-keys); memory running out on the way is NTE_NO_MEMORY.
Result<CertificateKeyClass> ClassifyPrivateKeyHandle(NCRYPT_KEY_HANDLE handle) {
  if (handle == 0) return CertificateKeyClass::kNone;
  ASSIGN_OR_RETURN(std::shared_ptr<Object> object, HandleTable::Global().LookupAny(static_cast<Handle>(handle)));
  if (auto deferred = ResolveDeferredKey(*object)) {
    if (!deferred->ok()) {
      if (ResolveCryptoLibraryFailure(deferred->error()) == Error::kNoMemory) return Error::kNoMemory;
      ClearErrorOrigin();  // not a failure of this call
      return CertificateKeyClass::kUnusable;
    }
    return ClassifyCertificateKey(deferred->value()->Describe().algorithm);
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const KeyObject> key, RequireAnyKey(handle));
  ENSURE(key->kind() == ObjectKind::kPrivateKey, Error::kInvalidHandle);
  const KeyDescription description = key->Describe();
  return ClassifyCertificateKey(description.algorithm);
}

// The shared iterator of SslEnumCipherSuites and SslEnumCipherSuitesEx. `fill` writes one entry
// into a freshly allocated T; it must not throw.
//
// A caller's state is read, advanced and written inside WithCallerBuffer, under the lock that
// validates it: a caller that frees the state with SslFreeBuffer while another thread enumerates
// with it gets NTE_INVALID_PARAMETER (or the free waits for the step to finish), never a write into
// freed memory. Everything that allocates happens outside that lock.
template <class T, class Fill>
Status EnumerateSuites(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE private_key, T** out, PVOID* state_ptr,
                       DWORD flags, std::uint32_t magic, Fill fill) {
  TRY(RequireProvider(provider));
  ENSURE(out != nullptr && state_ptr != nullptr, Error::kInvalidParameter);
  TRY(RequireNoFlags(flags));
  void* const caller_state = *state_ptr;
  // A state must be one we handed out from this function and not yet freed: only our registry is
  // consulted, so a garbage pointer is never dereferenced.
  if (caller_state != nullptr) {
    ENSURE(WithCallerBuffer(caller_state, sizeof(EnumState), magic, [](void*) {}), Error::kInvalidParameter);
  }
  ASSIGN_OR_RETURN(const CertificateKeyClass key_class, ClassifyPrivateKeyHandle(private_key));
  // The administrator's configuration (core/configuration.h): a change of the registry key / the
  // file is looked for when an enumeration starts; each step filters with the configuration in
  // force at that step, so an enumeration that spans a re-read continues under the new one.
  if (caller_state == nullptr) config::ReloadIfChanged();
  const std::shared_ptr<const config::Configuration> configuration = config::Current();

  const std::span<const SuiteVersion> order = EnumerationOrder();
  const auto next_usable = [&](std::size_t index) {
    while (index < order.size() && !(UsableWithKey(*order[index].suite, key_class) &&
                                     configuration->Offers(*order[index].suite, order[index].version))) {
      ++index;
    }
    return index;
  };

  if (caller_state == nullptr) {
    const std::size_t index = next_usable(0);
    // With no state yet and nothing matching at all, no state is handed out: *ppEnumState stays NULL.
    if (index == order.size()) return Error::kNoMoreItems;
    // Both blocks are complete before they are registered (AllocateCallerObject), so a stale
    // pointer another thread passes in cannot observe them half-written.
    T first{};
    fill(first, order[index]);
    std::unique_ptr<T, CallerBufferDeleter> entry(AllocateCallerObject(first));
    EnumState* state = AllocateCallerObject(EnumState{magic, static_cast<std::uint32_t>(index + 1)});
    *state_ptr = state;
    *out = entry.release();
    return Status::Ok();
  }

  // Allocated (zeroed, registered) before the lock is taken, filled under it.
  std::unique_ptr<T, CallerBufferDeleter> entry(AllocateCallerArray<T>(1));
  Status result = Error::kInternal;
  const bool live = WithCallerBuffer(caller_state, sizeof(EnumState), magic, [&](void* block) {
    auto* state = static_cast<EnumState*>(block);
    if (state->next > order.size()) {
      result = Error::kInvalidParameter;
      return;
    }
    const std::size_t index = next_usable(state->next);
    if (index == order.size()) {
      state->next = static_cast<std::uint32_t>(index);
      result = Error::kNoMoreItems;
      return;
    }
    fill(*entry, order[index]);
    state->next = static_cast<std::uint32_t>(index + 1);
    result = Status::Ok();
  });
  ENSURE(live, Error::kInvalidParameter);  // freed by another thread since the first check
  TRY(result);
  *out = entry.release();
  return Status::Ok();
}

// Common prologue of the three lookups: the suite for (protocol, id) and a valid key type.
Result<std::pair<const CipherSuite*, ProtocolVersion>> LookupForProtocol(DWORD protocol, DWORD suite_id,
                                                                         DWORD key_type) {
  ASSIGN_OR_RETURN(const ProtocolVersion version, ParseProtocolVersion(protocol));
  ASSIGN_OR_RETURN(const CipherSuite* suite, LookupCipherSuite(protocol, suite_id));
  TRY(CheckKeyType(*suite, key_type));
  return std::make_pair(suite, version);
}

}  // namespace

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslEnumCipherSuites(NCRYPT_PROV_HANDLE hSslProvider,
                                                                      NCRYPT_KEY_HANDLE hPrivateKey,
                                                                      NCRYPT_SSL_CIPHER_SUITE** ppCipherSuite,
                                                                      PVOID* ppEnumState, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    return EnumerateSuites(hSslProvider, hPrivateKey, ppCipherSuite, ppEnumState, dwFlags, kEnumStateMagic,
                           [](NCRYPT_SSL_CIPHER_SUITE& out, const SuiteVersion& sv) {
                             // dwKeyType 0: curves are negotiated separately (SslEnumEccCurves), as
                             // on Windows 10 and later.
                             FillSuite(out, *sv.suite, sv.version, 0);
                           });
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslEnumCipherSuitesEx(NCRYPT_PROV_HANDLE hSslProvider,
                                                                        NCRYPT_KEY_HANDLE hPrivateKey,
                                                                        NCRYPT_SSL_CIPHER_SUITE_EX** ppCipherSuite,
                                                                        PVOID* ppEnumState, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    return EnumerateSuites(
        hSslProvider, hPrivateKey, ppCipherSuite, ppEnumState, dwFlags, kEnumStateExMagic,
        [](NCRYPT_SSL_CIPHER_SUITE_EX& out, const SuiteVersion& sv) { FillSuiteEx(out, *sv.suite, sv.version); });
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslLookupCipherSuiteInfo(NCRYPT_PROV_HANDLE hSslProvider,
                                                                           DWORD dwProtocol, DWORD dwCipherSuite,
                                                                           DWORD dwKeyType,
                                                                           NCRYPT_SSL_CIPHER_SUITE* pCipherSuite,
                                                                           DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(pCipherSuite != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(const auto found, LookupForProtocol(dwProtocol, dwCipherSuite, dwKeyType));
    NCRYPT_SSL_CIPHER_SUITE info{};
    // The key type asked about is echoed back (0 in enumerations).
    FillSuite(info, *found.first, found.second, dwKeyType);
    *pCipherSuite = info;
    return Status::Ok();
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslLookupCipherLengths(NCRYPT_PROV_HANDLE hSslProvider,
                                                                         DWORD dwProtocol, DWORD dwCipherSuite,
                                                                         DWORD dwKeyType,
                                                                         NCRYPT_SSL_CIPHER_LENGTHS* pCipherLengths,
                                                                         DWORD cbCipherLengths, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(pCipherLengths != nullptr && cbCipherLengths >= sizeof(NCRYPT_SSL_CIPHER_LENGTHS), Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(const auto found, LookupForProtocol(dwProtocol, dwCipherSuite, dwKeyType));
    const RecordOverhead overhead = RecordOverheadFor(*found.first, found.second);
    NCRYPT_SSL_CIPHER_LENGTHS lengths{};
    lengths.cbLength = sizeof(NCRYPT_SSL_CIPHER_LENGTHS);
    lengths.dwHeaderLen = overhead.header_len;
    lengths.dwFixedTrailerLen = overhead.fixed_trailer_len;
    lengths.dwMaxVariableTrailerLen = overhead.max_variable_trailer_len;
    lengths.dwFlags = overhead.block_padding ? NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING : 0;
    *pCipherLengths = lengths;  // only the first sizeof bytes of a larger caller buffer are written
    return Status::Ok();
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI
SslGetCipherSuitePRFHashAlgorithm(NCRYPT_PROV_HANDLE hSslProvider, DWORD dwProtocol, DWORD dwCipherSuite,
                                  DWORD dwKeyType, WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE], DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(szPRFHash != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    ASSIGN_OR_RETURN(const auto found, LookupForProtocol(dwProtocol, dwCipherSuite, dwKeyType));
    const HashAlg hash = PrfHashFor(*found.first, found.second);
    // TLS 1.0/1.1 use the fixed MD5 ‖ SHA-1 PRF (RFC 2246 §5), for which CNG has no algorithm id;
    // the function is documented for TLS 1.2 and later, so older versions get NTE_NOT_SUPPORTED.
    ENSURE(hash != HashAlg::kMd5Sha1, Error::kNotSupported);
    const std::u16string_view name = CngPrfHashName(hash);
    auto* out = reinterpret_cast<char16_t*>(szPRFHash);
    for (std::size_t i = 0; i < name.size(); ++i) out[i] = name[i];
    out[name.size()] = u'\0';
    return Status::Ok();
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslEnumEccCurves(NCRYPT_PROV_HANDLE hSslProvider,
                                                                   DWORD* pEccCurveCount,
                                                                   NCRYPT_SSL_ECC_CURVE** ppEccCurve, DWORD dwFlags) {
  return Guard(__func__, [&]() -> Status {
    TRY(RequireProvider(hSslProvider));
    ENSURE(pEccCurveCount != nullptr && ppEccCurve != nullptr, Error::kInvalidParameter);
    TRY(RequireNoFlags(dwFlags));
    // The curves the administrator's configuration enables (core/configuration.h), in preference
    // order; the configuration never enables none.
    config::ReloadIfChanged();
    const std::shared_ptr<const config::Configuration> configuration = config::Current();
    std::size_t count = 0;
    for (std::uint16_t id : kEccCurvePreference) count += configuration->OffersGroup(id) ? 1 : 0;
    ENSURE(count != 0, Error::kInternal);
    // One provider-allocated array, freed with one SslFreeBuffer.
    auto* curves = AllocateCallerArray<NCRYPT_SSL_ECC_CURVE>(count);
    std::size_t i = 0;
    for (std::uint16_t id : kEccCurvePreference) {
      if (!configuration->OffersGroup(id)) continue;
      const GroupInfo& group = *FindGroup(id);
      NCRYPT_SSL_ECC_CURVE& c = curves[i++];
      CopyName(c.szCurveName, group.cng_name);
      const std::size_t oid_len = group.oid.size() < sizeof(c.szOID) ? group.oid.size() : sizeof(c.szOID) - 1;
      std::memcpy(c.szOID, group.oid.data(), oid_len);
      c.szOID[oid_len] = '\0';
      // The TLS wire form's length: 65/97/133 bytes for an uncompressed NIST point (RFC 8422
      // §5.4.1), 32/56 for X25519/X448 (RFC 7748 §5).
      c.dwPublicKeyLength = group.public_key_bytes;
      c.dwCurveType = group.iana_id;  // IANA NamedGroup
      c.dwFlags = 0;
    }
    *ppEccCurve = curves;
    *pEccCurveCount = static_cast<DWORD>(count);
    return Status::Ok();
  });
}
