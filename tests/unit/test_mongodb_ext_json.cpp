// Extended JSON as the MongoDB Java driver writes it (what Debezium puts in after/before,
// updatedFields, the key and lsid): every BSON type in the STRICT (Debezium's default for
// documents), RELAXED and EXTENDED modes, the two layouts, Java's double and string forms.
#include <gtest/gtest.h>

#include <bson/bson.h>

#include <string>

#include "ext_json.hpp"

namespace dbct::mongodb {
namespace {

class BsonDoc {
 public:
  explicit BsonDoc(const std::string& json) {
    bson_error_t error;
    ok_ = bson_init_from_json(&doc_, json.data(), static_cast<ssize_t>(json.size()), &error);
    EXPECT_TRUE(ok_) << error.message << " in " << json;
    if (!ok_) bson_init(&doc_);
  }
  ~BsonDoc() { bson_destroy(&doc_); }
  const bson_t* get() const { return &doc_; }

 private:
  bson_t doc_;
  bool ok_ = false;
};

std::string Json(const std::string& ext_json, JsonMode mode, JsonLayout layout = JsonLayout::kCompact) {
  BsonDoc doc(ext_json);
  std::string out;
  AppendDocumentJson(doc.get(), JsonStyle{mode, layout}, &out);
  return out;
}

// One document with every BSON type, written as canonical Extended JSON v2 input.
const char* kAllTypes = R"({
  "_id": {"$oid": "5d505646cf6d4fe581014ab2"},
  "i32": {"$numberInt": "42"},
  "i64": {"$numberLong": "1004"},
  "dbl": {"$numberDouble": "1.5"},
  "dblInt": {"$numberDouble": "3.0"},
  "dec": {"$numberDecimal": "1234.5678"},
  "str": "Anne \"A\"\n",
  "t": true,
  "nul": null,
  "date": {"$date": {"$numberLong": "1577836800123"}},
  "bin0": {"$binary": {"base64": "AQID", "subType": "00"}},
  "uuid": {"$binary": {"base64": "c//SZESzTGmQ6OfR38A11A==", "subType": "04"}},
  "user": {"$binary": {"base64": "", "subType": "80"}},
  "re": {"$regularExpression": {"pattern": "^a.*", "options": "i"}},
  "ts": {"$timestamp": {"t": 1700000000, "i": 7}},
  "min": {"$minKey": 1},
  "max": {"$maxKey": 1},
  "nested": {"a": [1, {"b": "c"}], "e": {}},
  "emptyArr": []
})";

TEST(MongoDbExtJson, StrictModeIsExtendedJsonV1AsDebeziumWritesDocuments) {
  EXPECT_EQ(Json(kAllTypes, JsonMode::kStrict),
            R"({"_id": {"$oid": "5d505646cf6d4fe581014ab2"},"i32": 42,"i64": {"$numberLong": "1004"},)"
            R"("dbl": 1.5,"dblInt": 3.0,"dec": {"$numberDecimal": "1234.5678"},"str": "Anne \"A\"\n",)"
            R"("t": true,"nul": null,"date": {"$date": 1577836800123},"bin0": {"$binary": "AQID","$type": "00"},)"
            R"("uuid": {"$binary": "c//SZESzTGmQ6OfR38A11A==","$type": "04"},"user": {"$binary": "","$type": "80"},)"
            R"("re": {"$regex": "^a.*","$options": "i"},"ts": {"$timestamp": {"t": 1700000000,"i": 7}},)"
            R"("min": {"$minKey": 1},"max": {"$maxKey": 1},"nested": {"a": [1,{"b": "c"}],"e": {}},"emptyArr": []})");
}

TEST(MongoDbExtJson, RelaxedMode) {
  EXPECT_EQ(Json(kAllTypes, JsonMode::kRelaxed),
            R"({"_id": {"$oid": "5d505646cf6d4fe581014ab2"},"i32": 42,"i64": 1004,)"
            R"("dbl": 1.5,"dblInt": 3.0,"dec": {"$numberDecimal": "1234.5678"},"str": "Anne \"A\"\n",)"
            R"("t": true,"nul": null,"date": {"$date": "2020-01-01T00:00:00.123Z"},)"
            R"("bin0": {"$binary": {"base64": "AQID","subType": "00"}},)"
            R"("uuid": {"$binary": {"base64": "c//SZESzTGmQ6OfR38A11A==","subType": "04"}},)"
            R"("user": {"$binary": {"base64": "","subType": "80"}},)"
            R"("re": {"$regularExpression": {"pattern": "^a.*","options": "i"}},)"
            R"("ts": {"$timestamp": {"t": 1700000000,"i": 7}},)"
            R"("min": {"$minKey": 1},"max": {"$maxKey": 1},"nested": {"a": [1,{"b": "c"}],"e": {}},"emptyArr": []})");
}

