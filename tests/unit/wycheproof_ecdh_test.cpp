// wycheproof_ecdh_test.cpp - Project Wycheproof ECDH (P-256/384/521, "ecpoint" encoding) and
// X25519/X448 vectors through the import path and ComputeSharedSecret.
//
// Each vector's public key is put into the blob a TLS peer's key would arrive in:
//   NIST, uncompressed point 04||X||Y: BCRYPT_ECCPUBLIC_BLOB (ECDH magic, X||Y) AND
//     SSL_ECCPUBLIC_BLOB (04||X||Y); both must give the same verdict;
//   NIST, any other encoding (compressed 02/03||X, empty, wrong length): not expressible in
//     BCRYPT_ECCPUBLIC_BLOB, so it is given as-is in SSL_ECCPUBLIC_BLOB (cbKey = its length) and
//     must be refused there with NTE_BAD_DATA -- a compressed point is therefore never accepted,
//     which Wycheproof permits ("acceptable" / "invalid");
//   X25519/X448: SSL_ECCPUBLIC_BLOB with the raw bytes (a 57-byte X448 "public key" cannot be a
//     56-byte key and is refused at import).
// Our side is an EphemeralKey built from the vector's private key (test-only constructor). Then:
//   valid       import succeeds and the secret equals "shared";
//   acceptable  either refused (at import or agreement) or the secret equals "shared";
//   invalid     refused at import or at agreement (never a secret).
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "base/groups.h"
#include "core/key_blobs.h"
#include "core/key_exchange.h"
#include "support/bytes.h"
#include "support/vector_file.h"

