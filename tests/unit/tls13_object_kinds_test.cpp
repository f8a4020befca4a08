// tls13_object_kinds_test.cpp - the TLS 1.3 key-schedule stages are distinct handle kinds, so a
// typed lookup is the stage check: a handle to one stage is refused (kInvalidHandle) wherever
// another stage belongs, and an object type that takes several stages says so in Accepts.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <set>
#include <string>

#include "handles/handle_table.h"

namespace opensslp {
namespace {

constexpr std::array<ObjectKind, 8> kTls13Stages = {
    ObjectKind::kTls13EarlySecret,   ObjectKind::kTls13HandshakeSecret, ObjectKind::kTls13MasterSecret,
    ObjectKind::kTls13TrafficSecret, ObjectKind::kTls13ExporterSecret,  ObjectKind::kTls13ResumptionSecret,
    ObjectKind::kTls13BinderKey,     ObjectKind::kPreSharedKey,
};

// Stand-ins shaped like the TLS 1.3 stage objects: one class per stage over a common base. The base
// is what an export taking "handshake or master secret" (SslExpandTrafficKeys) looks up; its
// Accepts names those two kinds. Each stage class accepts exactly its own kind.
struct SecretBase : Object {
  explicit SecretBase(ObjectKind kind) : Object(kind) {}
  static bool Accepts(ObjectKind kind) {
    return kind == ObjectKind::kTls13HandshakeSecret || kind == ObjectKind::kTls13MasterSecret;
  }
};
template <ObjectKind K>
struct Stage final : SecretBase {
  static constexpr ObjectKind kKind = K;
  static bool Accepts(ObjectKind kind) { return kind == K; }
  Stage() : SecretBase(K) {}
};

std::shared_ptr<Object> MakeStage(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kTls13EarlySecret: return std::make_shared<Stage<ObjectKind::kTls13EarlySecret>>();
    case ObjectKind::kTls13HandshakeSecret: return std::make_shared<Stage<ObjectKind::kTls13HandshakeSecret>>();
    case ObjectKind::kTls13MasterSecret: return std::make_shared<Stage<ObjectKind::kTls13MasterSecret>>();
    case ObjectKind::kTls13TrafficSecret: return std::make_shared<Stage<ObjectKind::kTls13TrafficSecret>>();
    case ObjectKind::kTls13ExporterSecret: return std::make_shared<Stage<ObjectKind::kTls13ExporterSecret>>();
    case ObjectKind::kTls13ResumptionSecret: return std::make_shared<Stage<ObjectKind::kTls13ResumptionSecret>>();
    case ObjectKind::kTls13BinderKey: return std::make_shared<Stage<ObjectKind::kTls13BinderKey>>();
    case ObjectKind::kPreSharedKey: return std::make_shared<Stage<ObjectKind::kPreSharedKey>>();
    default: return nullptr;
  }
}

TEST(Tls13ObjectKinds, EveryStageIsItsOwnKindWithItsOwnName) {
  std::set<std::string> names;
  for (ObjectKind kind : kTls13Stages) names.insert(ObjectKindName(kind));
  EXPECT_EQ(names.size(), kTls13Stages.size());
  EXPECT_EQ(names.count("unknown"), 0u);
  EXPECT_STREQ(ObjectKindName(ObjectKind::kTls13TrafficSecret), "TLS 1.3 traffic secret");
}

TEST(Tls13ObjectKinds, TypedLookupRefusesEveryOtherStage) {
  HandleTable table;
  for (ObjectKind stored : kTls13Stages) {
    SCOPED_TRACE(ObjectKindName(stored));
    std::shared_ptr<Object> object = MakeStage(stored);
    ASSERT_NE(object, nullptr);
    auto handle = table.Insert(std::move(object));
    ASSERT_TRUE(handle.ok());
    const auto early = table.Lookup<Stage<ObjectKind::kTls13EarlySecret>>(*handle);
    const auto traffic = table.Lookup<Stage<ObjectKind::kTls13TrafficSecret>>(*handle);
    const auto base = table.Lookup<SecretBase>(*handle);
    EXPECT_EQ(early.ok(), stored == ObjectKind::kTls13EarlySecret);
    EXPECT_EQ(traffic.ok(), stored == ObjectKind::kTls13TrafficSecret);
    EXPECT_EQ(base.ok(), stored == ObjectKind::kTls13HandshakeSecret || stored == ObjectKind::kTls13MasterSecret);
    if (!early.ok()) {
      EXPECT_EQ(early.error(), Error::kInvalidHandle);
    }
    if (!base.ok()) {
      EXPECT_EQ(base.error(), Error::kInvalidHandle);
    }
    ASSERT_TRUE(table.Erase(*handle).ok());
  }
}

}  // namespace
}  // namespace opensslp
