// Byte strings and bit strings.
#ifndef DBCT_VALUES_BINARY_HPP
#define DBCT_VALUES_BINARY_HPP

#include <cstdint>
#include <string>
#include <string_view>

#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/modes.hpp"

namespace dbct::values {

using envelope::JsonWriter;

// RFC 4648 base64 with padding (java.util.Base64.getEncoder / getUrlEncoder).
void AppendBase64(std::string& out, std::string_view bytes, bool url_safe = false);
// Lower-case hex (io.debezium.util.HexConverter).
void AppendHex(std::string& out, std::string_view bytes);

// bytea / BLOB (binary.handling.mode): bytes -> base64 (Kafka BYTES through the JsonConverter),
// base64, base64-url-safe, hex.
void WriteBytes(JsonWriter& w, std::string_view bytes, BinaryMode mode);

// PostgreSQL bit(n)/varbit(n) from its text ("0101"). Length 1 -> JSON bool. Otherwise
// io.debezium.data.Bits bytes, base64: PostgresValueConverter.convertBits sets BitSet bit i for
// the i-th character counted from the right, then BitSet.toByteArray(): little-endian bytes
// (byte 0 holds the 8 right-most bits, bit j of a byte = 1 << j), only as many bytes as the
// highest set bit needs ("0000" -> "" ; "101" -> 0x05 -> "BQ==").
void WriteBits(JsonWriter& w, std::string_view bit_text, int32_t length);

// MySQL BIT(n) from the binlog's big-endian bytes: length 1 -> bool; otherwise Bits bytes
// reversed to little-endian and zero-padded to (n + 7) / 8 bytes (JdbcValueConverters.convertBits
// with MySQL's byteOrderOfBitType() = BIG_ENDIAN).
void WriteBitsFromBigEndian(JsonWriter& w, std::string_view bytes, int32_t length);

}  // namespace dbct::values

#endif  // DBCT_VALUES_BINARY_HPP
