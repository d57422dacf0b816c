// provideTransactionMetadata for the ODBC sidecars, as Debezium's TransactionMonitor does it:
// each event of a transaction carries {"id","total_order","data_collection_order"}, and the
// transaction is framed by a BEGIN and an END event (with per-table counts) on
// dbchangetracking.N.transaction. SQL Server's id is the commit LSN, Oracle's the XID.
//
// Events skipped on resume are counted all the same, so the orders of a transaction read again
// after a restart are the ones it had the first time.
#ifndef DBCT_ODBC_TRANSACTION_METADATA_HPP
#define DBCT_ODBC_TRANSACTION_METADATA_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dbct/envelope/envelope_writer.hpp"

namespace dbct::odbc {

class TransactionMetadata {
 public:
  void Begin(std::string_view id, int64_t ts_ms);
  bool open() const { return open_; }
  const std::string& id() const { return id_; }
  int64_t event_count() const { return total_; }

  // Counts one event of `data_collection` ("db.schema.table"); the block is valid until the
  // next call.
  const envelope::TransactionBlock& Count(std::string_view data_collection);

  // The BEGIN and END events' JSON (views valid until the next call).
  std::string_view BeginEvent();
  std::string_view EndEvent();
  void Close() { open_ = false; }

 private:
  bool open_ = false;
  std::string id_;
  int64_t ts_ms_ = 0;
  int64_t total_ = 0;
  std::vector<std::pair<std::string, int64_t>> per_collection_;
  std::vector<envelope::CollectionCount> counts_;
  envelope::TransactionBlock block_;
  envelope::JsonWriter w_{512};
};


// Nats-Msg-Id of a snapshot row: "<tracking>:snapshot:<table>:<digest of key and row>" — the
// same for the same row whatever snapshot reads it, so a snapshot taken again after a restart
// republishes unchanged rows under ids JetStream's duplicate window drops. `occurrence` tells
// apart equal rows of a table without a primary key (their n-th copy in the read).
std::string SnapshotMessageId(std::string_view tracking, std::string_view table, std::string_view key,
                              std::string_view row_json, uint64_t occurrence);

}  // namespace dbct::odbc

#endif  // DBCT_ODBC_TRANSACTION_METADATA_HPP
