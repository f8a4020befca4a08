// fuzz_record_decrypt.cpp - SslDecryptPacket for every record protection opensslp implements:
// TLS 1.0 AES-CBC (implicit, chained IV), TLS 1.1/1.2 AES-CBC (explicit IV; HMAC-SHA1, -SHA256,
// -SHA384), TLS 1.2 AEAD (AES-128/256-GCM, ChaCha20-Poly1305) and TLS 1.3 AEAD (0x1301-0x1303).
//
// Keys: fixed key material imported per input as BCRYPT_OPAQUE_KEY_BLOB ("OPSK" / "OP13",
// record/session_key_blob.h, record/tls13_key_blob.h), so every input means the same record in
// every process, and a TLS 1.0 read key (whose chained IV changes with every record it opens)
// starts fresh for each input.
//
// Input: byte 0 picks the protection (byte 0 % 11), the output buffer (exact / one byte short /
// 2^14+2048 bytes) and the mode; bytes 1-8 the sequence number (big-endian); the rest is either
//   * raw mode: the whole record, header included, as SslDecryptPacket takes it; or
//   * sealed mode: type(1) flips(1) [pos_hi pos_lo xor]*flips plaintext...: a VALID record is first
//     made with SslEncryptPacket (a write key of the same material) from the fuzzer's plaintext
//     and content type, then the fuzzer's bit flips are applied, so that the paths after the
//     MAC/tag check are reached.
// Oracles: statuses only 0 / NTE_DECRYPTION_FAILURE / NTE_BAD_DATA / NTE_INVALID_PARAMETER /
// NTE_BUFFER_TOO_SMALL (docs/reference/functions.md#ssldecryptpacket, exports_records.cpp); no
// handle left behind; the output buffer untouched on every failure, and never written past
// cbOutput; a size query that fails fails the same way as the real call, one that succeeds gives a
// bound of the result; NTE_BUFFER_TOO_SMALL reports the size the query gave; an unmodified sealed
// record decrypts to exactly its plaintext (TLS 1.3: plaintext || content type); a modified one
// never decrypts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fuzz_support.h"
#include "opensslp/win_types.h"

using namespace opensslp::fuzz;

