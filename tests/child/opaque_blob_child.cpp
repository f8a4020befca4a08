// opaque_blob_child.cpp - the second process of the BCRYPT_OPAQUE_KEY_BLOB test
// (tests/abi/session_key_blob_exports_test.cpp, TwoProcesses*): it receives a session key exported
// by the test process as a file, imports it with SslImportKey and continues the record stream.
// It uses nothing but opensslp's exported API, like a second Schannel process would.
//
//   opaque_blob_child seal BLOB OUT FIRST_SEQ COUNT
//       imports a write key; checks that FIRST_SEQ - 1 (the last number the exporter sealed) is
//       refused with NTE_INVALID_PARAMETER; seals COUNT application-data records "record <seq>"
//       with sequence numbers FIRST_SEQ, FIRST_SEQ + 1, ...; writes them to OUT, each preceded by
//       its 4-byte big-endian length.
//   opaque_blob_child open BLOB IN OUT SEQ
//       imports a read key, opens the one record in IN with sequence number SEQ and writes the
//       plaintext to OUT.
// TLS 1.3 (tests/abi/tls13_key_blob_exports_test.cpp, TwoProcesses*): the record layer and a
// KeyUpdate continue here.
//   opaque_blob_child tls13-seal-update TRAFFIC KEY OUT FIRST_SEQ COUNT NEXT_COUNT NEXT_TRAFFIC NEXT_KEY
//       imports a TLS 1.3 traffic secret (TRAFFIC) and its record key (KEY); checks that
//       FIRST_SEQ - 1 is refused; seals COUNT records "record <seq>" from FIRST_SEQ on; then
//       KeyUpdate: SslExpandNextGenTrafficKey of the secret, SslExpandWriteKey of the next one, and
//       NEXT_COUNT records "update <seq>" with the new key from sequence number 0 (RFC 8446 §5.3:
//       each key starts at 0). OUT holds all records, each preceded by its 4-byte big-endian
//       length; NEXT_TRAFFIC and NEXT_KEY the opaque blobs of the next secret and its key.
//   opaque_blob_child tls13-open-update TRAFFIC IN OUT SEQ
//       imports a TLS 1.3 traffic secret, performs KeyUpdate (SslExpandNextGenTrafficKey,
//       SslExpandWriteKey), opens the one record in IN with sequence number SEQ and writes the
//       inner plaintext (content, then the content type) to OUT.
// Exit status: 0 success; 2 usage or file error; 3 provider call failed; 4 a repeated sequence
// number was not refused.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "opensslp/opensslp.h"
#include "sslprovider.h"

namespace {

using ByteVec = std::vector<std::uint8_t>;

bool ReadFile(const char* path, ByteVec& out) {
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) return false;
  out.clear();
  std::uint8_t buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
  std::fclose(f);
  return true;
}

