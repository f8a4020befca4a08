// record_layer.cpp - record framing and protection through the provider.
#include "record_layer.h"

#include <algorithm>
#include <cstdint>

namespace opensslp::tlsdriver {

void RecordLayer::Append(ByteView bytes) {
  // Drop consumed bytes before growing, so a long connection does not keep its whole history.
  if (in_pos_ > 0 && in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  } else if (in_pos_ > 65536) {
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_pos_));
    in_pos_ = 0;
  }
  in_.insert(in_.end(), bytes.begin(), bytes.end());
}

std::optional<Record> RecordLayer::Next() {
  for (;;) {
    if (buffered() < kRecordHeader) return std::nullopt;
    const std::uint8_t* h = in_.data() + in_pos_;
    const std::uint8_t type = h[0];
    const auto version = static_cast<std::uint16_t>((h[1] << 8) | h[2]);
    const std::size_t length = (std::size_t{h[3]} << 8) | h[4];
    // Check the header before waiting for the body, so garbage fails fast.
    if (type < kChangeCipherSpec || type > kApplicationData) {
      Abort(AlertDescription::kUnexpectedMessage, "record of unknown content type " + std::to_string(type));
    }
    if ((version >> 8) != 3 || (!tls13_ && version_ != 0 && version != version_)) {
      Abort(AlertDescription::kProtocolVersion, "record with unexpected version");
    }
    const std::size_t limit = !read_key_ ? kMaxPlaintext : (tls13_ ? kMaxTls13Ciphertext : kMaxCiphertext);
    if (length > limit)
      Abort(AlertDescription::kRecordOverflow, "record longer than RFC 5246 §6.2 / RFC 8446 §5 allow");
    if (buffered() < kRecordHeader + length) return std::nullopt;

    ByteView whole(in_.data() + in_pos_, kRecordHeader + length);
    in_pos_ += whole.size();
    Record record;
    record.type = type;
    if (tls13_ && type == kChangeCipherSpec) {
      // RFC 8446 §5: never protected; the connection decides whether it may be ignored.
      record.fragment.assign(whole.begin() + kRecordHeader, whole.end());
      return record;
    }
    if (tls13_ && !read_key_ && type == kApplicationData && skip_budget_ > 0) {
      // 0-RTT data after a HelloRetryRequest (RFC 8446 §4.2.10): skipped unread.
      if (length > skip_budget_) Abort(AlertDescription::kUnexpectedMessage, "too much skipped early data");
      skip_budget_ -= length;
      continue;
    }
    if (tls13_ && read_key_ && type == kAlert && plaintext_alerts_) {
      record.fragment.assign(whole.begin() + kRecordHeader, whole.end());
      return record;
    }
    if (read_key_) {
      if (tls13_ && type != kApplicationData) {
        Abort(AlertDescription::kUnexpectedMessage, "unprotected record after the keys changed");
      }
      std::optional<Bytes> plain = Decrypt(whole);
      if (!plain) continue;
      record.fragment = std::move(*plain);
      if (tls13_) {
        // The real content type is the last byte (docs/tls13.md); the provider removed the padding.
        if (record.fragment.empty()) Abort(AlertDescription::kUnexpectedMessage, "TLS 1.3 record without a type");
        record.type = record.fragment.back();
        record.fragment.pop_back();
      }
      if (record.fragment.size() > kMaxPlaintext) {
        Abort(AlertDescription::kRecordOverflow, "decrypted record longer than 2^14 bytes");
      }
    } else {
      record.fragment.assign(whole.begin() + kRecordHeader, whole.end());
    }
    return record;
  }
}

std::optional<Bytes> RecordLayer::Decrypt(ByteView record) {
  Bytes plain(record.size());
  DWORD plain_len = 0;
  const SECURITY_STATUS rc = SslDecryptPacket(provider_.get(), read_key_.get(), const_cast<PBYTE>(record.data()),
                                              static_cast<DWORD>(record.size()), plain.data(),
                                              static_cast<DWORD>(plain.size()), &plain_len, read_seq_, 0);
  if (rc == NTE_DECRYPTION_FAILURE && skip_budget_ > 0) {
    // Rejected 0-RTT (RFC 8446 §4.2.10): early data under a key we do not have; the sequence
    // number is not consumed.
    const std::size_t length = record.size() - kRecordHeader;
    if (length > skip_budget_) Abort(AlertDescription::kBadRecordMac, "too much undecryptable early data");
    skip_budget_ -= length;
    return std::nullopt;
  }
  // Authentication failures and malformed ciphertexts look the same to the peer (RFC 5246
  // §7.2.2 bad_record_mac; padding errors must not be distinguishable, RFC 5246 §6.2.3.2).
  if (rc == NTE_DECRYPTION_FAILURE || rc == NTE_BAD_DATA) {
    Abort(AlertDescription::kBadRecordMac, "record does not authenticate", static_cast<std::uint32_t>(rc));
  }
  CheckStatus(rc, "SslDecryptPacket");
  skip_budget_ = 0;  // the first record that opens ends the skipping
  ++read_seq_;
  plain.resize(plain_len);
  return plain;
}

void RecordLayer::Write(std::uint8_t type, ByteView data, std::size_t max_fragment, Bytes& out) {
  const std::size_t chunk = std::clamp<std::size_t>(max_fragment, 1, kMaxPlaintext);
  if (data.empty()) {
    WriteOne(type, data, out);
    return;
  }
  for (std::size_t pos = 0; pos < data.size(); pos += chunk) {
    WriteOne(type, data.subspan(pos, std::min(chunk, data.size() - pos)), out);
  }
}

void RecordLayer::WriteOne(std::uint8_t type, ByteView fragment, Bytes& out) {
  if (!write_key_) {
    // Before any negotiation, TLS 1.0 in the record header is what deployed servers accept
    // for a ClientHello (RFC 5246 Appendix E.1).
    const std::uint16_t version =
        version_ != 0 ? version_ : (provisional_version_ != 0 ? provisional_version_ : kTls10);
    out.push_back(type);
    out.push_back(static_cast<std::uint8_t>(version >> 8));
    out.push_back(static_cast<std::uint8_t>(version));
    out.push_back(static_cast<std::uint8_t>(fragment.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(fragment.size()));
    out.insert(out.end(), fragment.begin(), fragment.end());
    return;
  }
  // RFC 8446 §5.3: the sequence number may not wrap; a new key is needed first (KeyUpdate).
  if (write_seq_ == UINT64_MAX) Abort(AlertDescription::kInternalError, "write sequence number exhausted");
  Bytes record(fragment.size() + kRecordHeader + 2048);
  DWORD record_len = 0;
  CheckStatus(SslEncryptPacket(provider_.get(), write_key_.get(), const_cast<PBYTE>(fragment.data()),
                               static_cast<DWORD>(fragment.size()), record.data(), static_cast<DWORD>(record.size()),
                               &record_len, write_seq_, type, 0),
              "SslEncryptPacket");
  ++write_seq_;
  record.resize(record_len);
  if (corrupt_next_ && record.size() > kRecordHeader) {
    record.back() ^= 0x01;  // in the MAC/tag (or CBC padding): the peer must say bad_record_mac
    corrupt_next_ = false;
  }
  out.insert(out.end(), record.begin(), record.end());
}

void RecordLayer::ActivateReadKey(ProviderObject key) {
  read_key_ = std::move(key);
  read_seq_ = 0;
}

void RecordLayer::ActivateWriteKey(ProviderObject key) {
  write_key_ = std::move(key);
  write_seq_ = 0;
}

}  // namespace opensslp::tlsdriver
