// Polls cdc.fn_cdc_get_all_changes_<instance> of every capture instance by LSN range
// (from, sys.fn_cdc_get_max_lsn()], with 'all update old' for before images, merges the rows
// of all instances in (__$start_lsn, __$seqval, __$operation) order and hands them to the
// ChangeEmitter.
#ifndef DBCT_SQLSERVER_STREAMING_SOURCE_HPP
#define DBCT_SQLSERVER_STREAMING_SOURCE_HPP

#include <optional>
#include <vector>

#include "change_emitter.hpp"
#include "odbc_connection.hpp"

namespace dbct::sqlserver {

class StreamingSource {
 public:
  StreamingSource(const std::vector<CaptureInstance>& instances, ChangeEmitter& emitter)
      : instances_(instances), emitter_(emitter) {}

  // The first poll reads from `lsn` inclusive (a resume position's commit LSN: the emitter
  // skips what the stream has), or after it (the max LSN a snapshot was read at).
  void StartAt(const Lsn& lsn) { from_ = lsn; from_inclusive_ = true; }
  void StartAfter(const Lsn& lsn) { from_ = lsn; from_inclusive_ = false; }

  // One poll. Returns the number of change rows read. Throws odbc::OdbcError (the caller's
  // session decides on retrying), ChangeError, values::ValueError, and LostPositionError.
  size_t Poll(odbc::Connection& connection, const odbc::EventSink& sink);
  // After a failed poll: read again from the last emitted event's commit LSN.
  void Restart();

 private:
  const std::vector<CaptureInstance>& instances_;
  ChangeEmitter& emitter_;
  std::optional<Lsn> from_;
  bool from_inclusive_ = true;
};

class LostPositionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_STREAMING_SOURCE_HPP
