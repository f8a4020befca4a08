// ct_timing_test.cpp - a dudect-style timing test of the TLS CBC record open (docs/constant-time.md).
//
// dudect (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?", DATE 2017) measures the
// code on two classes of inputs, interleaved in random order, and applies Welch's t-test to the two
// timing distributions: |t| > 10 means the classes are distinguishable. Besides the raw data it
// tests the data cropped at 100 upper percentiles (timing distributions have a long right tail of
// interrupts and cache misses that hides small effects) and a second-order test (the centred
// squares, which differ when the spread differs). The largest |t| over all tests is the verdict.
//
// The code measured is SessionKey::Open, the whole record open of SslDecryptPacket below the ABI
// shim, for TLS 1.2 AES-CBC with HMAC-SHA1 and with HMAC-SHA384. Both classes have the same record
// length and are both REFUSED (kBadRecord): a refused record is what a padding-oracle attacker
// sends, and the question is whether the time tells why it was refused.
//   padding:        valid padding (255 bytes) with a wrong MAC  vs  invalid padding
//   padding-length: valid 0-byte padding with a wrong MAC        vs  valid 255-byte padding with a
//                   wrong MAC (Lucky 13: the MAC covers 255 bytes less data)
// Records are built with OpenSSL (AES-CBC of a chosen plaintext), 64 per class differing in every
// public byte, interleaved in random order in one arena; each measurement copies a random record
// into the one input buffer outside the timed region, and is timed with rdtscp between lfences.
//
//   opensslp_ct_timing [--seconds S] [--leaky] [--only TEST/SUITE]
// --seconds: measuring time for all four tests together (default 20; the ctest run); a long manual
//   run: --seconds 600. --leaky: measure a naive open (early-exit padding check, MAC only when the
//   padding is valid) instead, which the test must flag: the proof that it can fail. --only: one
//   test, named as printed with the suite id in hex ("padding/002f"), for all the time.
// A fifth test, the A/A control, measures one record as both classes: it shows what |t| the
// measurement alone produces on this machine, and must stay under the threshold as well.
// A test over the threshold is measured once more, with fresh keys and records, and fails only if
// that confirms it. Exit 0 if every test passes, 1 otherwise.
#include <x86intrin.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/cipher_suites.h"
#include "record/framing.h"
#include "record/session_key.h"

