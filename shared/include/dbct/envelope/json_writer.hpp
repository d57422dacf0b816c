// JsonWriter: an append-only JSON writer into one reusable buffer.
//
// The hot path (row values -> event JSON) builds every event here: no DOM, no per-value
// allocation once the buffer has grown to the size of the largest event. Commas are placed
// automatically; the caller only says what comes next. The writer does not check that the
// calls nest correctly (that costs a stack per call); the envelope writer and tests do.
#ifndef DBCT_ENVELOPE_JSON_WRITER_HPP
#define DBCT_ENVELOPE_JSON_WRITER_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace dbct::envelope {

class JsonWriter {
 public:
  JsonWriter() = default;
  explicit JsonWriter(size_t reserve) { out_.reserve(reserve); }

  // Starts a new document; keeps the buffer's capacity.
  void Clear() {
    out_.clear();
    need_comma_ = false;
  }

  void BeginObject() {
    Separate();
    out_.push_back('{');
    need_comma_ = false;
  }
  void EndObject() {
    out_.push_back('}');
    need_comma_ = true;
  }
  void BeginArray() {
    Separate();
    out_.push_back('[');
    need_comma_ = false;
  }
  void EndArray() {
    out_.push_back(']');
    need_comma_ = true;
  }

  // An object key, escaped. The next call writes its value.
  void Key(std::string_view key) {
    Separate();
    AppendQuoted(key);
    out_.push_back(':');
    need_comma_ = false;
  }
  // A key known to need no escaping (a literal in our code): copied as is.
  void KeyLiteral(std::string_view key) {
    // One append instead of four: keys are the most frequent thing we write.
    char buf[64];
    if (key.size() > sizeof buf - 4) {
      Separate();
      out_.push_back('"');
      out_.append(key.data(), key.size());
      out_.append("\":", 2);
    } else {
      char* p = buf;
      if (need_comma_) *p++ = ',';
      *p++ = '"';
      std::memcpy(p, key.data(), key.size());
      p += key.size();
      *p++ = '"';
      *p++ = ':';
      out_.append(buf, static_cast<size_t>(p - buf));
    }
    need_comma_ = false;
  }

  // A string value with JSON escaping; invalid UTF-8 becomes U+FFFD.
  void String(std::string_view value) {
    Separate();
    AppendQuoted(value);
    need_comma_ = true;
  }
  // A string value known to need no escaping (digits, base64, ISO dates): copied as is.
  void StringLiteral(std::string_view value) {
    char buf[64];
    if (value.size() > sizeof buf - 3) {
      Separate();
      out_.push_back('"');
      out_.append(value.data(), value.size());
      out_.push_back('"');
    } else {
      char* p = buf;
      if (need_comma_) *p++ = ',';
      *p++ = '"';
      std::memcpy(p, value.data(), value.size());
      p += value.size();
      *p++ = '"';
      out_.append(buf, static_cast<size_t>(p - buf));
    }
    need_comma_ = true;
  }

  void Int(int64_t value);
  void UInt(uint64_t value);
  // Shortest text that reads back to the same double. NaN and the infinities are not JSON:
  // they are written as the strings "NaN", "Infinity", "-Infinity", as Kafka's JsonConverter
  // (Jackson, QUOTE_NON_NUMERIC_NUMBERS) does.
  void Double(double value);
  // Shortest text that reads back to the same float (Java's Float.toString digits), so a
  // real 1.1 is 1.1 and not 1.100000023841858.
  void Float(float value);
  void Bool(bool value) {
    Separate();
    if (value) {
      out_.append("true", 4);
    } else {
      out_.append("false", 5);
    }
    need_comma_ = true;
  }
  void Null() {
    Separate();
    out_.append("null", 4);
    need_comma_ = true;
  }
  // Text that is already one valid JSON value; copied verbatim.
  void Raw(std::string_view json) {
    Separate();
    out_.append(json.data(), json.size());
    need_comma_ = true;
  }

  // For value writers that build a string value in place (base64, ISO dates): open the quote,
  // append unescaped bytes through Buffer(), then close it.
  void BeginStringValue() {
    Separate();
    out_.push_back('"');
  }
  void EndStringValue() {
    out_.push_back('"');
    need_comma_ = true;
  }
  std::string& Buffer() { return out_; }

  std::string_view View() const { return out_; }
  const std::string& Str() const { return out_; }
  size_t Size() const { return out_.size(); }

  // Appends `value` JSON-escaped (without quotes) to `out`.
  static void AppendEscaped(std::string& out, std::string_view value);

 private:
  void Separate() {
    if (need_comma_) out_.push_back(',');
  }
  void AppendQuoted(std::string_view value) {
    out_.push_back('"');  // Separate() already ran
    AppendEscaped(out_, value);
    out_.push_back('"');
  }

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace dbct::envelope

#endif  // DBCT_ENVELOPE_JSON_WRITER_HPP
