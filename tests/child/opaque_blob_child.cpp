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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: opaque_blob_child seal BLOB OUT FIRST_SEQ COUNT | open BLOB IN OUT SEQ\n");
    return 2;
  }
  const std::string mode = argv[1];
  ByteVec blob;
  if ((mode != "seal" && mode != "open") || !ReadFile(argv[2], blob)) {
    std::fprintf(stderr, "opaque_blob_child: bad mode or unreadable blob %s\n", argv[2]);
    return 2;
  }
  NCRYPT_PROV_HANDLE prov = 0;
  SECURITY_STATUS rc = SslOpenProvider(&prov, OPENSSLP_PROVIDER_NAME, 0);
  if (rc != 0) return Fail("SslOpenProvider", rc);
  NCRYPT_KEY_HANDLE key = 0;
  rc = SslImportKey(prov, &key, OpaqueBlobName(), blob.data(), static_cast<DWORD>(blob.size()), 0);
  if (rc != 0) return Fail("SslImportKey", rc);

  int result = 0;
  if (mode == "seal") {
    const std::uint64_t first = std::strtoull(argv[4], nullptr, 10);
    const unsigned long count = std::strtoul(argv[5], nullptr, 10);
    ByteVec out_file;
    ByteVec record(256);
    DWORD written = 0;
    if (first != 0) {
      std::uint8_t one = 'x';
      rc = SslEncryptPacket(prov, key, &one, 1, record.data(), 256, &written, first - 1, CT_APPLICATIONDATA, 0);
      if (rc != NTE_INVALID_PARAMETER) {
        std::fprintf(stderr, "opaque_blob_child: sequence number %llu was not refused (0x%08lx)\n",
                     static_cast<unsigned long long>(first - 1), static_cast<unsigned long>(rc));
        result = 4;
      }
    }
    for (unsigned long i = 0; result == 0 && i < count; ++i) {
      const std::string text = "record " + std::to_string(first + i);
      rc = SslEncryptPacket(prov, key, reinterpret_cast<PBYTE>(const_cast<char*>(text.data())),
                            static_cast<DWORD>(text.size()), record.data(), 256, &written, first + i,
                            CT_APPLICATIONDATA, 0);
      if (rc != 0) {
        result = Fail("SslEncryptPacket", rc);
        break;
      }
      for (int s = 24; s >= 0; s -= 8) out_file.push_back(static_cast<std::uint8_t>(written >> s));
      out_file.insert(out_file.end(), record.begin(), record.begin() + written);
    }
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
