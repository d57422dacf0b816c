// Polls cdc.fn_cdc_get_all_changes_<instance> of every capture instance by LSN range
// (from, sys.fn_cdc_get_max_lsn()], with 'all update old' for before images, merges the rows
// of all instances in (__$start_lsn, __$seqval, __$operation) order and hands them to the
// ChangeEmitter.
//
// Bounded memory: the range is read in pages of at most `fetch_size` rows per capture
// instance (TOP (n) WITH TIES ... ORDER BY __$start_lsn, __$seqval, so an update's two rows stay
// together), continuing after the last (__$start_lsn, __$seqval) handed on. Rows of an instance
// past the smallest last key of a full page are read again with the next page, so the merge
// order holds across instances. A transaction larger than a page is simply read over several
// pages: positions are per change row, and its END comes when the window's range is done.
#ifndef DBCT_SQLSERVER_STREAMING_SOURCE_HPP
#define DBCT_SQLSERVER_STREAMING_SOURCE_HPP

#include <optional>
#include <vector>

#include "change_emitter.hpp"
#include "odbc_connection.hpp"

namespace dbct::sqlserver {

class StreamingSource {
 public:
  StreamingSource(const std::vector<CaptureInstance>& instances, ChangeEmitter& emitter, size_t fetch_size = 2048)
      : instances_(instances), emitter_(emitter), fetch_size_(fetch_size) {}

  // The first poll reads from `lsn` inclusive (a resume position's commit LSN: the emitter
  // skips what the stream has), or after it (the max LSN a snapshot was read at).
  void StartAt(const Lsn& lsn) { from_ = lsn; from_inclusive_ = true; }
  void StartAfter(const Lsn& lsn) { from_ = lsn; from_inclusive_ = false; }

  // One poll. Returns the number of change rows read. Throws odbc::OdbcError (the caller's
  // session decides on retrying), ChangeError, values::ValueError, and LostPositionError.
  size_t Poll(odbc::Connection& connection, const odbc::EventSink& sink);
  // After a failed poll: read again from the last emitted event's commit LSN.
  void Restart();

  // Everything committed at or before this LSN has been handed on (after a poll): the position
  // an idle poll or a heartbeat stores. nullopt before the first poll.
  std::optional<Lsn> ReadThrough() const {
    if (!from_ || from_inclusive_) return std::nullopt;
    return from_;
  }
  size_t Pages() const { return pages_; }

 private:
  // Reads one page of `instance` in [lower, to] after `after`; appends the rows.
  size_t ReadPage(odbc::Connection& c, size_t index, const Lsn& lower, const Lsn& to, const std::optional<RowKey>& after,
                  std::vector<ChangeRow>* rows);

  const std::vector<CaptureInstance>& instances_;
  ChangeEmitter& emitter_;
  size_t fetch_size_;
  std::optional<Lsn> from_;
  bool from_inclusive_ = true;
  size_t pages_ = 0;
};

class LostPositionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dbct::sqlserver

#endif  // DBCT_SQLSERVER_STREAMING_SOURCE_HPP