namespace {

using Buffer = std::vector<std::uint8_t>;
using opensslp::ProtocolVersion;

constexpr double kThreshold = 10.0;             // dudect's "definitely not constant time"
constexpr std::size_t kPercentiles = 100;       // dudect's number of cropped tests
constexpr std::size_t kMinPerTest = 10000;      // dudect's enough_measurements
constexpr std::size_t kCiphertextLength = 512;  // after the 16-byte explicit IV
constexpr std::uint64_t kSeq = 42;
constexpr std::size_t kSameRecord = ~std::size_t{0};  // RunTest's pad1 for the A/A control
constexpr std::size_t kPoolSize = 64;                 // records per class

Buffer Random(std::size_t n) {
  Buffer out(n);
  if (n != 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) std::abort();
  return out;
}

inline std::uint64_t Cycles() {
  unsigned int aux = 0;
  _mm_lfence();
  const std::uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}

// Welch's t-test, accumulated online (Welford), as dudect's t_push / t_compute.
struct TTest {
  double mean[2] = {0, 0};
  double m2[2] = {0, 0};
  double n[2] = {0, 0};
  void Push(double x, int cls) {
    n[cls] += 1;
    const double delta = x - mean[cls];
    mean[cls] += delta / n[cls];
    m2[cls] += delta * (x - mean[cls]);
  }
  double T() const {
    if (n[0] < 2 || n[1] < 2) return 0;
    const double var0 = m2[0] / (n[0] - 1), var1 = m2[1] / (n[1] - 1);
    const double den = std::sqrt(var0 / n[0] + var1 / n[1]);
    return den == 0 ? 0 : (mean[0] - mean[1]) / den;
  }
  double Count() const { return n[0] + n[1]; }
};

struct Verdict {
  double max_abs_t = 0;
  std::string where = "raw";
  double raw_t = 0;
  double second_order_t = 0;
  double mean_cycles[2] = {0, 0};
  double max_means[2] = {0, 0};  // the class means in the test with the largest |t|
  std::size_t measurements = 0;
};

// dudect's analysis: the raw data, 100 croppings at upper percentiles 1 - 0.5^(10 (i+1) / 100),
// and the second-order test on the raw data.
Verdict Analyse(const std::vector<std::uint64_t>& cycles, const std::vector<std::uint8_t>& classes) {
  std::vector<std::uint64_t> sorted = cycles;
  std::sort(sorted.begin(), sorted.end());
  double crop[kPercentiles];
  for (std::size_t i = 0; i < kPercentiles; ++i) {
    const double p = 1 - std::pow(0.5, 10.0 * static_cast<double>(i + 1) / kPercentiles);
    crop[i] = static_cast<double>(sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))]);
  }
  TTest raw, second;
  std::vector<TTest> cropped(kPercentiles);
  for (std::size_t k = 0; k < cycles.size(); ++k) {
    const double x = static_cast<double>(cycles[k]);
    raw.Push(x, classes[k]);
    for (std::size_t i = 0; i < kPercentiles; ++i) {
      if (x < crop[i]) cropped[i].Push(x, classes[k]);
    }
  }
  for (std::size_t k = 0; k < cycles.size(); ++k) {
    const double centred = static_cast<double>(cycles[k]) - raw.mean[classes[k]];
    second.Push(centred * centred, classes[k]);
  }
  Verdict v;
  v.measurements = cycles.size();
  v.raw_t = raw.T();
  v.second_order_t = second.T();
  v.mean_cycles[0] = raw.mean[0];
  v.mean_cycles[1] = raw.mean[1];
  v.max_abs_t = std::fabs(v.raw_t);
  v.max_means[0] = raw.mean[0];
  v.max_means[1] = raw.mean[1];
  if (std::fabs(v.second_order_t) > v.max_abs_t) {
    v.max_abs_t = std::fabs(v.second_order_t);
    v.where = "second order";
  }
  for (std::size_t i = 0; i < kPercentiles; ++i) {
    if (cropped[i].Count() < kMinPerTest) continue;
    const double t = std::fabs(cropped[i].T());
    if (t > v.max_abs_t) {
      v.max_abs_t = t;
      v.max_means[0] = cropped[i].mean[0];
      v.max_means[1] = cropped[i].mean[1];
      v.where = "cropped at percentile " + std::to_string(i);
    }
  }
  return v;
}

