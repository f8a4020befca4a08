// exports_records.cpp - record protection: SslEncryptPacket / SslDecryptPacket
// (docs/reference/functions.md#records, docs/reference/caller-semantics.md#record-layer). The
// record work is SessionKey::Seal / Open (src/record/session_key.h); this file checks the ABI
// arguments and applies the size-query convention.
//
// Argument rules. Microsoft documents only NTE_INVALID_HANDLE; the errors for malformed records,
// failed authentication, a short output and overlapping buffers, and the in-place offsets, follow
// the sample provider (docs/reference/caller-semantics.md#record-layer). NTE_BAD_KEY_STATE and the
// NTE_INVALID_PARAMETER rules are opensslp's own choices (docs/tls12.md):
//   hSslProvider not a live provider, hKey not a live session key  NTE_INVALID_HANDLE
//   a read key passed to SslEncryptPacket, a write key to SslDecryptPacket  NTE_BAD_KEY_STATE
//   dwFlags != 0                                             NTE_BAD_FLAGS
//   pcbResult NULL, pbInput NULL with cbInput != 0, dwContentType not 20..23, plaintext over 2^14
//   bytes, SequenceNumber 2^64-1 (RFC 5246 §6.1: no wrap), and (encrypt) a SequenceNumber not
//   above the last one this write key sealed (AEAD nonce reuse)  NTE_INVALID_PARAMETER
//   pbOutput NULL                                            size query: *pcbResult = the size
//     (decrypt with a CBC key: an upper bound, fragment - IV - MAC - 1, because the padding length
//     is only known after the constant-time authentication; *pcbResult after the real call is exact)
//   cbOutput too small                                       NTE_BUFFER_TOO_SMALL (+ size)
//   overlap other than the in-place offsets                  NTE_BUFFERS_OVERLAP
//   malformed record (decrypt)                               NTE_BAD_DATA
//   tag failure (decrypt)                                    NTE_DECRYPTION_FAILURE
// In-place offsets: encrypt pbInput == pbOutput + 5 (the sample's) or pbOutput + 5 + explicit
// nonce length (8 for AES-GCM: the plaintext already where the ciphertext goes); decrypt
// pbOutput == pbInput + 5 (the sample's) or pbInput + 5 + explicit nonce length. (Explicit
// nonce / IV length: 8 for AES-GCM, 16 for AES-CBC in TLS 1.1+, 0 otherwise.)
//
// Both run under abi::GuardRecord (boundary.h), the Guard without the per-call initialisation
// and error-queue peek, because their fixed cost is what the record benchmarks measure.
#include "abi/boundary.h"
#include "abi/out_buffers.h"
#include "core/provider.h"
#include "handles/handle_table.h"
#include "record/session_key.h"

using namespace opensslp;       // NOLINT(google-build-using-namespace)
using namespace opensslp::abi;  // NOLINT(google-build-using-namespace)

namespace {

// Provider and key in one lookup (one read lock, no reference to the provider): this runs per
// record (bench/README.md). Same errors as RequireProvider + Require<SessionKey>.
Result<std::shared_ptr<SessionKey>> RequireRecordKey(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE key) {
  return HandleTable::Global().LookupWithOwner<Provider, SessionKey>(static_cast<Handle>(provider),
                                                                     static_cast<Handle>(key));
}

}  // namespace

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslEncryptPacket(NCRYPT_PROV_HANDLE hSslProvider,
                                                                   NCRYPT_KEY_HANDLE hKey, PBYTE pbInput, DWORD cbInput,
                                                                   PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult,
                                                                   ULONGLONG SequenceNumber, DWORD dwContentType,
                                                                   DWORD dwFlags) {
  return GuardRecord(__func__, [&]() -> Status {
    ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> key, RequireRecordKey(hSslProvider, hKey));
    TRY(RequireNoFlags(dwFlags));
    ENSURE(pcbResult != nullptr && (pbInput != nullptr || cbInput == 0), Error::kInvalidParameter);
    ENSURE(CanSeal(key->direction()), Error::kBadKeyState);
    ENSURE(dwContentType >= kContentChangeCipherSpec && dwContentType <= kContentApplicationData &&
               cbInput <= kMaxPlaintextLength && SequenceNumber != kLastSequenceNumber,
           Error::kInvalidParameter);
    ASSIGN_OR_RETURN(OutputMode mode, PrepareOutput(pbOutput, cbOutput, pcbResult, key->SealedLength(cbInput)));
    if (mode == OutputMode::kSizeQuery) return Status::Ok();
    ASSIGN_OR_RETURN(std::size_t written, key->Seal(SequenceNumber, static_cast<std::uint8_t>(dwContentType), pbInput,
                                                    cbInput, pbOutput, cbOutput));
    *pcbResult = static_cast<DWORD>(written);
    return Status::Ok();
  });
}

extern "C" OPENSSLP_EXPORT SECURITY_STATUS WINAPI SslDecryptPacket(NCRYPT_PROV_HANDLE hSslProvider,
                                                                   NCRYPT_KEY_HANDLE hKey, PBYTE pbInput, DWORD cbInput,
                                                                   PBYTE pbOutput, DWORD cbOutput, DWORD* pcbResult,
                                                                   ULONGLONG SequenceNumber, DWORD dwFlags) {
  return GuardRecord(__func__, [&]() -> Status {
    ASSIGN_OR_RETURN(std::shared_ptr<SessionKey> key, RequireRecordKey(hSslProvider, hKey));
    TRY(RequireNoFlags(dwFlags));
    ENSURE(pcbResult != nullptr && (pbInput != nullptr || cbInput == 0), Error::kInvalidParameter);
    ENSURE(CanOpen(key->direction()), Error::kBadKeyState);
    ENSURE(SequenceNumber != kLastSequenceNumber, Error::kInvalidParameter);
    // A record is at least its 5-byte header: a NULL or empty input is a malformed record.
    ENSURE(pbInput != nullptr, Error::kBadData);
    ASSIGN_OR_RETURN(std::size_t plaintext_len, key->OpenedLength(Bytes(pbInput, cbInput)));
    ASSIGN_OR_RETURN(OutputMode mode, PrepareOutput(pbOutput, cbOutput, pcbResult, plaintext_len));
    if (mode == OutputMode::kSizeQuery) return Status::Ok();
    ASSIGN_OR_RETURN(std::size_t written, key->Open(SequenceNumber, pbInput, cbInput, pbOutput, cbOutput));
    *pcbResult = static_cast<DWORD>(written);
    return Status::Ok();
  });
}