TEST(MongoDbExtJson, ExtendedModeIsCanonicalV2) {
  EXPECT_EQ(Json(kAllTypes, JsonMode::kExtended),
            R"({"_id": {"$oid": "5d505646cf6d4fe581014ab2"},"i32": {"$numberInt": "42"},"i64": {"$numberLong": "1004"},)"
            R"("dbl": {"$numberDouble": "1.5"},"dblInt": {"$numberDouble": "3.0"},"dec": {"$numberDecimal": "1234.5678"},)"
            R"("str": "Anne \"A\"\n","t": true,"nul": null,"date": {"$date": {"$numberLong": "1577836800123"}},)"
            R"("bin0": {"$binary": {"base64": "AQID","subType": "00"}},)"
            R"("uuid": {"$binary": {"base64": "c//SZESzTGmQ6OfR38A11A==","subType": "04"}},)"
            R"("user": {"$binary": {"base64": "","subType": "80"}},)"
            R"("re": {"$regularExpression": {"pattern": "^a.*","options": "i"}},)"
            R"("ts": {"$timestamp": {"t": 1700000000,"i": 7}},)"
            R"("min": {"$minKey": 1},"max": {"$maxKey": 1},)"
            R"("nested": {"a": [{"$numberInt": "1"},{"b": "c"}],"e": {}},"emptyArr": []})");
}

TEST(MongoDbExtJson, SpacedLayoutIsTheDriversDefaultToJson) {
  // Debezium's legacy updatedFields: BsonDocument.toJson() (relaxed, no indent).
  EXPECT_EQ(Json(R"({"a": 1, "b": [1, "x"], "c": {"d": {"$numberLong": "5"}, "e": {}}})", JsonMode::kRelaxed,
                 JsonLayout::kSpaced),
            R"({"a": 1, "b": [1, "x"], "c": {"d": 5, "e": {}}})");
}

TEST(MongoDbExtJson, RelaxedDatesOutsideYears1970To9999AreCanonical) {
  EXPECT_EQ(Json(R"({"d": {"$date": {"$numberLong": "-1000"}}})", JsonMode::kRelaxed),
            R"({"d": {"$date": {"$numberLong": "-1000"}}})");
  EXPECT_EQ(Json(R"({"d": {"$date": {"$numberLong": "253402300800000"}}})", JsonMode::kRelaxed),
            R"({"d": {"$date": {"$numberLong": "253402300800000"}}})");
  EXPECT_EQ(Json(R"({"d": {"$date": {"$numberLong": "0"}}, "e": {"$date": {"$numberLong": "1500"}}})",
                 JsonMode::kRelaxed),
            R"({"d": {"$date": "1970-01-01T00:00:00Z"},"e": {"$date": "1970-01-01T00:00:01.5Z"}})");
  EXPECT_EQ(Json(R"({"d": {"$date": {"$numberLong": "-1000"}}})", JsonMode::kStrict), R"({"d": {"$date": -1000}})");
}

TEST(MongoDbExtJson, NonFiniteDoubles) {
  const char* doc = R"({"n": {"$numberDouble": "NaN"}, "p": {"$numberDouble": "Infinity"}, "m": {"$numberDouble": "-Infinity"}})";
  EXPECT_EQ(Json(doc, JsonMode::kRelaxed),
            R"({"n": {"$numberDouble": "NaN"},"p": {"$numberDouble": "Infinity"},"m": {"$numberDouble": "-Infinity"}})");
  // JsonDoubleConverter writes them bare in STRICT mode, as the driver does.
  EXPECT_EQ(Json(doc, JsonMode::kStrict), R"({"n": NaN,"p": Infinity,"m": -Infinity})");
}

