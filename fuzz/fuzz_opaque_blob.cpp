// fuzz_opaque_blob.cpp - SslImportKey(BCRYPT_OPAQUE_KEY_BLOB) of the provider-private session-key
// blobs: TLS 1.0-1.2 read and write keys ("OPSK", record/session_key_blob.h) and TLS 1.3 record
// keys and traffic secrets ("OP13", record/tls13_key_blob.h).
//
// Input: the blob. Seeds are blobs opensslp exported itself (AES-CBC with HMAC-SHA1/256/384 on TLS
// 1.0/1.1/1.2, AES-GCM, ChaCha20-Poly1305, the three TLS 1.3 suites; fresh and used write keys),
// written once by a throwaway program against opensslp_static: a P-256 exchange between two
// ephemeral keys of the provider, SslGenerateMasterKey + SslGenerateSessionKeys, SslExportKey of
// the read and write keys (and of a write key after one SslEncryptPacket); for TLS 1.3
// SslExtractEarlyKey/HandshakeKey/MasterKey, SslExpandTrafficKeys and SslExpandWriteKey.
// Oracles: documented statuses only (a refused blob: NTE_BAD_DATA); no handle left behind and no
// handle written by a failed import; an imported key re-exports to exactly the input (size query,
// a buffer one byte short refused and untouched); then the key is used:
//   * a write key / TLS 1.3 record key seals a record at its sealing floor (the blob's sequence
//     field), refuses the sequence number below it, re-exports with the floor one higher and
//     otherwise the same bytes, and its record opens, to the same plaintext, with the read key
//     imported from the same blob with the direction flipped (TLS 1.3: the same blob again);
//   * a read key refuses to seal (NTE_BAD_KEY_STATE) and opens what the write key of the same blob
//     (direction flipped, floor 0) seals;
//   * a traffic secret is no record key (NTE_INVALID_HANDLE) and SslExpandWriteKey makes one that
//     seals and opens its own record.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fuzz_support.h"
#include "opensslp/win_types.h"

using namespace opensslp::fuzz;

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kLast = ~std::uint64_t{0};

std::uint64_t LoadBe64(const std::uint8_t* p) {
  std::uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x = x << 8 | p[i];
  return x;
}
void StoreBe64(std::uint8_t* p, std::uint64_t x) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(x >> (56 - 8 * i));
}

Bytes Export(NCRYPT_KEY_HANDLE key) {
  DWORD size = 0;
  Require(CheckStatus(SslExportKey(Provider(), key, BCRYPT_OPAQUE_KEY_BLOB, nullptr, 0, &size, 0),
                      "SslExportKey (size)") == 0,
          "an imported opaque key exports (size query)");
  Require(size > 0 && size <= 256, "SslExportKey size query gives a plausible size");
  Bytes small(size - 1, 0xA5);
  DWORD got = 0;
  Require(SslExportKey(Provider(), key, BCRYPT_OPAQUE_KEY_BLOB, small.empty() ? nullptr : small.data(), size - 1, &got,
                       0) == (small.empty() ? 0 : NTE_BUFFER_TOO_SMALL),
          "SslExportKey into a buffer one byte short: NTE_BUFFER_TOO_SMALL");
  for (std::uint8_t b : small) Require(b == 0xA5, "a too-small buffer is left untouched");
  Bytes out(size);
  got = 0;
  Require(SslExportKey(Provider(), key, BCRYPT_OPAQUE_KEY_BLOB, out.data(), size, &got, 0) == 0 && got == size,
          "SslExportKey into a buffer of the queried size");
  return out;
}

// Imports `blob`, which must be accepted (it is a variation of an accepted one).
NCRYPT_KEY_HANDLE MustImport(Bytes blob, const char* what) {
  NCRYPT_KEY_HANDLE key = 0;
  const SECURITY_STATUS rc =
      SslImportKey(Provider(), &key, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0);
  if (rc != 0) {
    std::fprintf(stderr, "fuzz oracle: %s: import refused with 0x%08X\n", what, static_cast<unsigned>(rc));
    std::abort();
  }
  return key;
}

const std::uint8_t kPlain[] = {'o', 'p', 'a', 'q', 'u', 'e', ' ', 'b', 'l', 'o', 'b', ' ', 'r', 'e', 'c', 'o',
                               'r', 'd', ' ', 't', 'e', 's', 't', '!', 0,   1,   2,   3,   4,   5,   6,   7};

// Seals kPlain at `seq` with `key`; returns the record (empty and the status on failure).
Bytes Seal(NCRYPT_KEY_HANDLE key, std::uint64_t seq, SECURITY_STATUS* status) {
  DWORD need = 0;
  *status = CheckStatus(SslEncryptPacket(Provider(), key, const_cast<std::uint8_t*>(kPlain), sizeof kPlain, nullptr, 0,
                                         &need, seq, 23, 0),
                        "SslEncryptPacket (size)");
  if (*status != 0) return {};
  Bytes out(need);
  DWORD got = 0;
  *status = CheckStatus(SslEncryptPacket(Provider(), key, const_cast<std::uint8_t*>(kPlain), sizeof kPlain, out.data(),
                                         need, &got, seq, 23, 0),
                        "SslEncryptPacket");
  if (*status != 0) return {};
  Require(got <= need, "SslEncryptPacket writes at most the size its query gave");
  out.resize(got);
  return out;
}

