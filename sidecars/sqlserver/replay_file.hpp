// --replay: change rows read from a JSON-lines file instead of a server (docs/sqlserver.md).
//
// A line with "columns" declares a capture instance:
//   {"capture_instance":"dbo_customers","source_table":"dbo.customers",
//    "start_lsn":"0x00000025000004D80003",
//    "columns":[{"name":"id","type":"int","key":true},{"name":"email","type":"nvarchar(255)"}]}
// Any other line is one row of cdc.fn_cdc_get_all_changes_<capture_instance>:
//   {"capture_instance":"dbo_customers","commit_time":"2019-06-05 10:11:08.470",
//    "__$start_lsn":"0x00000027000007580005","__$seqval":"0x00000027000007580003",
//    "__$operation":2,"__$update_mask":"0x0F","id":1005,"email":"john.doe@example.org"}
// LSNs as SQL Server prints binary(10) ("0x...") or as Debezium writes them ("00000027:00000758:0003").
// commit_time is sys.fn_cdc_map_lsn_to_time(__$start_lsn), read as UTC. Values: JSON null,
// numbers, booleans, or strings in SQL Server's text form (decimals "12.50", datetime2
// "2019-06-05 10:11:08.1234567", datetimeoffset "... +02:00", binary "0x0102").
#ifndef DBCT_SQLSERVER_REPLAY_FILE_HPP
#define DBCT_SQLSERVER_REPLAY_FILE_HPP

#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

#include "change_table.hpp"

namespace dbct::sqlserver {

class ReplayError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReplayInput {
  std::vector<CaptureInstance> instances;
  std::vector<ChangeRow> rows;  // in file order
};

// Reads the whole file; `name` is used in messages ("FILE:LINE: ..."). Throws ReplayError.
ReplayInput ReadReplay(std::istream& in, const std::string& name);

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_REPLAY_FILE_HPP