// A TLS 1.2 CBC record (explicit IV ‖ AES-CBC(data ‖ mac ‖ padding)) with a chosen plaintext.
Buffer CbcRecord(const opensslp::CipherSuite& suite, const Buffer& enc_key, std::size_t pad_len, bool break_padding) {
  const std::size_t mac_len = suite.mac_key_len;
  Buffer plain = Random(kCiphertextLength - pad_len - 1);  // data ‖ a random, so wrong, MAC
  if (plain.size() < mac_len) std::abort();
  plain.insert(plain.end(), pad_len + 1, static_cast<std::uint8_t>(pad_len));
  if (break_padding) plain[plain.size() - 1 - pad_len / 2 - 1] ^= 0x5A;  // one byte inside the padding
  const Buffer iv = Random(16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Buffer ct(plain.size());
  int len = 0;
  const EVP_CIPHER* cipher = suite.key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
  if (EVP_EncryptInit_ex(ctx, cipher, nullptr, enc_key.data(), iv.data()) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
      EVP_EncryptUpdate(ctx, ct.data(), &len, plain.data(), static_cast<int>(plain.size())) != 1) {
    std::abort();
  }
  EVP_CIPHER_CTX_free(ctx);
  Buffer record(opensslp::kRecordHeaderLength + iv.size() + ct.size());
  opensslp::WriteTlsHeader(record.data(), opensslp::kContentApplicationData, ProtocolVersion::kTls12,
                           iv.size() + ct.size());
  std::memcpy(record.data() + opensslp::kRecordHeaderLength, iv.data(), iv.size());
  std::memcpy(record.data() + opensslp::kRecordHeaderLength + iv.size(), ct.data(), ct.size());
  return record;
}

// The naive open of --leaky: decrypt, check the padding byte by byte and stop at the first bad
// one, compute the MAC only if the padding was good. What Lucky 13 and padding oracles exploit.
struct LeakyOpen {
  const opensslp::CipherSuite* suite;
  Buffer enc_key, mac_key;
  bool Open(const std::uint8_t* record, std::size_t len, std::uint8_t* scratch) const {
    const std::uint8_t* iv = record + 5;
    const std::size_t n = len - 5 - 16;
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int out = 0;
    EVP_DecryptInit_ex(ctx, suite->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc(), nullptr, enc_key.data(), iv);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    EVP_DecryptUpdate(ctx, scratch, &out, iv + 16, static_cast<int>(n));
    EVP_CIPHER_CTX_free(ctx);
    const std::size_t pad = scratch[n - 1];
    if (pad + 1 + suite->mac_key_len > n) return false;
    for (std::size_t i = 0; i <= pad; ++i) {
      if (scratch[n - 1 - i] != pad) return false;
    }
    const std::size_t data_len = n - pad - 1 - suite->mac_key_len;
    std::uint8_t tag[EVP_MAX_MD_SIZE];
    unsigned int tag_len = 0;
    HMAC(suite->mac_key_len == 20 ? EVP_sha1() : EVP_sha384(), mac_key.data(), static_cast<int>(mac_key.size()),
         scratch, data_len, tag, &tag_len);
    return std::memcmp(tag, scratch + data_len, tag_len) == 0;
  }
};

bool RunTest(const char* test_name, std::uint16_t suite_id, std::size_t pad0, bool break0, std::size_t pad1,
             bool break1, double seconds, bool leaky) {
  const opensslp::CipherSuite* suite = opensslp::FindCipherSuite(suite_id);
  if (suite == nullptr) std::abort();
  const Buffer enc_key = Random(suite->key_len), mac_key = Random(suite->mac_key_len);
  opensslp::SessionKeyMaterial material;
  material.suite = suite;
  material.version = ProtocolVersion::kTls12;
  material.direction = opensslp::RecordDirection::kRead;
  material.enc_key = opensslp::SecretBytes{std::span<const std::uint8_t>(enc_key)};
  material.mac_key = opensslp::SecretBytes{std::span<const std::uint8_t>(mac_key)};
  auto created = opensslp::CreateSessionKey(std::move(material));
  if (!created.ok()) std::abort();
  std::shared_ptr<opensslp::SessionKey> key = std::move(created).value();
  const LeakyOpen naive{suite, enc_key, mac_key};

  // Each class is a pool of records that share the property under test (padding length, padding
  // validity) and differ in everything public (IV, ciphertext, data): each measurement takes a random
  // record of its class, so what the two classes differ in is the property alone, not the bytes of
  // one particular record. The A/A control (pad1 == kSameRecord) draws both pools from class 0's
  // recipe: any |t| over the threshold there would come from the measurement, not the code.
  // The records of both classes lie interleaved in one arena, slot classes in random order: copying
  // the input from a class-dependent address range evicts class-dependent cache lines before the
  // timed call (long runs of a first version measured that in the A/A control).
  const std::size_t record_len = opensslp::kRecordHeaderLength + 16 + kCiphertextLength;
  std::vector<std::uint8_t> arena(2 * kPoolSize * record_len);
  std::vector<std::uint8_t> slot_class(2 * kPoolSize);
  for (std::size_t k = 0; k < slot_class.size(); ++k) slot_class[k] = static_cast<std::uint8_t>(k & 1);
  std::shuffle(slot_class.begin(), slot_class.end(), std::mt19937_64(Random(1)[0]));
  for (std::size_t k = 0; k < slot_class.size(); ++k) {
    const bool second = slot_class[k] == 1 && pad1 != kSameRecord;
    const Buffer record = second ? CbcRecord(*suite, enc_key, pad1, break1) : CbcRecord(*suite, enc_key, pad0, break0);
    if (record.size() != record_len) std::abort();
    std::memcpy(arena.data() + k * record_len, record.data(), record_len);
  }
  Buffer input(record_len), out(record_len), scratch(record_len);
  auto open = [&]() -> bool {
    if (leaky) return naive.Open(input.data(), input.size(), scratch.data());
    return key->Open(kSeq, input.data(), input.size(), out.data(), out.size()).ok();
  };
  // Both classes must be refused: otherwise the test would compare an accepted with a refused
  // record, which differ legitimately (the verdict is public).
  for (std::size_t k = 0; k < slot_class.size(); ++k) {
    std::memcpy(input.data(), arena.data() + k * record_len, record_len);
    if (open()) {
      std::fprintf(stderr, "%s: a record of class %d was accepted\n", test_name, slot_class[k]);
      return false;
    }
  }

  std::uint64_t state = 0;
  if (RAND_bytes(reinterpret_cast<std::uint8_t*>(&state), sizeof state) != 1) std::abort();
  state |= 1;
  std::vector<std::uint64_t> cycles;
  std::vector<std::uint8_t> classes;
  cycles.reserve(1 << 20);
  classes.reserve(1 << 20);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  for (int warm = 0; warm < 2000; ++warm) {
    std::memcpy(input.data(), arena.data() + (warm % slot_class.size()) * record_len, record_len);
    (void)open();
  }
  while (std::chrono::steady_clock::now() < deadline) {
    for (int batch = 0; batch < 1000; ++batch) {
      state ^= state << 13;  // xorshift64: the class order is random and independent of the data
      state ^= state >> 7;
      state ^= state << 17;
      const std::size_t slot = (state >> 32) % slot_class.size();  // the class is the slot's
      const std::uint8_t cls = slot_class[slot];
      std::memcpy(input.data(), arena.data() + slot * record_len, record_len);
      const std::uint64_t t0 = Cycles();
      const bool accepted = open();
      const std::uint64_t t1 = Cycles();
      if (accepted) std::abort();
      cycles.push_back(t1 - t0);
      classes.push_back(cls);
    }
  }
  const Verdict v = Analyse(cycles, classes);
  const bool pass = v.max_abs_t <= kThreshold;
  std::printf(
      "%s%-16s %-40s %9zu measurements  mean cycles %.0f / %.0f  t raw %+.2f  t 2nd order %+.2f  max |t| %.2f "
      "(%s: means %.1f / %.1f)\n",
      pass ? "ok:   " : "LEAK: ", test_name, std::string(suite->name).c_str(), v.measurements, v.mean_cycles[0],
      v.mean_cycles[1], v.raw_t, v.second_order_t, v.max_abs_t, v.where.c_str(), v.max_means[0], v.max_means[1]);
  return pass;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each test's line as soon as it is known (long runs)
  double seconds = 20;
  bool leaky = false;
  std::string only;  // "<test>/<suite id in hex>", e.g. padding/002f: run that test alone
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--leaky") {
      leaky = true;
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--seconds S] [--leaky] [--only TEST/SUITE]\n", argv[0]);
      return 2;
    }
  }
  struct Test {
    const char* name;
    std::uint16_t suite;
    std::size_t pad0;
    bool break0;
    std::size_t pad1;
    bool break1;
  };
  // TLS_RSA_WITH_AES_128_CBC_SHA and TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 (64- and 128-byte hash
  // blocks).
  const Test tests[] = {
      {"control (A/A)", 0x002F, 255, false, kSameRecord, false}, {"padding", 0x002F, 255, false, 255, true},
      {"padding-length", 0x002F, 0, false, 255, false},          {"padding", 0xC028, 255, false, 255, true},
      {"padding-length", 0xC028, 0, false, 255, false},
  };
  std::size_t selected = 0;
  for (const Test& t : tests) {
    char id[64];
    std::snprintf(id, sizeof id, "%s/%04x", t.name, t.suite);
    selected += only.empty() || only == id;
  }
  if (selected == 0) {
    std::fprintf(stderr, "no test %s\n", only.c_str());
    return 2;
  }
  bool ok = true;
  for (const Test& t : tests) {
    char id[64];
    std::snprintf(id, sizeof id, "%s/%04x", t.name, t.suite);
    if (!only.empty() && only != id) continue;
    const double each = seconds / static_cast<double>(selected);
    if (RunTest(t.name, t.suite, t.pad0, t.break0, t.pad1, t.break1, each, leaky)) continue;
    // A leak reproduces; a burst of load on a shared machine does not. One fresh measurement (new
    // keys, new records) must confirm |t| > 10 before the test fails.
    std::printf("       %s/%04x: measuring again to confirm\n", t.name, t.suite);
    ok &= RunTest(t.name, t.suite, t.pad0, t.break0, t.pad1, t.break1, each, leaky);
  }
  std::printf("ct timing: threshold |t| <= %.0f: %s\n", kThreshold, ok ? "no leak detected" : "LEAK");
  return ok ? 0 : 1;
}
