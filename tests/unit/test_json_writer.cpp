// JsonWriter: structure, commas, escaping, numbers. Every output is also parsed back with
// nlohmann::json so a structural mistake fails even where the expected text is wrong too.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "dbct/envelope/json_writer.hpp"

using dbct::envelope::JsonWriter;

namespace {

std::string Str(std::string_view s) {
  JsonWriter w;
  w.String(s);
  return w.Str();
}

std::string Dbl(double d) {
  JsonWriter w;
  w.Double(d);
  return w.Str();
}

std::string Flt(float f) {
  JsonWriter w;
  w.Float(f);
  return w.Str();
}

}  // namespace

TEST(JsonWriter, CommasAreAutomaticAcrossNesting) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a");
  w.Int(1);
  w.Key("b");
  w.BeginArray();
  w.Int(1);
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.Null();
  w.Bool(true);
  w.Bool(false);
  w.EndArray();
  w.KeyLiteral("c");
  w.BeginObject();
  w.Key("d");
  w.String("x");
  w.EndObject();
  w.Key("e");
  w.Raw("{\"raw\":[1,2]}");
  w.EndObject();
  EXPECT_EQ(w.Str(),
            R"({"a":1,"b":[1,{},[],null,true,false],"c":{"d":"x"},"e":{"raw":[1,2]}})");
  EXPECT_TRUE(nlohmann::json::accept(w.Str()));
}

TEST(JsonWriter, ClearKeepsCapacityAndResetsCommaState) {
  JsonWriter w;
  w.BeginArray();
  w.Int(1);
  w.EndArray();
  const size_t capacity = w.Buffer().capacity();
  w.Clear();
  w.Int(2);
  EXPECT_EQ(w.Str(), "2");
  EXPECT_GE(w.Buffer().capacity(), capacity);
}

TEST(JsonWriter, EscapesQuotesBackslashAndEveryControlCharacter) {
  EXPECT_EQ(Str("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Str("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Str(std::string("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Str("\x7f/"), "\"\x7f/\"");  // DEL and '/' need no escape
  for (int c = 0; c < 0x20; ++c) {
    const std::string text(1, static_cast<char>(c));
    const auto parsed = nlohmann::json::parse(Str(text));
    EXPECT_EQ(parsed.get<std::string>(), text) << "control character " << c;
  }
}

TEST(JsonWriter, KeysAreEscaped) {
  JsonWriter w;
  w.BeginObject();
  w.Key("we\"ird\n");
  w.Int(1);
  w.EndObject();
  EXPECT_EQ(w.Str(), R"({"we\"ird\n":1})");
}

TEST(JsonWriter, ValidUnicodePassesThrough) {
  const std::string text = "\xC3\xA4\xE2\x82\xAC\xF0\x9F\x98\x80";  // ä € 😀
  EXPECT_EQ(Str(text), "\"" + text + "\"");
  EXPECT_EQ(nlohmann::json::parse(Str(text)).get<std::string>(), text);
}

TEST(JsonWriter, InvalidUtf8BecomesReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Str("a\xFF" "b"), "\"a" + fffd + "b\"");
  EXPECT_EQ(Str("\xC3"), "\"" + fffd + "\"");                  // truncated 2-byte sequence
  EXPECT_EQ(Str("\xE2\x82"), "\"" + fffd + "\"");              // truncated 3-byte: one subpart
  EXPECT_EQ(Str("\xC0\xAF"), "\"" + fffd + fffd + "\"");       // overlong '/'
  EXPECT_EQ(Str("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");  // UTF-16 surrogate
  EXPECT_EQ(Str("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
  EXPECT_EQ(Str("\xE2\x82x"), "\"" + fffd + "x\"");
  // Whatever the bytes, the result parses as JSON.
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_TRUE(nlohmann::json::accept(Str(all)));
}

TEST(JsonWriter, Integers) {
  JsonWriter w;
  w.BeginArray();
  w.Int(0);
  w.Int(-1);
  w.Int(std::numeric_limits<int64_t>::min());
  w.Int(std::numeric_limits<int64_t>::max());
  w.UInt(std::numeric_limits<uint64_t>::max());
  w.EndArray();
  EXPECT_EQ(w.Str(), "[0,-1,-9223372036854775808,9223372036854775807,18446744073709551615]");
}

TEST(JsonWriter, DoublesAreShortestRoundTripAndStayFloatingPoint) {
  EXPECT_EQ(Dbl(0.1), "0.1");
  EXPECT_EQ(Dbl(1.5), "1.5");
  EXPECT_EQ(Dbl(100.0), "100.0");  // as Java's Double.toString: still a double
  EXPECT_EQ(Dbl(-0.0), "-0.0");
  EXPECT_EQ(Dbl(1e22), "1e+22");
  EXPECT_EQ(Dbl(5e-324), "5e-324");
  const double tricky = 0.1 + 0.2;
  EXPECT_EQ(std::stod(Dbl(tricky)), tricky);
  EXPECT_EQ(Dbl(tricky), "0.30000000000000004");
}

TEST(JsonWriter, FloatsUseFloatShortestDigits) {
  EXPECT_EQ(Flt(1.1f), "1.1");
  EXPECT_EQ(Flt(3.4028235e38f), "3.4028235e+38");
  EXPECT_EQ(Flt(2.0f), "2.0");
}

TEST(JsonWriter, NonFiniteNumbersBecomeStrings) {
  EXPECT_EQ(Dbl(std::numeric_limits<double>::quiet_NaN()), "\"NaN\"");
  EXPECT_EQ(Dbl(std::numeric_limits<double>::infinity()), "\"Infinity\"");
  EXPECT_EQ(Dbl(-std::numeric_limits<double>::infinity()), "\"-Infinity\"");
  EXPECT_EQ(Flt(std::numeric_limits<float>::quiet_NaN()), "\"NaN\"");
  EXPECT_EQ(Flt(-std::numeric_limits<float>::infinity()), "\"-Infinity\"");
  JsonWriter w;
  w.BeginArray();
  w.Double(std::nan(""));
  w.Int(1);
  w.EndArray();
  EXPECT_EQ(w.Str(), "[\"NaN\",1]");
}
