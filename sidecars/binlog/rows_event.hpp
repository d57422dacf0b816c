// WRITE/UPDATE/DELETE_ROWS events, v1 (MariaDB, MySQL 5.1-5.5) and v2 (MySQL 5.6+), and the
// reader that walks their row images.
//
// A row image is: a NULL bitmap over the columns present in the image, then each non-NULL
// present column's value in the column's packed format. UPDATE rows hold a before image and
// an after image. Refused: MariaDB's compressed rows events (log_bin_compress), MySQL's
// PARTIAL_UPDATE_ROWS_EVENT (binlog_row_value_options=PARTIAL_JSON), and images that leave
// columns out (binlog_row_image=MINIMAL or NOBLOB): the events we make need every column.
#ifndef DBCT_BINLOG_ROWS_EVENT_HPP
#define DBCT_BINLOG_ROWS_EVENT_HPP

#include <cstdint>
#include <string_view>
#include <vector>

#include "byte_reader.hpp"
#include "event_header.hpp"
#include "table_map_event.hpp"

namespace dbct::binlog {

class FormatDescriptionEvent;

enum class RowsKind { kWrite, kUpdate, kDelete };

struct RowsEvent {
  static constexpr uint16_t kStmtEnd = 0x0001;

  RowsKind kind = RowsKind::kWrite;
  uint64_t table_id = 0;
  uint16_t flags = 0;
  uint32_t column_count = 0;
  std::string_view present_before;  // bitmap: columns in the (before) image
  std::string_view present_after;   // UPDATE: columns in the after image
  std::string_view rows;            // the row images

  bool StatementEnd() const { return (flags & kStmtEnd) != 0; }

  // True for the types this class parses (including the compressed ones it refuses).
  static bool IsRowsEvent(EventType type);
  static RowsEvent Parse(const RawEvent& ev, const FormatDescriptionEvent& fd);
};

// One column value in a row image: a view into the event's bytes. For variable-length types
// `data` starts after the length prefix.
struct Cell {
  const uint8_t* data = nullptr;
  uint32_t size = 0;
  bool is_null = true;

  std::string_view View() const {
    return std::string_view(reinterpret_cast<const char*>(data), size);
  }
};

using Row = std::vector<Cell>;

// Walks the rows of one rows event. Throws UnsupportedError for a partial image and
// DecodeError when the bytes do not match the table map.
class RowsReader {
 public:
  RowsReader(const RowsEvent& event, const TableMapEvent& table);

  // Reads the next row into `image` (write/delete) or `before` and `after` (update; `image`
  // then receives the before image and `after` the after image). False when none is left.
  bool Next(Row& image, Row& after);

 private:
  void ReadImage(Row& row);

  const RowsEvent& event_;
  const TableMapEvent& table_;
  ByteReader reader_;
};

// Reads one column value of `column` at the reader's position.
Cell ReadCell(ByteReader& r, const ColumnInfo& column);

}  // namespace dbct::binlog

#endif  // DBCT_BINLOG_ROWS_EVENT_HPP
