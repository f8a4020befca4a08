#include "handles/handle_table.h"

#include <limits>
#include <mutex>

namespace opensslp {

namespace {
constexpr bool k64 = sizeof(Handle) == 8;
// 64-bit: slot + 1 in bits 0..31, generation in bits 32..61.
// 32-bit: tag in bit 0, slot + 1 in bits 1..15, generation in bits 16..31.
constexpr unsigned kSlotShift = k64 ? 0 : 1;
constexpr unsigned kSlotBits = k64 ? 32 : 15;
constexpr unsigned kGenerationShift = kSlotShift + kSlotBits;
constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
constexpr std::uint32_t kGenerationMask = k64 ? 0x3fffffffu : 0xffffu;
// 64-bit: bit 62 is set in every token and bit 63 is clear, so a token (live or stale) is never
// a user-mode address (x64 user space ends below 2^47, 2^56 with 5-level paging).
// 32-bit: bit 0 is set in every token, so a token is never the address of an object (objects, an
// NCrypt key among them, are at least 4-byte aligned) -- a stale token once reached Wine's 32-bit
// ncrypt as a "KSP key" because it happened to be readable heap memory, and crashed there.
// Either way a token can be told from a foreign pointer-sized handle by its shape alone (see
// LooksLikeToken).
constexpr std::uint64_t kTokenTag = k64 ? (std::uint64_t{1} << 62) : 1;
constexpr std::uint64_t kTokenTagMask = k64 ? (std::uint64_t{3} << 62) : 1;
constexpr std::size_t kMaxSlots = static_cast<std::size_t>(kSlotMask) - 1;
static_assert(HandleTable::kMaxLiveHandles <= kMaxSlots, "the limit must fit the handle encoding");
}  // namespace

const char* ObjectKindName(ObjectKind kind) noexcept {
  switch (kind) {
    case ObjectKind::kProvider: return "provider";
    case ObjectKind::kPrivateKey: return "private key";
    case ObjectKind::kPublicKey: return "public key";
    case ObjectKind::kEphemeralKey: return "ephemeral key";
    case ObjectKind::kPreMasterKey: return "pre-master key";
    case ObjectKind::kMasterKey: return "master key";
    case ObjectKind::kSessionKey: return "session key";
    case ObjectKind::kHandshakeHash: return "handshake hash";
    case ObjectKind::kTls13EarlySecret: return "TLS 1.3 early secret";
    case ObjectKind::kTls13HandshakeSecret: return "TLS 1.3 handshake secret";
    case ObjectKind::kTls13MasterSecret: return "TLS 1.3 master secret";
    case ObjectKind::kTls13TrafficSecret: return "TLS 1.3 traffic secret";
    case ObjectKind::kTls13ExporterSecret: return "TLS 1.3 exporter secret";
    case ObjectKind::kTls13ResumptionSecret: return "TLS 1.3 resumption secret";
    case ObjectKind::kTls13BinderKey: return "TLS 1.3 binder key";
    case ObjectKind::kPreSharedKey: return "pre-shared key";
    case ObjectKind::kDeferredPrivateKey: return "deferred private key";
  }
  return "unknown";
}

HandleTable& HandleTable::Global() {
  // Never destroyed: handles may be freed by the host after static destructors run.
  static HandleTable* table = new HandleTable();
  return *table;
}

Handle HandleTable::Encode(std::size_t index, std::uint32_t generation) {
  return static_cast<Handle>(kTokenTag |
                             (static_cast<std::uint64_t>(generation & kGenerationMask) << kGenerationShift) |
                             (static_cast<std::uint64_t>(index + 1) << kSlotShift));
}

bool HandleTable::Decode(Handle handle, std::size_t* index, std::uint32_t* generation) const {
  std::uint64_t raw = static_cast<std::uint64_t>(handle);
  if ((raw & kTokenTagMask) != kTokenTag) return false;
  raw &= ~kTokenTagMask;
  std::uint64_t slot_plus_one = (raw >> kSlotShift) & kSlotMask;
  if (slot_plus_one == 0) return false;
  std::uint64_t gen = raw >> kGenerationShift;
  if (gen > kGenerationMask) return false;
  *index = static_cast<std::size_t>(slot_plus_one - 1);
  *generation = static_cast<std::uint32_t>(gen);
  return true;
}

bool HandleTable::LooksLikeToken(Handle handle) noexcept {
  return (static_cast<std::uint64_t>(handle) & kTokenTagMask) == kTokenTag;
}

Result<Handle> HandleTable::Insert(std::shared_ptr<Object> object) {
  if (!object) return Error::kInternal;
  std::unique_lock lock(mutex_);
  if (live_ >= max_live_) return Error::kNoMemory;  // the documented limit (handle_table.h)
  std::size_t index;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
    free_slots_.pop_back();
  } else {
    if (slots_.size() >= kMaxSlots) return Error::kNoMemory;
    // Reserve the free list's room for this slot now, so that EraseImpl's push_back can never
    // throw after it has already taken the object out (which would strand the slot).
    free_slots_.reserve(slots_.size() + 1);
    slots_.emplace_back();
    index = slots_.size() - 1;
  }
  Slot& slot = slots_[index];
  slot.object = std::move(object);
  ++live_;
  return Encode(index, slot.generation);
}