// Opens `record` with `key` and checks it is kPlain (TLS 1.3: kPlain || 23).
void OpenAndCompare(NCRYPT_KEY_HANDLE key, Bytes record, std::uint64_t seq, bool tls13) {
  Bytes out(record.size() + 16);
  DWORD got = 0;
  const SECURITY_STATUS rc = SslDecryptPacket(Provider(), key, record.data(), static_cast<DWORD>(record.size()),
                                              out.data(), static_cast<DWORD>(out.size()), &got, seq, 0);
  if (rc != 0) {
    std::fprintf(stderr, "fuzz oracle: a record sealed by an imported key does not open (0x%08X)\n",
                 static_cast<unsigned>(rc));
    std::abort();
  }
  Bytes expected(kPlain, kPlain + sizeof kPlain);
  if (tls13) expected.push_back(23);
  ExpectEqual(std::span<const std::uint8_t>(out.data(), got), expected, "imported key: seal -> open");
}

// A write key (TLS <= 1.2) or TLS 1.3 record key imported from `blob`, whose floor is at `floor_at`.
void ExerciseSealingKey(NCRYPT_KEY_HANDLE key, const Bytes& blob, std::size_t floor_at, bool tls13) {
  const std::uint64_t floor = LoadBe64(blob.data() + floor_at);
  SECURITY_STATUS rc = 0;
  if (floor > 0) {
    Seal(key, floor - 1, &rc);
    Require(rc == static_cast<SECURITY_STATUS>(NTE_INVALID_PARAMETER),
            "an imported write key refuses a sequence number below its floor");
  }
  const Bytes record = Seal(key, floor, &rc);
  if (floor == kLast) {
    Require(rc == static_cast<SECURITY_STATUS>(NTE_INVALID_PARAMETER), "sequence 2^64-1 is refused");
    return;
  }
  Require(rc == 0, "an imported write key seals at its floor");
  // The floor moved on; nothing else changed (TLS 1.0 CBC: the chained IV did, see below).
  Bytes after = Export(key);
  Bytes expected_after = blob;
  StoreBe64(expected_after.data() + floor_at, floor + 1);
  const bool chained = !tls13 && blob[23] != 0;  // TLS 1.0 CBC: the chained IV is the last block
  if (chained) {
    Require(after.size() == blob.size(), "a used TLS 1.0 write key exports a blob of the same length");
    std::memcpy(expected_after.data() + blob.size() - 16, record.data() + record.size() - 16, 16);
  }
  ExpectEqual(after, expected_after, "an imported write key re-exports with the floor one higher");
  // The peer's copy opens it.
  Bytes peer = blob;
  if (!tls13) {
    peer[10] = 0;  // read key
    StoreBe64(peer.data() + floor_at, 0);
  }
  const NCRYPT_KEY_HANDLE reader = MustImport(peer, "the read key of an accepted write-key blob");
  OpenAndCompare(reader, record, floor, tls13);
  Free(reader);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  HandleScope scope;
  Bytes blob(data, data + size);
  NCRYPT_KEY_HANDLE key = 0x5A5A;
  const SECURITY_STATUS rc =
      CheckStatus(SslImportKey(Provider(), &key, BCRYPT_OPAQUE_KEY_BLOB, blob.empty() ? nullptr : blob.data(),
                               static_cast<DWORD>(blob.size()), 0),
                  "SslImportKey(OpaqueKeyBlob)");
  ExpectEqual(blob, Bytes(data, data + size), "SslImportKey leaves the blob as it was");
  if (rc != 0) {
    Require(key == 0x5A5A || key == 0, "a failed import writes no handle");
    Require(rc == static_cast<SECURITY_STATUS>(NTE_BAD_DATA) ||
                (blob.empty() && rc == static_cast<SECURITY_STATUS>(NTE_INVALID_PARAMETER)),
            "a refused opaque blob is NTE_BAD_DATA");
    return 0;
  }
  Require(size >= 12, "an accepted blob has at least a header");
  ExpectEqual(Export(key), blob, "opaque blob import -> export");

  const bool tls13 = std::memcmp(data, "OP13", 4) == 0;
  Require(tls13 || std::memcmp(data, "OPSK", 4) == 0, "an accepted blob has one of the two magics");
  if (tls13 && data[6] == 2) {
    // A traffic secret: not a record key, but SslExpandWriteKey makes one.
    SECURITY_STATUS st = 0;
    Seal(key, 0, &st);
    Require(st == static_cast<SECURITY_STATUS>(NTE_INVALID_HANDLE), "a traffic secret does not seal records");
    NCRYPT_KEY_HANDLE write = 0;
    Require(CheckStatus(SslExpandWriteKey(Provider(), key, &write, nullptr, 0), "SslExpandWriteKey") == 0,
            "an imported traffic secret expands a write key");
    const Bytes record = Seal(write, 5, &st);
    Require(st == 0, "a key expanded from an imported traffic secret seals");
    OpenAndCompare(write, record, 5, true);
    Free(write);
  } else if (tls13) {
    ExerciseSealingKey(key, blob, 12, true);
  } else if (data[10] == 1) {
    ExerciseSealingKey(key, blob, 12, false);
  } else {
    SECURITY_STATUS st = 0;
    Seal(key, 0, &st);
    Require(st == static_cast<SECURITY_STATUS>(NTE_BAD_KEY_STATE), "a read key refuses to seal");
    Bytes writer_blob = blob;
    writer_blob[10] = 1;
    const NCRYPT_KEY_HANDLE writer = MustImport(writer_blob, "the write key of an accepted read-key blob");
    const Bytes record = Seal(writer, 3, &st);
    Require(st == 0, "the write key of an accepted read-key blob seals");
    Free(writer);
    OpenAndCompare(key, record, 3, false);
  }
  Free(key);
  return 0;
}
