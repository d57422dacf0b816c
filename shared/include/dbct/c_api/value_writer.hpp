// C++ side of the C ABI's value structs: writes one dbct_value with the configured modes.
// Used by dbct.cpp and by C++ code (sidecars, tests) that already holds dbct_value rows.
#ifndef DBCT_C_API_VALUE_WRITER_HPP
#define DBCT_C_API_VALUE_WRITER_HPP

#include <string_view>

#include "dbct/c_api/dbct.h"
#include "dbct/envelope/json_writer.hpp"
#include "dbct/values/modes.hpp"

namespace dbct::c_api {

constexpr std::string_view kDefaultUnavailablePlaceholder = "__debezium_unavailable_value";

// Throws values::ValueError for a value it cannot write.
void WriteValue(envelope::JsonWriter& w, const dbct_value& value, const values::ValueModes& modes,
                std::string_view placeholder);

// {"col": value, ...}; a bad value's error names its column.
void WriteRow(envelope::JsonWriter& w, const dbct_row& row, const values::ValueModes& modes,
              std::string_view placeholder);

}  // namespace dbct::c_api

#endif  // DBCT_C_API_VALUE_WRITER_HPP
