// PostgreSQL values that Debezium writes as structures: point and hstore.
#ifndef DBCT_VALUES_STRUCTURED_HPP
#define DBCT_VALUES_STRUCTURED_HPP

#include <cstddef>
#include <string_view>
#include <vector>

#include "dbct/envelope/json_writer.hpp"

namespace dbct::values {

using envelope::JsonWriter;

// PostgreSQL point (io.debezium.data.geometry.Point, Point.createValue(schema, x, y)):
// {"x":1.0,"y":2.0,"wkb":"<base64>","srid":null}; wkb is the 21-byte little-endian OGC WKB
// of the 2D point, always base64 (a struct field, not subject to binary.handling.mode).
void WritePoint(JsonWriter& w, double x, double y);

// hstore from its text form ("k"=>"v", "n"=>NULL), hstore.handling.mode: json -> a string
// holding the JSON object (default), map -> the object itself. Pairs are written in the
// iteration order of the java.util.HashMap pgjdbc's HStoreConverter.fromString fills, as
// Debezium's Jackson generator walks it. Throws ValueError for text that is not an hstore.
void WriteHstore(JsonWriter& w, std::string_view text, bool as_map);

// An unchanged TOASTed hstore (UnchangedToastedPlaceholder): the map {placeholder: placeholder}.
void WriteHstorePlaceholder(JsonWriter& w, std::string_view placeholder, bool as_map);

// Indexes of keys, inserted in this order into a new java.util.HashMap<String, String>, in the
// map's iteration order (bucket order of Java's String.hashCode spread over the final table;
// insertion order within a bucket). Not modelled: buckets of 8+ colliding keys (tree bins).
std::vector<size_t> JavaHashMapOrder(const std::vector<std::string_view>& keys);

}  // namespace dbct::values

#endif  // DBCT_VALUES_STRUCTURED_HPP
