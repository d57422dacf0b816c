// Bounds-checked little-endian reader over one event's bytes.
//
// The binlog is little-endian except inside some row values (DATETIME2, DECIMAL, BIT), which
// read their own bytes. Every read checks the length first and throws DecodeError naming what
// was being read, so a truncated or corrupt event never reads past its buffer.
#ifndef DBCT_BINLOG_BYTE_READER_HPP
#define DBCT_BINLOG_BYTE_READER_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "binlog_error.hpp"

namespace dbct::binlog {

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::string_view bytes, const char* what = "event")
      : data_(reinterpret_cast<const uint8_t*>(bytes.data())), size_(bytes.size()), what_(what) {}

  size_t Remaining() const { return size_ - pos_; }
  size_t Position() const { return pos_; }
  bool AtEnd() const { return pos_ >= size_; }
  const uint8_t* Current() const { return data_ + pos_; }

  uint8_t U8() {
    Need(1, "byte");
    return data_[pos_++];
  }
  uint16_t U16() { return static_cast<uint16_t>(UInt(2)); }
  uint32_t U24() { return static_cast<uint32_t>(UInt(3)); }
  uint32_t U32() { return static_cast<uint32_t>(UInt(4)); }
  uint64_t U48() { return UInt(6); }
  uint64_t U64() { return UInt(8); }

  // Little-endian unsigned integer of 1 to 8 bytes.
  uint64_t UInt(size_t n) {
    Need(n, "integer");
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{data_[pos_ + i]} << (8 * i);
    pos_ += n;
    return v;
  }

  // Length-encoded integer (the protocol's "packed" integer): < 0xfb is the value itself,
  // 0xfc/0xfd/0xfe are followed by 2/3/8 bytes. 0xfb (NULL) and 0xff are not valid here.
  uint64_t Packed() {
    const uint8_t first = U8();
    if (first < 0xfb) return first;
    if (first == 0xfc) return UInt(2);
    if (first == 0xfd) return UInt(3);
    if (first == 0xfe) return UInt(8);
    Fail("packed integer with first byte " + std::to_string(first));
  }

  std::string_view Bytes(size_t n) {
    Need(n, "bytes");
    std::string_view v(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return v;
  }
  std::string_view Rest() { return Bytes(Remaining()); }
  void Skip(size_t n) { Bytes(n); }

  // A string of `n` bytes followed by a zero byte.
  std::string_view ZeroTerminated(size_t n) {
    std::string_view v = Bytes(n);
    if (U8() != 0) Fail("string not terminated by a zero byte");
    return v;
  }

  [[noreturn]] void Fail(const std::string& problem) const {
    throw DecodeError("corrupt " + std::string(what_) + ": " + problem + " at offset " +
                      std::to_string(pos_) + " of " + std::to_string(size_));
  }

 private:
  void Need(size_t n, const char* thing) const {
    if (n > size_ - pos_) {
      throw DecodeError("corrupt " + std::string(what_) + ": " + std::to_string(n) + " " + thing +
                        " needed at offset " + std::to_string(pos_) + " but only " +
                        std::to_string(size_ - pos_) + " left");
    }
  }

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  const char* what_ = "event";
};

// Big-endian unsigned integer of 1 to 8 bytes (row values of DATETIME2, TIME2, DECIMAL, BIT).
inline uint64_t ReadBigEndian(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

inline uint64_t ReadLittleEndian(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_BYTE_READER_HPP