bool WriteFile(const char* path, const ByteVec& data) {
  std::FILE* f = std::fopen(path, "wb");
  if (f == nullptr) return false;
  const bool ok = data.empty() || std::fwrite(data.data(), 1, data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

LPCWSTR OpaqueBlobName() { return reinterpret_cast<LPCWSTR>(u"OpaqueKeyBlob"); }

int Fail(const char* what, SECURITY_STATUS status) {
  std::fprintf(stderr, "opaque_blob_child: %s failed: 0x%08lx\n", what, static_cast<unsigned long>(status));
  return 3;
}

// Seals `count` application-data records "<prefix> <seq>" from sequence number `first` on and
// appends each, preceded by its 4-byte big-endian length, to `out_file`.
int SealRecords(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE key, std::uint64_t first, unsigned long count,
                const char* prefix, ByteVec& out_file) {
  ByteVec record(256);
  for (unsigned long i = 0; i < count; ++i) {
    const std::string text = std::string(prefix) + " " + std::to_string(first + i);
    DWORD written = 0;
    const SECURITY_STATUS rc = SslEncryptPacket(prov, key, reinterpret_cast<PBYTE>(const_cast<char*>(text.data())),
                                                static_cast<DWORD>(text.size()), record.data(), 256, &written,
                                                first + i, CT_APPLICATIONDATA, 0);
    if (rc != 0) return Fail("SslEncryptPacket", rc);
    for (int s = 24; s >= 0; s -= 8) out_file.push_back(static_cast<std::uint8_t>(written >> s));
    out_file.insert(out_file.end(), record.begin(), record.begin() + written);
  }
  return 0;
}

// 0 if sequence number `seq` is refused with NTE_INVALID_PARAMETER (the sealing floor survived
// the move), else 4.
int CheckRefused(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE key, std::uint64_t seq) {
  std::uint8_t one = 'x';
  ByteVec record(256);
  DWORD written = 0;
  const SECURITY_STATUS rc =
      SslEncryptPacket(prov, key, &one, 1, record.data(), 256, &written, seq, CT_APPLICATIONDATA, 0);
  if (rc == NTE_INVALID_PARAMETER) return 0;
  std::fprintf(stderr, "opaque_blob_child: sequence number %llu was not refused (0x%08lx)\n",
               static_cast<unsigned long long>(seq), static_cast<unsigned long>(rc));
  return 4;
}

// Imports the opaque blob in file `path`.
int ImportFile(NCRYPT_PROV_HANDLE prov, const char* path, NCRYPT_KEY_HANDLE* key) {
  ByteVec blob;
  if (!ReadFile(path, blob)) {
    std::fprintf(stderr, "opaque_blob_child: unreadable blob %s\n", path);
    return 2;
  }
  const SECURITY_STATUS rc = SslImportKey(prov, key, OpaqueBlobName(), blob.data(), static_cast<DWORD>(blob.size()), 0);
  return rc == 0 ? 0 : Fail("SslImportKey", rc);
}

// Exports `key` as an opaque blob into file `path`.
int ExportFile(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE key, const char* path) {
  DWORD size = 0;
  SECURITY_STATUS rc = SslExportKey(prov, key, OpaqueBlobName(), nullptr, 0, &size, 0);
  if (rc != 0) return Fail("SslExportKey (size)", rc);
  ByteVec blob(size);
  rc = SslExportKey(prov, key, OpaqueBlobName(), blob.data(), size, &size, 0);
  if (rc != 0) return Fail("SslExportKey", rc);
  blob.resize(size);
  return WriteFile(path, blob) ? 0 : 2;
}

// KeyUpdate (RFC 8446 §7.2): the next traffic secret and its record key.
int KeyUpdate(NCRYPT_PROV_HANDLE prov, NCRYPT_KEY_HANDLE traffic, NCRYPT_KEY_HANDLE* next, NCRYPT_KEY_HANDLE* key) {
  SECURITY_STATUS rc = SslExpandNextGenTrafficKey(prov, traffic, next, nullptr, 0);
  if (rc != 0) return Fail("SslExpandNextGenTrafficKey", rc);
  rc = SslExpandWriteKey(prov, *next, key, nullptr, 0);
  return rc == 0 ? 0 : Fail("SslExpandWriteKey", rc);
}

// tls13-seal-update TRAFFIC KEY OUT FIRST_SEQ COUNT NEXT_COUNT NEXT_TRAFFIC NEXT_KEY
int Tls13SealUpdate(NCRYPT_PROV_HANDLE prov, char** argv) {
  NCRYPT_KEY_HANDLE traffic = 0, key = 0, next = 0, next_key = 0;
  int result = ImportFile(prov, argv[2], &traffic);
  if (result == 0) result = ImportFile(prov, argv[3], &key);
  const std::uint64_t first = std::strtoull(argv[5], nullptr, 10);
  ByteVec out_file;
  if (result == 0 && first != 0) result = CheckRefused(prov, key, first - 1);
  if (result == 0) result = SealRecords(prov, key, first, std::strtoul(argv[6], nullptr, 10), "record", out_file);
  if (result == 0) result = KeyUpdate(prov, traffic, &next, &next_key);
  if (result == 0) result = SealRecords(prov, next_key, 0, std::strtoul(argv[7], nullptr, 10), "update", out_file);
  if (result == 0 && !WriteFile(argv[4], out_file)) result = 2;
  if (result == 0) result = ExportFile(prov, next, argv[8]);
  if (result == 0) result = ExportFile(prov, next_key, argv[9]);
  for (NCRYPT_KEY_HANDLE h : {next_key, next, key, traffic})
    if (h != 0) SslFreeObject(h, 0);
  return result;
}

// tls13-open-update TRAFFIC IN OUT SEQ
int Tls13OpenUpdate(NCRYPT_PROV_HANDLE prov, char** argv) {
  NCRYPT_KEY_HANDLE traffic = 0, next = 0, key = 0;
  int result = ImportFile(prov, argv[2], &traffic);
  if (result == 0) result = KeyUpdate(prov, traffic, &next, &key);
  ByteVec in;
  if (result == 0 && (!ReadFile(argv[3], in) || in.empty())) result = 2;
  if (result == 0) {
    ByteVec plain(in.size());
    DWORD got = 0;
    const SECURITY_STATUS rc =
        SslDecryptPacket(prov, key, in.data(), static_cast<DWORD>(in.size()), plain.data(),
                         static_cast<DWORD>(plain.size()), &got, std::strtoull(argv[5], nullptr, 10), 0);
    if (rc != 0) {
      result = Fail("SslDecryptPacket", rc);
    } else {
      plain.resize(got);
      if (!WriteFile(argv[4], plain)) result = 2;
    }
  }
  for (NCRYPT_KEY_HANDLE h : {key, next, traffic})
    if (h != 0) SslFreeObject(h, 0);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const bool tls13_seal = mode == "tls13-seal-update" && argc == 10;
  const bool tls13_open = mode == "tls13-open-update" && argc == 6;
  if (!tls13_seal && !tls13_open && !((mode == "seal" || mode == "open") && argc == 6)) {
    std::fprintf(stderr,
                 "usage: opaque_blob_child seal BLOB OUT FIRST_SEQ COUNT | open BLOB IN OUT SEQ |\n"
                 "       tls13-seal-update TRAFFIC KEY OUT FIRST_SEQ COUNT NEXT_COUNT NEXT_TRAFFIC NEXT_KEY |\n"
                 "       tls13-open-update TRAFFIC IN OUT SEQ\n");
    return 2;
  }
  NCRYPT_PROV_HANDLE prov = 0;
  SECURITY_STATUS rc = SslOpenProvider(&prov, OPENSSLP_PROVIDER_NAME, 0);
  if (rc != 0) return Fail("SslOpenProvider", rc);
  if (tls13_seal || tls13_open) {
    const int result = tls13_seal ? Tls13SealUpdate(prov, argv) : Tls13OpenUpdate(prov, argv);
    SslFreeObject(prov, 0);
    return result;
  }
  ByteVec blob;
  if (!ReadFile(argv[2], blob)) {
    std::fprintf(stderr, "opaque_blob_child: unreadable blob %s\n", argv[2]);
    SslFreeObject(prov, 0);
    return 2;
  }
  NCRYPT_KEY_HANDLE key = 0;
  rc = SslImportKey(prov, &key, OpaqueBlobName(), blob.data(), static_cast<DWORD>(blob.size()), 0);
  if (rc != 0) return Fail("SslImportKey", rc);

  int result = 0;
  if (mode == "seal") {
    const std::uint64_t first = std::strtoull(argv[4], nullptr, 10);
    const unsigned long count = std::strtoul(argv[5], nullptr, 10);
    ByteVec out_file;
    if (first != 0) result = CheckRefused(prov, key, first - 1);
    if (result == 0) result = SealRecords(prov, key, first, count, "record", out_file);
    if (result == 0 && !WriteFile(argv[3], out_file)) result = 2;
  } else {
    ByteVec in;
    if (!ReadFile(argv[3], in) || in.empty()) {
      result = 2;
    } else {
      const std::uint64_t seq = std::strtoull(argv[5], nullptr, 10);
      ByteVec plain(in.size());
      DWORD got = 0;
      rc = SslDecryptPacket(prov, key, in.data(), static_cast<DWORD>(in.size()), plain.data(),
                            static_cast<DWORD>(plain.size()), &got, seq, 0);
      if (rc != 0) {
        result = Fail("SslDecryptPacket", rc);
      } else {
        plain.resize(got);
        if (!WriteFile(argv[4], plain)) result = 2;
      }
    }
  }
  SslFreeObject(key, 0);
  SslFreeObject(prov, 0);
  return result;
}
