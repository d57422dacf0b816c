// point and hstore in Debezium's shapes. Point: io.debezium.data.geometry.Point
// (createValue(schema, x, y): x, y, the little-endian OGC WKB, srid null); the WKB bytes were
// cross-checked with Python's struct.pack('<BIdd', 1, 1, x, y). hstore: a JSON object in the
// iteration order of the java.util.HashMap pgjdbc's HStoreConverter fills; the bucket of each
// key below is worked out by hand from Java's String.hashCode.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/modes.hpp"
#include "dbct/values/structured.hpp"

using dbct::envelope::JsonWriter;
using namespace dbct::values;

namespace {

std::string PointJson(double x, double y) {
  JsonWriter w;
  WritePoint(w, x, y);
  EXPECT_TRUE(nlohmann::json::accept(w.Str())) << w.Str();
  return w.Str();
}

std::string HstoreJson(std::string_view text, bool as_map) {
  JsonWriter w;
  WriteHstore(w, text, as_map);
  EXPECT_TRUE(nlohmann::json::accept(w.Str())) << w.Str();
  return w.Str();
}

}  // namespace

TEST(Point, StructWithWkbAndNullSrid) {
  EXPECT_EQ(PointJson(1, 2),
            R"({"x":1.0,"y":2.0,"wkb":"AQEAAAAAAAAAAADwPwAAAAAAAABA","srid":null})");
  EXPECT_EQ(PointJson(0, 0),
            R"({"x":0.0,"y":0.0,"wkb":"AQEAAAAAAAAAAAAAAAAAAAAAAAAA","srid":null})");
  EXPECT_EQ(PointJson(-1.5, 1e300),
            R"({"x":-1.5,"y":1e+300,"wkb":"AQEAAAAAAAAAAAD4v5x1AIg85Dd+","srid":null})");
}

TEST(JavaHashMapOrder, BucketOrderOfStringHashCodes) {
  // "aa".hashCode() = 97 * 31 + 97 = 3104 -> bucket 0; "z" = 122 -> bucket 10
  EXPECT_EQ(JavaHashMapOrder({"z", "aa"}), (std::vector<size_t>{1, 0}));
  // "Aa" and "BB" share hashCode 2112: one bucket, insertion order
  EXPECT_EQ(JavaHashMapOrder({"BB", "Aa"}), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(JavaHashMapOrder({"Aa", "BB"}), (std::vector<size_t>{0, 1}));
  // 13 keys grow the table to 32 buckets; "a".."m" are buckets 1..13 in either size
  std::vector<std::string> keys;
  for (char c = 'm'; c >= 'a'; --c) keys.emplace_back(1, c);
  std::vector<std::string_view> views(keys.begin(), keys.end());
  std::vector<size_t> reversed;
  for (size_t i = keys.size(); i-- > 0;) reversed.push_back(i);
  EXPECT_EQ(JavaHashMapOrder(views), reversed);
  // "q" = 113: bucket 1 of 16 (after "a" = 97, inserted first) but 17 of 32
  std::vector<std::string_view> grown = {"a", "q", "b", "c", "d", "e", "f",
                                         "g", "h", "i", "j", "k", "l"};
  std::vector<size_t> order = JavaHashMapOrder(grown);
  EXPECT_EQ(order.front(), 0u);
  EXPECT_EQ(order.back(), 1u);
}

TEST(Hstore, JsonStringOrMap) {
  EXPECT_EQ(HstoreJson(R"("z"=>"1", "aa"=>"2")", false), R"("{\"aa\":\"2\",\"z\":\"1\"}")");
  EXPECT_EQ(HstoreJson(R"("z"=>"1", "aa"=>"2")", true), R"({"aa":"2","z":"1"})");
  EXPECT_EQ(HstoreJson("", false), R"("{}")");
  EXPECT_EQ(HstoreJson("", true), "{}");
  // escapes in keys and values, NULL values; "é" (U+00E9 = 233) -> bucket 9,
  // "k\"q" -> 103994 ^ 1 -> bucket 11, "n" = 110 -> bucket 14
  EXPECT_EQ(HstoreJson(R"("n"=>NULL, "é"=>"✓", "k\"q"=>"v\\b")", true),
            R"({"é":"✓","k\"q":"v\\b","n":null})");
}

TEST(Hstore, PlaceholderMap) {
  JsonWriter w;
  WriteHstorePlaceholder(w, "__debezium_unavailable_value", false);
  EXPECT_EQ(w.Str(), R"("{\"__debezium_unavailable_value\":\"__debezium_unavailable_value\"}")");
}

TEST(Hstore, MalformedTextIsAnError) {
  JsonWriter w;
  EXPECT_THROW(WriteHstore(w, R"("a"=>)", false), ValueError);
  EXPECT_THROW(WriteHstore(w, R"("a" "b")", false), ValueError);
  EXPECT_THROW(WriteHstore(w, R"("a"=>"b)", false), ValueError);
}