const HandleTable::Slot* HandleTable::FindLocked(Handle handle) const {
  std::size_t index;
  std::uint32_t generation;
  if (!Decode(handle, &index, &generation) || index >= slots_.size()) return nullptr;
  const Slot& slot = slots_[index];
  if (!slot.object || slot.generation != generation) return nullptr;
  return &slot;
}

void HandleTable::NoteLookup(Handle handle, const Slot* slot, bool accepted, ObjectKind wanted) noexcept {
  lookup_log::RecordLookup(handle, slot != nullptr ? slot->object.get() : nullptr, accepted, wanted);
}

Result<std::shared_ptr<Object>> HandleTable::LookupAny(Handle handle) const {
  std::shared_lock lock(mutex_);
  const Slot* slot = FindLocked(handle);
  if (lookup_log::On()) [[unlikely]]
    NoteLookup(handle, slot, true, ObjectKind{});
  if (slot == nullptr) return Error::kInvalidHandle;
  return slot->object;
}

Result<std::shared_ptr<Object>> HandleTable::Erase(Handle handle) { return EraseImpl(handle, nullptr); }

Status HandleTable::EraseExact(Handle handle, const Object* expected) { return EraseImpl(handle, expected); }

Result<std::shared_ptr<Object>> HandleTable::EraseImpl(Handle handle, const Object* expected) {
  std::size_t index;
  std::uint32_t generation;
  if (!Decode(handle, &index, &generation)) return Error::kInvalidHandle;
  std::shared_ptr<Object> removed;
  {
    std::unique_lock lock(mutex_);
    if (index >= slots_.size()) return Error::kInvalidHandle;
    Slot& slot = slots_[index];
    if (!slot.object || slot.generation != generation) return Error::kInvalidHandle;
    if (expected != nullptr && slot.object.get() != expected) return Error::kInvalidHandle;
    removed = std::move(slot.object);
    slot.object.reset();
    // A new generation makes every copy of the old handle stale. Generation 0 is skipped so that
    // a wrapped generation never recreates a handle with an all-zero generation field.
    slot.generation = (slot.generation + 1) & kGenerationMask;
    if (slot.generation == 0) slot.generation = 1;
    free_slots_.push_back(index);
    --live_;
  }
  // `removed` may hold the last reference; the caller drops it outside the lock, so a destructor
  // that wipes secrets or frees OpenSSL objects never blocks other callers.
  return removed;
}

std::size_t HandleTable::LiveCount() const {
  std::shared_lock lock(mutex_);
  return live_;
}

}  // namespace opensslp
