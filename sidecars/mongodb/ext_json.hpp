// MongoDB Extended JSON exactly as the MongoDB Java driver writes it (BsonDocument.toJson),
// because that text is what Debezium's MongoDB connector puts into `after`, `before`,
// `updateDescription.updatedFields`, the key's `id` and `source.lsid`.
//
// The Java driver (bson/src/main/org/bson/json: JsonWriter, StrictCharacterStreamJsonWriter,
// JsonWriterSettings and the *Converter classes) differs from libbson's own
// bson_as_*_extended_json in spacing, number formatting and string escaping, so it is
// reproduced here rather than taken from libbson:
//   - `"name": value`; members separated by "," in Debezium's layout (indent on, empty
//     newline/indent characters) and by ", " in the driver's default layout;
//   - doubles as Java's Double.toString ("1.0", "1.0E+10"); strings escaped per UTF-16 code
//     unit by Unicode general category (so emoji become \ud83d\ude00);
//   - STRICT (Extended JSON v1), RELAXED and EXTENDED (canonical v2) type wrappers.
#ifndef DBCT_MONGODB_EXT_JSON_HPP
#define DBCT_MONGODB_EXT_JSON_HPP

#include <bson/bson.h>

#include <string>
#include <string_view>

namespace dbct::mongodb {

// org.bson.json.JsonMode (SHELL is not used by Debezium).
enum class JsonMode { kStrict, kRelaxed, kExtended };

// How members are separated: Debezium's settings give "," (kCompact); the driver's default
// toJson() gives ", " (kSpaced).
enum class JsonLayout { kCompact, kSpaced };

struct JsonStyle {
  JsonMode mode = JsonMode::kStrict;
  JsonLayout layout = JsonLayout::kCompact;
};

// Debezium's json.serialization.mode (MongoDbConnectorConfig.JsonSerializationMode).
enum class SerializationMode { kLegacy, kStrict, kExtended, kRelaxed };

// Style of full documents (after/before, snapshot reads) and of updatedFields for a mode
// (Debezium's JsonSerialization constructor).
JsonStyle DocumentStyle(SerializationMode mode);
JsonStyle UpdatedFieldsStyle(SerializationMode mode);

// Appends the document (or array, when is_array) as JSON text.
void AppendDocumentJson(const bson_t* document, JsonStyle style, std::string* out);
// Appends the value the iterator points at.
void AppendValueJson(const bson_iter_t* iter, JsonStyle style, std::string* out);

// Java's Double.toString followed by the driver's "E+" for positive exponents.
std::string JavaDoubleString(double value);
// A JSON string literal as the Java driver writes it (StrictCharacterStreamJsonWriter).
void AppendJavaJsonString(std::string_view utf8, std::string* out);

}  // namespace dbct::mongodb

#endif  // DBCT_MONGODB_EXT_JSON_HPP