namespace opensslp {
namespace {

using test::ByteVec;

void PutLe32(ByteVec& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

std::uint32_t EcdhMagic(std::uint32_t group) {
  return group == 23 ? kEcdhP256Magic : group == 24 ? kEcdhP384Magic : kEcdhP521Magic;
}

struct Tally {
  int accepted = 0, rejected_at_import = 0, rejected_at_agreement = 0;
};

struct Outcome {
  bool imported = false;
  bool agreed = false;
  ByteVec secret;
};

// Imports `blob` and, if that works, agrees with `mine`.
Outcome ImportAndAgree(const EphemeralKey& mine, KeyBlobType type, const ByteVec& blob, const std::string& where) {
  Outcome o;
  auto peer = ImportPublicKeyBlob(type, blob);
  if (!peer.ok()) {
    EXPECT_EQ(peer.error(), Error::kBadData) << where;
    return o;
  }
  o.imported = true;
  auto secret = ComputeSharedSecret(mine, *peer.value());
  if (!secret.ok()) {
    EXPECT_EQ(secret.error(), Error::kBadKey) << where;
    return o;
  }
  o.agreed = true;
  o.secret.assign(secret->span().begin(), secret->span().end());
  return o;
}

class WycheproofEcdh : public testing::TestWithParam<const char*> {};

TEST_P(WycheproofEcdh, ImportAndAgree) {
  test::VectorFile file;
  std::string error;
  ASSERT_TRUE(test::VectorFile::Load(test::VectorPath(GetParam()), &file, &error)) << error;
  EXPECT_EQ(file.license(), "Apache-2.0 (Project Wycheproof)");
  ASSERT_FALSE(file.records().empty());

  std::map<std::string, Tally> tally;  // by result
  for (const test::VectorRecord& r : file.records()) {
    const std::uint32_t group_id = static_cast<std::uint32_t>(std::stoul(r.Instruction("group")));
    const GroupInfo* group = FindGroup(group_id);
    ASSERT_NE(group, nullptr) << r.Where();
    const std::uint64_t tc_id = r.Number("tcId");
    const std::string result = r.Text("result");
    const std::string flags = r.Text("flags");
    const std::string comment = r.Text("comment");
    const ByteVec pub = r.Hex("public"), priv = r.Hex("private"), shared = r.Hex("shared");
    r.ExpectAllConsumed();
    const std::string where = r.Where() + " tcId " + std::to_string(tc_id) + " (" + result + ", " + comment +
                              (flags.empty() ? "" : ", " + flags) + ")";
    ASSERT_TRUE(result == "valid" || result == "acceptable" || result == "invalid") << where;

    auto mine = EphemeralKeyFromPrivateForTesting(*group, priv);
    ASSERT_TRUE(mine.ok()) << where << ": private key refused: " << ErrorName(mine.error());

    std::vector<Outcome> outcomes;
    if (group->family == GroupFamily::kNistCurve && pub.size() == group->public_key_bytes && pub[0] == 0x04) {
      ByteVec ecc;
      PutLe32(ecc, EcdhMagic(group_id));
      PutLe32(ecc, group->coordinate_bytes);
      ecc.insert(ecc.end(), pub.begin() + 1, pub.end());
      outcomes.push_back(ImportAndAgree(*mine.value(), KeyBlobType::kEccPublic, ecc, where + " [ECCPUBLICBLOB]"));
    }
    ByteVec ssl;
    PutLe32(ssl, group_id);
    PutLe32(ssl, static_cast<std::uint32_t>(pub.size()));
    ssl.insert(ssl.end(), pub.begin(), pub.end());
    outcomes.push_back(ImportAndAgree(*mine.value(), KeyBlobType::kSslEccPublic, ssl, where + " [SSLECCPUBLICBLOB]"));

    for (const Outcome& o : outcomes) {
      EXPECT_EQ(o.imported, outcomes[0].imported) << where << ": blob formats disagree";
      EXPECT_EQ(o.agreed, outcomes[0].agreed) << where << ": blob formats disagree";
      if (o.agreed) {
        EXPECT_EQ(test::EncodeHex(o.secret.data(), o.secret.size()), test::EncodeHex(shared.data(), shared.size()))
            << where;
      }
    }
    const bool accepted = outcomes[0].agreed;
    if (result == "valid") {
      EXPECT_TRUE(accepted) << where << ": valid vector refused";
    }
    if (result == "invalid") {
      EXPECT_FALSE(accepted) << where << ": invalid vector accepted";
    }
    Tally& t = tally[result];
    (accepted ? t.accepted : outcomes[0].imported ? t.rejected_at_agreement : t.rejected_at_import)++;
  }
  std::cout << "[ wycheproof ] " << GetParam() << ":";
  for (const auto& [result, t] : tally) {
    std::cout << " " << result << ": " << t.accepted << " accepted, " << t.rejected_at_import << " rejected at import, "
              << t.rejected_at_agreement << " rejected at agreement;";
  }
  std::cout << " total " << file.records().size() << "\n";
}

INSTANTIATE_TEST_SUITE_P(Files, WycheproofEcdh,
                         testing::Values("ecdh_secp256r1_ecpoint.txt", "ecdh_secp384r1_ecpoint.txt",
                                         "ecdh_secp521r1_ecpoint.txt", "x25519.txt", "x448.txt"));

// ---- the strict vector-file reader itself --------------------------------------------------------

TEST(VectorFile, ParsesRecordsInstructionsAndHex) {
  const std::string text =
      "# source: test\n# license: none\n# comment\n[group = 23]\n\nk = 0aFF\nt = hello world\ne =\n\n"
      "[group = 24]\nk = \nn = 17\n";
  test::VectorFile f;
  std::string error;
  ASSERT_TRUE(test::VectorFile::Parse("mem", text, &f, &error)) << error;
  EXPECT_EQ(f.source(), "test");
  EXPECT_EQ(f.license(), "none");
  ASSERT_EQ(f.records().size(), 2u);
  const auto& a = f.records()[0];
  EXPECT_EQ(a.Instruction("group"), "23");
  EXPECT_EQ(a.Hex("k"), (ByteVec{0x0a, 0xff}));
  EXPECT_EQ(a.Text("t"), "hello world");
  EXPECT_EQ(a.Text("e"), "");
  a.ExpectAllConsumed();
  const auto& b = f.records()[1];
  EXPECT_EQ(b.Instruction("group"), "24");
  EXPECT_TRUE(b.Hex("k").empty());
  EXPECT_EQ(b.Number("n"), 17u);
  EXPECT_EQ(b.line(), 11);
}

TEST(VectorFile, RejectsSyntaxErrors) {
  test::VectorFile f;
  std::string error;
  for (const char* bad : {
           "",                                             // no header
           "# license: x\n# source: y\n",                  // header order
           "# source: x\n# license: y\nno equals sign\n",  // not key = value
           "# source: x\n# license: y\na = 1\na = 2\n",    // duplicate key
           "# source: x\n# license: y\n[broken\n",         // instruction
           "# source: x\n# license: y\na = 1\n[g = 1]\n",  // instruction inside a record
           "# source: x\n# license: y\nbad key = 1\n",     // key characters
       }) {
    EXPECT_FALSE(test::VectorFile::Parse("mem", bad, &f, &error)) << bad;
  }
  std::vector<std::uint8_t> out;
  EXPECT_FALSE(test::DecodeHex("abc", &out));
  EXPECT_FALSE(test::DecodeHex("zz", &out));
  EXPECT_TRUE(test::DecodeHex("", &out));
}

}  // namespace
}  // namespace opensslp