namespace {

struct Protection {
  const char* name;
  std::uint16_t protocol;  // wire version
  std::uint16_t suite;
  std::uint8_t mac_len, enc_len, iv_len, chain_len;  // TLS <= 1.2 blob lengths; TLS 1.3: enc_len only
};

constexpr Protection kProtections[] = {
    {"TLS 1.0 AES-128-CBC HMAC-SHA1", 0x0301, 0xC013, 20, 16, 16, 16},
    {"TLS 1.1 AES-128-CBC HMAC-SHA1", 0x0302, 0xC013, 20, 16, 0, 0},
    {"TLS 1.2 AES-128-CBC HMAC-SHA1", 0x0303, 0xC013, 20, 16, 0, 0},
    {"TLS 1.2 AES-128-CBC HMAC-SHA256", 0x0303, 0xC027, 32, 16, 0, 0},
    {"TLS 1.2 AES-256-CBC HMAC-SHA384", 0x0303, 0xC028, 48, 32, 0, 0},
    {"TLS 1.2 AES-128-GCM", 0x0303, 0xC02F, 0, 16, 4, 0},
    {"TLS 1.2 AES-256-GCM", 0x0303, 0xC030, 0, 32, 4, 0},
    {"TLS 1.2 ChaCha20-Poly1305", 0x0303, 0xCCA8, 0, 32, 12, 0},
    {"TLS 1.3 AES-128-GCM", 0x0304, 0x1301, 0, 16, 12, 0},
    {"TLS 1.3 AES-256-GCM", 0x0304, 0x1302, 0, 32, 12, 0},
    {"TLS 1.3 ChaCha20-Poly1305", 0x0304, 0x1303, 0, 32, 12, 0},
};
constexpr std::size_t kCount = sizeof kProtections / sizeof kProtections[0];

void Be16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

// The opaque blob of protection `p` with fixed key material; `write` selects the TLS <= 1.2
// direction (a TLS 1.3 record key serves both).
std::vector<std::uint8_t> Blob(const Protection& p, std::size_t index, bool write) {
  std::vector<std::uint8_t> b;
  std::size_t material = 0;
  if (p.protocol == 0x0304) {
    b = {'O', 'P', '1', '3', 0, 1, 1 /* record key */, 2 /* application stage */};
    Be16(b, p.protocol);
    Be16(b, p.suite);
    b.insert(b.end(), 8, 0);  // sealing floor
    b.push_back(p.enc_len);
    b.push_back(12);
    material = p.enc_len + 12u;
  } else {
    b = {'O', 'P', 'S', 'K', 0, 1};
    Be16(b, p.protocol);
    Be16(b, p.suite);
    b.push_back(write ? 1 : 0);
    b.push_back(0);
    b.insert(b.end(), 8, 0);  // next write sequence number
    b.insert(b.end(), {p.mac_len, p.enc_len, p.iv_len, p.chain_len});
    material = std::size_t{p.mac_len} + p.enc_len + p.iv_len + p.chain_len;
  }
  for (std::size_t i = 0; i < material; ++i) b.push_back(static_cast<std::uint8_t>(i * 29 + index * 61 + 7));
  return b;
}

NCRYPT_KEY_HANDLE ImportKey(std::size_t index, bool write) {
  // Built once: the key import itself is the per-input cost worth paying.
  static std::vector<std::uint8_t> blobs[kCount][2];
  if (blobs[index][write].empty()) blobs[index][write] = Blob(kProtections[index], index, write);
  std::vector<std::uint8_t> blob = blobs[index][write];
  NCRYPT_KEY_HANDLE key = 0;
  const SECURITY_STATUS rc =
      SslImportKey(Provider(), &key, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0);
  if (rc != 0) {
    std::fprintf(stderr, "fuzz setup: importing the %s key blob: 0x%08X\n", kProtections[index].name,
                 static_cast<unsigned>(rc));
    std::abort();
  }
  return key;
}

SECURITY_STATUS CheckDecryptStatus(SECURITY_STATUS rc, const char* what) {
  switch (static_cast<std::uint32_t>(rc)) {
    case 0:
    case static_cast<std::uint32_t>(NTE_DECRYPTION_FAILURE):
    case static_cast<std::uint32_t>(NTE_BAD_DATA):
    case static_cast<std::uint32_t>(NTE_INVALID_PARAMETER):
    case static_cast<std::uint32_t>(NTE_BUFFER_TOO_SMALL): return rc;
    default:
      std::fprintf(stderr, "fuzz oracle: %s returned 0x%08X, not a documented SslDecryptPacket status\n", what,
                   static_cast<unsigned>(rc));
      std::abort();
  }
}

constexpr std::uint8_t kPattern = 0xA5;
constexpr std::size_t kGuard = 32;
constexpr std::size_t kLargeOutput = (std::size_t{1} << 14) + 2048;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 9) return 0;
  HandleScope scope;
  const std::size_t index = data[0] % kCount;
  const unsigned selector = data[0] / kCount;  // 0..23
  const unsigned output_mode = selector % 3;   // 0 exact, 1 one byte short, 2 large
  const bool sealed_mode = selector >= 12;
  const Protection& p = kProtections[index];
  const bool tls13 = p.protocol == 0x0304;
  std::uint64_t seq = 0;
  for (int i = 1; i <= 8; ++i) seq = seq << 8 | data[i];
  const std::uint8_t* rest = data + 9;
  std::size_t rest_len = size - 9;

  std::vector<std::uint8_t> record;
  std::vector<std::uint8_t> expected;  // the plaintext, when the record is an unmodified sealed one
  bool sealed = false, modified = false;
  if (sealed_mode && rest_len >= 2) {
    std::uint8_t type = static_cast<std::uint8_t>(20 + rest[0] % 4);
    if (tls13 && type == 20) type = 23;  // TLS 1.3 refuses to seal ChangeCipherSpec
    const std::size_t flips = rest[1] % 4;
    rest += 2;
    rest_len -= 2;
    const std::size_t flip_bytes = flips * 3 <= rest_len ? flips * 3 : rest_len / 3 * 3;
    const std::uint8_t* flip_spec = rest;
    const std::size_t plain_len =
        (rest_len - flip_bytes) > (std::size_t{1} << 14) ? (std::size_t{1} << 14) : rest_len - flip_bytes;
    std::vector<std::uint8_t> plain(rest + flip_bytes, rest + flip_bytes + plain_len);
    const NCRYPT_KEY_HANDLE write = ImportKey(index, true);
    DWORD need = 0;
    CheckStatus(SslEncryptPacket(Provider(), write, plain.empty() ? nullptr : plain.data(),
                                 static_cast<DWORD>(plain.size()), nullptr, 0, &need, seq, type, 0),
                "SslEncryptPacket (size)");
    std::vector<std::uint8_t> out(need + 1);
    DWORD got = 0;
    const SECURITY_STATUS rc = CheckStatus(
        SslEncryptPacket(Provider(), write, plain.empty() ? nullptr : plain.data(), static_cast<DWORD>(plain.size()),
                         out.data(), static_cast<DWORD>(out.size()), &got, seq, type, 0),
        "SslEncryptPacket");
    Free(write);
    if (rc == 0) {
      Require(got <= need, "SslEncryptPacket writes at most the size its query gave");
      record.assign(out.begin(), out.begin() + got);
      sealed = true;
      expected = plain;
      if (tls13) expected.push_back(type);
      for (std::size_t f = 0; f + 3 <= flip_bytes; f += 3) {
        const std::size_t pos = (std::size_t{flip_spec[f]} << 8 | flip_spec[f + 1]) % record.size();
        const std::uint8_t mask = flip_spec[f + 2] != 0 ? flip_spec[f + 2] : 1;
        record[pos] ^= mask;
      }
      std::vector<std::uint8_t> original(out.begin(), out.begin() + got);
      modified = record != original;
    } else {
      Require(seq == ~std::uint64_t{0}, "SslEncryptPacket of a valid plaintext fails only for sequence 2^64-1");
    }
  }
  if (!sealed) record.assign(rest, rest + rest_len);

  const NCRYPT_KEY_HANDLE read = ImportKey(index, false);
  // Exactly sized input: ASan sees any read past the record.
  std::vector<std::uint8_t> input(record);
  std::uint8_t* in_ptr = input.empty() ? nullptr : input.data();
  DWORD query = 0x7777;
  const SECURITY_STATUS query_rc = CheckDecryptStatus(
      SslDecryptPacket(Provider(), read, in_ptr, static_cast<DWORD>(input.size()), nullptr, 0, &query, seq, 0),
      "SslDecryptPacket (size query)");
  std::size_t cb_output = kLargeOutput;
  if (query_rc == 0) {
    Require(query <= kLargeOutput, "the size query gives at most 2^14 + 2048 bytes");
    if (output_mode == 0) cb_output = query;
    if (output_mode == 1) cb_output = query > 0 ? query - 1 : 0;
  }
  std::vector<std::uint8_t> output(cb_output + kGuard, kPattern);
  DWORD result = 0x7777;
  const SECURITY_STATUS rc =
      CheckDecryptStatus(SslDecryptPacket(Provider(), read, in_ptr, static_cast<DWORD>(input.size()), output.data(),
                                          static_cast<DWORD>(cb_output), &result, seq, 0),
                         "SslDecryptPacket");
  Free(read);

  ExpectEqual(input, record, "SslDecryptPacket leaves its input as it was");
  for (std::size_t i = cb_output; i < output.size(); ++i)
    Require(output[i] == kPattern, "SslDecryptPacket never writes past cbOutput");
  if (query_rc != 0) Require(rc == query_rc, "a failed size query fails as the real call does");
  if (rc != 0) {
    for (std::size_t i = 0; i < cb_output; ++i)
      Require(output[i] == kPattern, "a failed SslDecryptPacket leaves the output untouched");
    if (rc == static_cast<SECURITY_STATUS>(NTE_BUFFER_TOO_SMALL))
      Require(query_rc == 0 && result == query, "NTE_BUFFER_TOO_SMALL reports the size the query gave");
  } else {
    Require(query_rc == 0 && result <= query && result <= cb_output,
            "a decrypted record is at most as long as the size query and the buffer");
    Require(!modified, "a modified record never decrypts");
    if (!tls13) Require(result <= (std::size_t{1} << 14), "TLS <= 1.2 plaintext is at most 2^14 bytes");
  }
  if (sealed && !modified && output_mode != 1) {
    if (rc != 0) {
      std::fprintf(stderr, "fuzz oracle: %s: a valid record at sequence %llu fails with 0x%08X\n", p.name,
                   static_cast<unsigned long long>(seq), static_cast<unsigned>(rc));
      std::abort();
    }
    ExpectEqual(std::span<const std::uint8_t>(output.data(), result), expected,
                "a sealed record decrypts to exactly its plaintext");
  }
  return 0;
}