TEST(MongoDbExtJson, LegacyTypesSymbolCodeUndefinedDbPointer) {
  const char* doc =
      R"j({"s": {"$symbol": "sym"}, "c": {"$code": "f()"}, "cs": {"$code": "g()", "$scope": {"x": 1}},)j"
      R"j( "u": {"$undefined": true},)j"
      R"j( "p": {"$dbPointer": {"$ref": "db.coll", "$id": {"$oid": "5d505646cf6d4fe581014ab2"}}}})j";
  EXPECT_EQ(Json(doc, JsonMode::kStrict),
            R"j({"s": {"$symbol": "sym"},"c": {"$code": "f()"},"cs": {"$code": "g()","$scope": {"x": 1}},)j"
            R"j("u": {"$undefined": true},"p": {"$ref": "db.coll","$id": {"$oid": "5d505646cf6d4fe581014ab2"}}})j");
  EXPECT_EQ(Json(doc, JsonMode::kExtended),
            R"j({"s": {"$symbol": "sym"},"c": {"$code": "f()"},"cs": {"$code": "g()","$scope": {"x": {"$numberInt": "1"}}},)j"
            R"j("u": {"$undefined": true},)j"
            R"j("p": {"$dbPointer": {"$ref": "db.coll","$id": {"$oid": "5d505646cf6d4fe581014ab2"}}}})j");
}

TEST(MongoDbExtJson, Decimal128) {
  EXPECT_EQ(Json(R"({"a": {"$numberDecimal": "-0.00"}, "b": {"$numberDecimal": "1E+3"}, "c": {"$numberDecimal": "NaN"}})",
                 JsonMode::kStrict),
            R"({"a": {"$numberDecimal": "-0.00"},"b": {"$numberDecimal": "1E+3"},"c": {"$numberDecimal": "NaN"}})");
}

TEST(MongoDbExtJson, JavaDoubleToString) {
  EXPECT_EQ(JavaDoubleString(1.0), "1.0");
  EXPECT_EQ(JavaDoubleString(0.1), "0.1");
  EXPECT_EQ(JavaDoubleString(100.0), "100.0");
  EXPECT_EQ(JavaDoubleString(123456.789), "123456.789");
  EXPECT_EQ(JavaDoubleString(1234567.0), "1234567.0");
  EXPECT_EQ(JavaDoubleString(0.001), "0.001");
  EXPECT_EQ(JavaDoubleString(1e7), "1.0E+7");
  EXPECT_EQ(JavaDoubleString(1.5e10), "1.5E+10");
  EXPECT_EQ(JavaDoubleString(1e-5), "1.0E-5");
  EXPECT_EQ(JavaDoubleString(-2.5e-4), "-2.5E-4");
  EXPECT_EQ(JavaDoubleString(5e-324), "4.9E-324");
  EXPECT_EQ(JavaDoubleString(1.7976931348623157e308), "1.7976931348623157E+308");
  EXPECT_EQ(JavaDoubleString(-0.0), "-0.0");
  EXPECT_EQ(JavaDoubleString(0.0), "0.0");
}

TEST(MongoDbExtJson, StringsEscapedPerUtf16UnitAsJavaDoes) {
  std::string out;
  // Letters, symbols and punctuation as is; controls, combining marks, format characters,
  // modifier letters and both surrogates of an emoji as \u escapes (lower-case hex).
  AppendJavaJsonString("a/é€\t\x01 \xCC\x81 \xE2\x80\x8B \xCA\xB0 \xF0\x9F\x98\x80 \\", &out);
  EXPECT_EQ(out, "\"a/é€\\t\\u0001 \\u0301 \\u200b \\u02b0 \\ud83d\\ude00 \\\\\"");
  out.clear();
  AppendJavaJsonString(std::string_view("x\0y\xFFz", 5), &out);
  EXPECT_EQ(out, "\"x\\u0000y\xEF\xBF\xBDz\"");  // NUL escaped; invalid UTF-8 is U+FFFD
}

TEST(MongoDbExtJson, DocumentAndUpdatedFieldsStylesPerSerializationMode) {
  EXPECT_EQ(DocumentStyle(SerializationMode::kLegacy).mode, JsonMode::kStrict);
  EXPECT_EQ(UpdatedFieldsStyle(SerializationMode::kLegacy).mode, JsonMode::kRelaxed);
  EXPECT_EQ(UpdatedFieldsStyle(SerializationMode::kLegacy).layout, JsonLayout::kSpaced);
  EXPECT_EQ(DocumentStyle(SerializationMode::kExtended).mode, JsonMode::kExtended);
  EXPECT_EQ(UpdatedFieldsStyle(SerializationMode::kStrict).layout, JsonLayout::kCompact);
  EXPECT_EQ(DocumentStyle(SerializationMode::kRelaxed).mode, JsonMode::kRelaxed);
}

}  // namespace
}  // namespace dbct::mongodb
